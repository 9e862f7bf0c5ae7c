"""The case list at province scale: first pages with filters, and page 1,000 by cursor vs by offset.

    .venv/bin/python bench/bench_list.py [--cases 1000000] [--grids 20000] [--runs 15]

Needs: root (or the `postgres` system user) for a throw-away PostgreSQL server (bench/pg.py).

It migrates an empty database and loads a synthetic province with `fengqiao synth --ceiling` (on
an empty case table synth takes the bulk path: secondary indexes dropped, rebuilt after; the
ceiling is a raw COPY of the same rows into an unindexed copy of the case table), printing synth's
own figures. Then, in this process, it requests `GET /api/v1/cases` through Django's test client
(the whole view: auth, scoping, filters, serialisation) as synth-admin (the province) and
synth-county (a county), and reports the p50 and p90 of wall and of this process's CPU time over
--runs requests each:

  - the first page with filters (category and status) for the county and for the province;
  - page 1,000 (rows 49,951-50,000) of the province list by cursor, and by `page=1000` (offset
    with its COUNT, the old way), and page 1 by cursor for comparison.

It also prints the PostgreSQL plans of the province's first page and of its page 1,000 by cursor.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_env, fengqiao, machine  # noqa: E402
from pg import Postgres  # noqa: E402

PASSWORD = "bench-list-password-1"


def timed(client, path: str, params: dict, runs: int) -> dict:
    walls, cpus, status = [], [], None
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(path, params, secure=True)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        status = response.status_code
        assert status == 200, (path, params, response.content[:300])
    walls.sort()
    cpus.sort()
    return {
        "p50_ms": round(statistics.median(walls), 1),
        "p90_ms": round(walls[int(len(walls) * 0.9) - 1], 1),
        "cpu_p50_ms": round(statistics.median(cpus), 1),
        "rows": len(response.json()["results"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with Postgres() as pg:
        env = bench_env(pg.url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        fengqiao(env, "migrate", "-v0")
        print(f"{pg.version}; load average before synth: {os.getloadavg()}", flush=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        out = fengqiao(
            env,
            "synth",
            *("--grids", str(args.grids), "--cases", str(args.cases), "--seed", str(args.seed)),
            *("--password", PASSWORD, "--ceiling"),
        ).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        print("\n".join(line for line in out.splitlines() if not re.match(r"^\d+ cases, ", line)))
        print(
            f"synth: {time.perf_counter() - started:.1f} s wall in all, "
            f"{after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime:.1f} s CPU in the command; "
            f"load average after: {os.getloadavg()}",
            flush=True,
        )
        pg.sql("VACUUM ANALYZE cases_case")
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        from fengqiao.accounts.models import User
        from fengqiao.cases import selectors
        from fengqiao.cases.models import Case

        admin, county_user = (User.objects.get(username=name) for name in ("synth-admin", "synth-county"))
        county = county_user.region_id
        clients = {}
        for user in (admin, county_user):
            clients[user.username] = Client(SERVER_NAME="localhost")
            clients[user.username].force_login(user)
        filters = {"category": "neighbour", "status": "closed"}
        province = admin.region_id
        deep = Case.objects.filter(merged_into__isnull=True).order_by(*selectors.KEYSET_ORDER)[49_949]
        cursor = selectors.encode_cursor(deep, "n")
        runs = args.runs
        rows = {
            "county, first page, category+status": timed(
                clients["synth-county"], "/api/v1/cases", {"region": county, **filters}, runs
            ),
            "province, first page, category+status": timed(
                clients["synth-admin"], "/api/v1/cases", {"region": province, **filters}, runs
            ),
            "province, page 1 (cursor API, no filter)": timed(
                clients["synth-admin"], "/api/v1/cases", {}, runs
            ),
            "province, page 1,000 by cursor": timed(
                clients["synth-admin"], "/api/v1/cases", {"cursor": cursor}, runs
            ),
            "province, page 1,000 by offset (page=1000, with COUNT)": timed(
                clients["synth-admin"], "/api/v1/cases", {"page": 1000}, max(3, runs // 3)
            ),
        }
        print(f"\nload average during the requests: {os.getloadavg()}")
        print(
            f"\n| request ({args.cases:,} cases) | p50 wall ms | p90 wall ms | p50 CPU ms (client) | rows |"
        )
        print("|---|---:|---:|---:|---:|")
        for label, row in rows.items():
            print(f"| {label} | {row['p50_ms']} | {row['p90_ms']} | {row['cpu_p50_ms']} | {row['rows']} |")
        first = Case.objects.filter(merged_into__isnull=True).order_by(*selectors.KEYSET_ORDER)[:51]
        page = selectors.keyset_page(Case.objects.filter(merged_into__isnull=True), cursor, 50)
        assert page.object_list
        _, pinned, reported_at, pk = selectors.decode_cursor(cursor)
        field = Case._meta.get_field("reported_at")
        after_cursor = (
            Case.objects.filter(merged_into__isnull=True)
            .extra(
                where=[f"{selectors._ROW} < (%s, %s, %s)"],
                params=[pinned, field.get_db_prep_value(reported_at, connection), pk],
            )
            .order_by(*selectors.KEYSET_ORDER)[:51]
        )
        for label, queryset in (("first page", first), ("page 1,000 by cursor", after_cursor)):
            sql, params = queryset.query.sql_with_params()
            with connection.cursor() as db:
                db.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print(f"\nplan, province {label}:\n  " + "\n  ".join(row[0] for row in db.fetchall()))
        connection.close()


if __name__ == "__main__":
    main()
