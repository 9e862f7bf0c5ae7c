"""The case list at province scale: first pages with filters, and page 1,000 by cursor vs by offset,
for a county, a township and the province, each beside its hand-written SQL ceiling.

    .venv/bin/python bench/bench_list.py [--cases 1000000] [--grids 20000] [--runs 15] [--json FILE]
    .venv/bin/python bench/bench_list.py --database-url postgres://…/province10m [--json FILE]

Needs: root (or the `postgres` system user) for a throw-away PostgreSQL server (bench/pg.py), unless
--database-url names an existing database holding `fengqiao synth` data (with its synth-admin and
synth-county users). Such a database is only read: the connection's transactions are read-only
(`default_transaction_read_only`), sessions are kept in signed cookies and logging in updates no
row, so a write anywhere in the measured requests fails the run instead of changing the database.

Without --database-url it migrates an empty database and loads a synthetic province with
`fengqiao synth --ceiling` (on an empty case table synth takes the bulk path: secondary indexes
dropped, rebuilt after), printing synth's own figures. Then, in this process, it requests
`GET /api/v1/cases` through Django's test client (the whole view: auth, scoping, filters,
serialisation) and reports the p50 and p90 of wall time, this process's CPU time and the
PostgreSQL backend's CPU time (from /proc) over --runs requests each:

  - the first page with filters (category and status) of a county (as synth-county), a township
    of it (synth-county with `region=`) and the province (synth-admin), and the first page with
    each of EXTRA_FILTERS (the rarest category, a level, overdue, a channel, text search);
  - page 1 and page 1,000 (rows 49,951-50,000; a township's last full page if it has fewer rows)
    of each scope's unfiltered list by cursor, and the province's `page=1000` (offset with COUNT,
    the old way; --no-offset skips it);
  - the same first pages and pages by cursor of three users with a unit, their own list (no
    `region=`: their region's subtree OR handled by or assigned to their unit): the centre of that
    township, the county's public security department and the county's centre (the unit holding
    the most cases), made in memory (never saved);
    --units-only measures only these;

and, for each, the ceiling: the same page's rows selected by hand-written SQL over the same
connection (the database's part alone). It prints the PostgreSQL plans (EXPLAIN ANALYZE, BUFFERS)
of the statements the view ran for the county's, the township's and the province's first pages
with filters and the county's page 1,000, and the machine's load around every measurement.
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

from common import bench_env, fengqiao, figure, machine, process_cpu, wait_for_quiet, write_figures  # noqa: E402

PASSWORD = "bench-list-password-1"
# The other filters of the list, first page of each scope (issue 9: "first page with filters, any
# region"): the rarest category with a common status, a level, overdue, a channel, text search.
EXTRA_FILTERS = {
    "rare category (discipline)+closed": {"category": "discipline", "status": "closed"},
    "level (county)": {"level": "county"},
    "overdue": {"overdue": "true"},
    "channel (hotline)+status (reported)": {"channel": "hotline", "status": "reported"},
    "text search (q=纠纷)": {"q": "纠纷"},
    "text search (q=宅基地)": {"q": "宅基地"},
    "text search, one character (q=宅)": {"q": "宅"},
    "text search, no match (q=无此词语)": {"q": "无此词语"},
}
# Text search (issue 3) is matched by a substring test, on PostgreSQL beside a GIN prefilter of
# character grams (fengqiao/cases/search.py): a common word is found by walking the ordered list
# index, a rare one by the GIN bitmap. Beside the fixed words above, a rare one from the data: the
# village name (the title's first three characters) of the province's last case, which lies in
# another county than synth-county's (its hits in the county are printed).
RARE_WORD_SQL = "SELECT left(title, 3) FROM cases_case WHERE id = (SELECT max(id) FROM cases_case)"
GIN_INTAKE_ROWS = 20_000
FIRST_PAGE_TARGET_MS = 50.0
FLAT = 1.5  # page 1,000 "stays flat": its p50 within 1.5x of page 1's, same scope, same run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def timed(client, path: str, params: dict, runs: int, backend: int | None) -> dict:
    """p50/p90 of wall and CPU (this process, and the PostgreSQL backend of its connection) over
    `runs` requests, after one untimed request (warm caches: the figure is the steady state)."""
    walls, cpus = [], []
    response = client.get(path, params, secure=True)
    assert response.status_code == 200, (path, params, response.content[:300])
    db0 = process_cpu(backend) if backend else None  # clock ticks (10 ms): a mean over the runs
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(path, params, secure=True)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (path, params, response.content[:300])
    db1 = process_cpu(backend) if backend else None
    return {
        "p50_ms": round(statistics.median(walls), 1),
        "p90_ms": round(percentile(walls, 0.9), 1),
        "cpu_p50_ms": round(statistics.median(cpus), 1),
        "db_cpu_mean_ms": round((db1 - db0) * 1000 / runs, 1)
        if db0 is not None and db1 is not None
        else None,
        "rows": len(response.json()["results"]),
        "runs": runs,
    }


def timed_sql(sql: str, params: list, runs: int) -> dict:
    """The ceiling: the same page's rows by hand-written SQL on the same connection, without
    parallel workers, as the view reads its pages (selectors._no_parallel_workers)."""
    from django.db import connection

    walls = []
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        rows = len(cursor.fetchall())
        for _ in range(runs):
            wall = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            walls.append((time.perf_counter() - wall) * 1000)
        cursor.execute("RESET max_parallel_workers_per_gather")
    return {"p50_ms": round(statistics.median(walls), 2), "rows": rows}


def page_where(prefix: str | None, filters: dict, after: tuple | None) -> tuple[list[str], list]:
    """The WHERE of one page's hand-written SQL (the case table as `c`): its region, filters, cursor."""
    from fengqiao.cases.models import Case

    column = {name: Case._meta.get_field(name).column for name in ("region", "merged_into")}
    where, params = [f"c.{column['merged_into']} IS NULL"], []
    if prefix:
        if len(prefix) in (6, 9):  # the best hand-written form: the prefix the list indexes are keyed by
            where.append(f"left(c.{column['region']}, {len(prefix)}) = %s")
            params.append(prefix)
        else:
            where.append(f"c.{column['region']} >= %s AND c.{column['region']} < %s")
            params += [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
    for name, value in filters.items():
        if name == "q":  # the best hand-written form: the one search.text_q chooses (see there)
            from fengqiao.cases import search

            grams, shares = search.query_grams(value), search.gram_shares()
            rarest = min(grams, key=lambda gram: (shares.get(gram, 0.0), gram))
            if rarest in shares:  # a common word: estimated common, one gram
                test = (
                    "(strpos(upper(c.title), upper(%s)) > 0 OR strpos(upper(c.description), upper(%s)) > 0)"
                )
                grams = [rarest]
            else:  # a rare word: estimated rare, every gram
                test = "(upper(c.title) LIKE upper(%s) OR upper(c.description) LIKE upper(%s))"
                value_like = f"%{value}%"
            marks = ", ".join(["%s"] * len(grams))
            found = f'{search.GRAMS_FUNCTION}(t.title, t.description) COLLATE "C" @> ARRAY[{marks}]::text[]'
            pattern = value if rarest in shares else value_like
            numbered = Case.objects.filter(number=value).values_list("pk", flat=True).first()
            if numbered is not None:
                found, test = (
                    f"({found} OR t.case_id = {int(numbered)})",
                    f"({test} OR c.id = {int(numbered)})",
                )
            where.append(f"c.id IN (SELECT t.case_id FROM {search.TEXT_TABLE} t WHERE {found}) AND {test}")
            params += [*grams, pattern, pattern]
            continue
        where.append(f"c.{Case._meta.get_field(name).column} = %s")
        params.append(value == "true" if name == "overdue" else value)
    if after and prefix and len(prefix) in (6, 9):  # led by the prefix, as the list asks for it
        where.append(
            f"(left(c.{column['region']}, {len(prefix)}), c.pinned, c.reported_at, c.id) < (%s, %s, %s, %s)"
        )
        params += [prefix, *after]
    elif after:
        where.append("(c.pinned, c.reported_at, c.id) < (%s, %s, %s)")
        params += list(after)
    return where, params


def _from() -> str:
    from fengqiao.cases.models import Case

    unit_table = Case._meta.get_field("handling_unit").related_model._meta.db_table
    unit_column = Case._meta.get_field("handling_unit").column
    return f"{Case._meta.db_table} c LEFT JOIN {unit_table} u ON u.id = c.{unit_column}"


def page_sql(prefix: str | None, filters: dict, after: tuple | None) -> tuple[str, list]:
    """The hand-written SQL of one page: the rows the API serialises (all columns of the case and
    of its handling unit, as its query selects them), in keyset order."""
    where, params = page_where(prefix, filters, after)
    sql = (
        f"SELECT c.*, u.* FROM {_from()} "
        f"WHERE {' AND '.join(where)} ORDER BY c.pinned DESC, c.reported_at DESC, c.id DESC LIMIT 51"
    )
    return sql, params


def unit_page_sql(region: str, unit_id: int, filters: dict, after: tuple | None) -> tuple[str, list]:
    """The hand-written SQL of one page of a user with a unit (their region's subtree, or handled
    by or assigned to their unit): the region's page, and the unit's cases outside the region
    (found with the scope alone, through the unit's own rows, as a materialised set of ids) with
    the page's filters, each ordered and limited, then merged: UNION ALL, ORDER BY, LIMIT."""
    from fengqiao.cases.models import Assignment, Case
    from fengqiao.regions import codes

    prefix = codes.significant_prefix(region)
    upper = codes.prefix_upper_bound(prefix)
    outside = "NOT (c.region_code >= %s AND c.region_code < %s)" if upper else "c.region_code < %s"
    bounds = [prefix, upper] if upper else [prefix]
    few = (
        f"WITH few AS MATERIALIZED (SELECT c.id FROM {Case._meta.db_table} c "
        f"WHERE c.handling_unit_id = %s AND {outside} UNION SELECT c.id FROM {Case._meta.db_table} c "
        f"JOIN {Assignment._meta.db_table} a ON a.case_id = c.id WHERE a.unit_id = %s AND {outside}) "
    )
    few_params = [unit_id, *bounds, unit_id, *bounds]
    region_where, region_params = page_where(prefix, filters, after)
    # The unit's part: its few rows by id, then sorted (no index walk; see selectors._UNIT_ORDER).
    rest_where, rest_params = page_where(None, filters, None)
    if after:
        rest_where.append("(c.pinned::int, c.reported_at, c.id) < (%s, %s, %s)")
        rest_params += [int(after[0]), *after[1:]]
    parts = [
        (region_where, region_params),
        (rest_where + ["c.id IN (SELECT id FROM few)"], rest_params),
    ]
    keys = "c.pinned AS k1, c.reported_at AS k2, c.id AS k3, c.*, u.*"
    sql = " UNION ALL ".join(
        f"(SELECT {keys} FROM {_from()} WHERE {' AND '.join(where)} "
        f"ORDER BY c.pinned{'::int' if number else ''} DESC, c.reported_at DESC, c.id DESC LIMIT 51)"
        for number, (where, _) in enumerate(parts)
    )
    params = few_params + [p for _, params in parts for p in params]
    return f"{few}{sql} ORDER BY k1 DESC, k2 DESC, k3 DESC LIMIT 51", params


def view_plan(client, path: str, params: dict) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the case-table statement the view ran for this request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path, params, secure=True)
    pages = [
        q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    if not pages:
        return ["(no case-table statement with LIMIT captured)"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {pages[0]}")
        return [row[0] for row in cursor.fetchall()]


def text_index_costs(rows: int) -> dict:
    """The text search index: its size (if the database has it), and what it adds to an intake,
    measured on temporary tables (another connection; nothing shared is written) holding the
    database's newest `rows` titles and descriptions, inserted one row per statement into a table
    with and without the same GIN index (fastupdate on, as the real one; its pending list merged at
    the end and counted). The PostgreSQL backend's CPU from /proc. Temporary tables write no WAL:
    the real index's WAL is not in this figure."""
    from django.db import connection

    from fengqiao.cases import search

    out: dict = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(to_regclass(%s))", [search.INDEX])
        out["index_bytes"] = cursor.fetchone()[0]
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
            cursor.execute(
                "CREATE TEMP TABLE grams_source AS SELECT title, description FROM cases_case "
                f"ORDER BY id DESC LIMIT {int(rows)}"
            )
            for table, index in (("grams_plain", False), ("grams_gin", True)):
                cursor.execute(f"CREATE TEMP TABLE {table} (title varchar(200), description text)")
                if index:
                    cursor.execute(
                        f"CREATE INDEX {table}_index ON {table} USING gin "
                        f'(({search.GRAMS_FUNCTION}(title, description)) COLLATE "C")'
                    )
                cpu, wall = process_cpu(backend), time.perf_counter()
                cursor.execute(
                    "DO $$ DECLARE r record; BEGIN FOR r IN SELECT * FROM grams_source LOOP "
                    f"INSERT INTO {table} VALUES (r.title, r.description); END LOOP; END $$"
                )
                if index:
                    cursor.execute(f"SELECT gin_clean_pending_list('{table}_index'::regclass)")
                out[table] = {
                    "cpu_s": round(process_cpu(backend) - cpu, 2),
                    "wall_s": round(time.perf_counter() - wall, 2),
                }
            cursor.execute("DROP TABLE grams_source, grams_plain, grams_gin")
    finally:
        raw.close()
    out["rows"] = rows
    out["gin_cpu_us_per_row"] = round(
        (out["grams_gin"]["cpu_s"] - out["grams_plain"]["cpu_s"]) * 1e6 / rows, 1
    )
    out["plain_cpu_us_per_row"] = round(out["grams_plain"]["cpu_s"] * 1e6 / rows, 1)
    return out


def read_only_connection() -> None:
    """For --database-url: every transaction read-only, sessions in signed cookies, no last-login
    update or login record on force_login. A write in the measured path then fails loudly."""
    from django.conf import settings
    from django.contrib.auth.signals import user_logged_in

    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c default_transaction_read_only=on").strip()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    user_logged_in.receivers = []
    user_logged_in.sender_receivers_cache.clear()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", help="an existing database with synth data, only read (no throw-away server)"
    )
    parser.add_argument("--province", default="98", help="with --database-url: synth's --province")
    parser.add_argument(
        "--no-offset", action="store_true", help="skip the offset page (a COUNT of the province)"
    )
    parser.add_argument("--json", type=Path, help="write the figures for bench/run.py to this file")
    parser.add_argument(
        "--source",
        type=Path,
        help="a directory holding another copy of the fengqiao package (e.g. `git archive HEAD fengqiao`), "
        "imported instead of this checkout's",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait up to this many seconds for an idle machine first"
    )
    parser.add_argument(
        "--units-only",
        action="store_true",
        help="only the users with a unit (no region=), and no text index costs",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    if args.database_url:
        report["database"] = "existing (read-only)"
        measure(args, environment(args, args.database_url), report)
        return
    from pg import Postgres

    with Postgres() as pg:
        env = environment(args, pg.url)
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
        report["synth"] = {
            "wall_s": round(time.perf_counter() - started, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        }
        print(
            f"synth: {report['synth']['wall_s']} s wall in all, {report['synth']['cpu_s']} s CPU in the command; "
            f"load average after: {os.getloadavg()}",
            flush=True,
        )
        pg.sql("VACUUM ANALYZE cases_case")
        report["database"] = f"throw-away {pg.version}, synth --cases {args.cases} --grids {args.grids}"
        measure(args, env, report)


def environment(args, url: str) -> dict:
    source = str(args.source.resolve()) if args.source else None
    if source:
        sys.path.insert(0, source)
    return bench_env(url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"), source=source)


def in_memory_users(province: str) -> dict:
    """synth's two users (same roles and regions as `synth --password` creates), never saved. For a
    database loaded without --password, which this benchmark must not write to."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.roles import Role
    from fengqiao.regions.models import Region

    province_code = province.ljust(12, "0")
    county = (
        Region.objects.filter(kind="county", code__startswith=province)
        .order_by("code")
        .values_list("code", flat=True)
    )[0]
    return serve_in_memory(
        {
            "synth-admin": User(id=-1, username="synth-admin", role=Role.ADMIN, region_id=province_code),
            "synth-county": User(id=-2, username="synth-county", role=Role.CENTRE_STAFF, region_id=county),
        }
    )


def unit_users(county: str, township: str) -> dict:
    """Three staff with a unit (issue 9's "users with a unit"), never saved: the centre of `township`,
    the public security department of `county` and the county's own centre (the unit holding the
    most cases: its unit part reads them all to find those outside the county), each with that
    unit's region as their own."""
    from fengqiao.accounts.models import Unit, User
    from fengqiao.accounts.roles import Role

    staff = [  # username, role, region, that region's unit
        ("synth-town-centre", Role.CENTRE_STAFF, township, {"kind": Unit.Kind.CENTRE}),
        ("synth-county-police", Role.DEPARTMENT_STAFF, county, {"department": "public_security"}),
        ("synth-county-centre", Role.CENTRE_STAFF, county, {"kind": Unit.Kind.CENTRE}),
    ]
    return serve_in_memory(
        {
            username: User(
                id=-3 - number,
                username=username,
                role=role,
                region_id=region,
                unit_id=Unit.objects.get(region_id=region, **unit).pk,
            )
            for number, (username, role, region, unit) in enumerate(staff)
        }
    )


IN_MEMORY: dict = {}


def serve_in_memory(users: dict) -> dict:
    """The authentication middleware is given these users by the client's X-Bench-User header."""
    import django.contrib.auth as auth

    if not IN_MEMORY:
        real_get_user = auth.get_user

        def get_user(request):
            name = request.META.get("HTTP_X_BENCH_USER")
            return IN_MEMORY[name] if name in IN_MEMORY else real_get_user(request)

        auth.get_user = get_user
    IN_MEMORY.update(users)
    return users


def measure(args, env: dict, report: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()
    if args.database_url:
        read_only_connection()
    from django.db import connection
    from django.test import Client

    from fengqiao.accounts.models import User
    from fengqiao.cases import selectors
    from fengqiao.cases.models import Assignment, Case
    from fengqiao.regions import codes
    from fengqiao.regions.models import Region

    users = {
        user.username: user for user in User.objects.filter(username__in=("synth-admin", "synth-county"))
    }
    clients = {}
    if len(users) == 2:
        for user in users.values():
            clients[user.username] = Client(SERVER_NAME="localhost")
            clients[user.username].force_login(user)
    else:  # synth ran without --password: the same two users, in memory only (nothing is written)
        users = in_memory_users(args.province)
        for name in users:
            clients[name] = Client(SERVER_NAME="localhost", HTTP_X_BENCH_USER=name)
        print(
            f"synth-admin/synth-county not in the database: measuring as in-memory users {users}", flush=True
        )
        report["users"] = "in memory (synth ran without --password)"
    admin, county_user = users["synth-admin"], users["synth-county"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), version()")
        backend, version = cursor.fetchone()
    live = Case.objects.filter(merged_into__isnull=True)
    if args.database_url:  # the planner's estimate: a COUNT of 10M rows is not worth its seconds here
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [Case._meta.db_table])
            total = cursor.fetchone()[0]
    else:
        total = live.count()
    province, county = admin.region_id, county_user.region_id
    township = (
        Region.objects.filter(parent_id=county, kind="township")
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    print(f"{version.split(',')[0]}; province {province}, county {county}, township {township}", flush=True)
    units = unit_users(county, township)
    for name in units:
        clients[name] = Client(SERVER_NAME="localhost", HTTP_X_BENCH_USER=name)
    unit_scopes = [  # label (no comma: list_figures splits on it), user, their region
        ("township centre user (unit; no region=)", "synth-town-centre", township),
        ("county department user (unit; no region=)", "synth-county-police", county),
        ("county centre user (unit; no region=)", "synth-county-centre", county),
    ]
    for label, username, code in unit_scopes:
        unit_id = units[username].unit_id
        handled = Case.objects.filter(handling_unit_id=unit_id)
        outside = handled.exclude(codes.subtree_q("region_id", code)).count()
        assigned = Assignment.objects.filter(unit_id=unit_id).count()
        print(
            f"{label}: unit {unit_id} handles {handled.count():,} cases, {outside:,} outside {code}; "
            f"{assigned:,} assignments",
            flush=True,
        )
    filters = {"category": "neighbour", "status": "closed"}
    extra_runs = max(5, args.runs // 3)
    scopes = [  # label, client, region (None: the user's whole scope), its code prefix
        ("county", "synth-county", county),
        ("township", "synth-county", township),
        ("province", "synth-admin", province),
    ]
    field = Case._meta.get_field("reported_at")

    def deep_cursor(code: str) -> tuple[str, int, tuple]:
        in_scope = live.filter(codes.subtree_q("region_id", code)).order_by(*selectors.KEYSET_ORDER)
        depth = 49_950
        edge = in_scope[depth - 1 : depth].first()
        if edge is None:  # a small scope: its last full page
            count = in_scope.count()
            depth = max(50, (count - 1) // 50 * 50)
            edge = in_scope[depth - 1 : depth].first()
        key = (edge.pinned, field.get_db_prep_value(edge.reported_at, connection), edge.pk)
        return selectors.encode_cursor(edge, "n"), depth // 50 + 1, key

    with connection.cursor() as cursor:
        cursor.execute(RARE_WORD_SQL)
        rare = cursor.fetchone()[0]
    text_filters = {**EXTRA_FILTERS, f"text search, rare (q={rare})": {"q": rare}}
    hits = {}
    for name, extra in {} if args.units_only else text_filters.items():
        if "q" in extra:
            for label, _, code in scopes[:2]:  # the province's COUNT of a common word takes seconds
                hits[f"{label}, {name}"] = (
                    selectors.in_region(live, code)
                    .filter(selectors.text_search(extra["q"], "default"))
                    .count()
                )
    print(
        "text search hits: " + "; ".join(f"{label}: {count:,}" for label, count in hits.items()), flush=True
    )
    report["text_hits"] = hits
    quiet = wait_for_quiet(give_up_after=args.quiet_wait) if args.quiet_wait > 0 else None
    report["quiet_before"] = quiet
    load_before = os.getloadavg()
    rows: dict[str, dict] = {}
    for label, username, code in [] if args.units_only else scopes:
        prefix = codes.significant_prefix(code)
        client = clients[username]
        first = timed(client, "/api/v1/cases", {"region": code, **filters}, args.runs, backend)
        first["ceiling"] = timed_sql(*page_sql(prefix, filters, None), args.runs)
        rows[f"{label}, first page, category+status"] = first
        for name, extra in text_filters.items():
            row = timed(client, "/api/v1/cases", {"region": code, **extra}, extra_runs, backend)
            row["ceiling"] = timed_sql(*page_sql(prefix, extra, None), extra_runs)
            rows[f"{label}, first page, {name}"] = row
        page1 = timed(client, "/api/v1/cases", {"region": code}, args.runs, backend)
        page1["ceiling"] = timed_sql(*page_sql(prefix, {}, None), args.runs)
        rows[f"{label}, page 1 by cursor"] = page1
        cursor, page_number, key = deep_cursor(code)
        deep = timed(client, "/api/v1/cases", {"region": code, "cursor": cursor}, args.runs, backend)
        deep["ceiling"] = timed_sql(*page_sql(prefix, {}, key), args.runs)
        deep["page"] = page_number
        rows[f"{label}, page {page_number:,} by cursor"] = deep
        print(
            f"  {label}: first {first['p50_ms']} ms, page 1 {page1['p50_ms']} ms, page {page_number:,} {deep['p50_ms']} ms",
            flush=True,
        )
    if not args.units_only:
        # The county staff's own list (no region=): their scope, as the list page opens.
        own = timed(clients["synth-county"], "/api/v1/cases", filters, args.runs, backend)
        own["ceiling"] = timed_sql(*page_sql(codes.significant_prefix(county), filters, None), args.runs)
        rows["county (own scope, no region=), first page, category+status"] = own
    # Users with a unit, their own list (no region=): their region's subtree OR handled by or
    # assigned to their unit (selectors.unit_scope_parts: read as parts, merged).
    for label, username, code in unit_scopes:
        client, unit_id = clients[username], units[username].unit_id
        first = timed(client, "/api/v1/cases", filters, args.runs, backend)
        first["ceiling"] = timed_sql(*unit_page_sql(code, unit_id, filters, None), args.runs)
        rows[f"{label}, first page, category+status"] = first
        for name, extra in text_filters.items():
            row = timed(client, "/api/v1/cases", extra, extra_runs, backend)
            row["ceiling"] = timed_sql(*unit_page_sql(code, unit_id, extra, None), extra_runs)
            rows[f"{label}, first page, {name}"] = row
        page1 = timed(client, "/api/v1/cases", {}, args.runs, backend)
        page1["ceiling"] = timed_sql(*unit_page_sql(code, unit_id, {}, None), args.runs)
        rows[f"{label}, page 1 by cursor"] = page1
        cursor, page_number, key = deep_cursor(code)  # synth's units handle only their region's cases
        deep = timed(client, "/api/v1/cases", {"cursor": cursor}, args.runs, backend)
        deep["ceiling"] = timed_sql(*unit_page_sql(code, unit_id, {}, key), args.runs)
        deep["page"] = page_number
        rows[f"{label}, page {page_number:,} by cursor"] = deep
        print(
            f"  {label}: first {first['p50_ms']} ms, page 1 {page1['p50_ms']} ms, page {page_number:,} {deep['p50_ms']} ms",
            flush=True,
        )
    if not args.no_offset and not args.units_only:
        rows["province, page 1,000 by offset (page=1000, with COUNT)"] = timed(
            clients["synth-admin"], "/api/v1/cases", {"page": 1000}, max(3, args.runs // 5), backend
        )
    load_after = os.getloadavg()
    costs = None if args.units_only else text_index_costs(GIN_INTAKE_ROWS)
    report["text_index"] = costs
    if costs:
        print(
            f"text search index: {costs['index_bytes'] / 2**20:,.0f} MB; per intake (temporary tables, "
            f"{costs['rows']:,} rows one by one): {costs['gin_cpu_us_per_row']} µs of PostgreSQL CPU for the GIN "
            f"beside {costs['plain_cpu_us_per_row']} µs for the row itself; {costs}",
            flush=True,
        )
    print(
        f"\nload average {load_before[0]:.1f} before the requests, {load_after[0]:.1f} after; quiet: {quiet}"
    )
    scale = f"{total:,} cases" if not args.database_url else f"~{total:,} cases, existing database"
    print(
        f"\n| request ({scale}) | p50 wall ms | p90 wall ms | p50 CPU ms (client) | mean CPU ms (PostgreSQL backend) | SQL ceiling p50 ms | rows |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, row in rows.items():
        ceiling = row.get("ceiling", {}).get("p50_ms", "—")
        print(
            f"| {label} | {row['p50_ms']} | {row['p90_ms']} | {row['cpu_p50_ms']} | {row['db_cpu_mean_ms']} | {ceiling} | {row['rows']} |"
        )
    plans = {}
    for label, username, _ in unit_scopes:
        for name, extra in {"category+status": filters, **text_filters}.items():
            if name == "category+status" or "rare category" in name or "q" in extra:
                plans[f"{label}, first page, {name}"] = view_plan(clients[username], "/api/v1/cases", extra)
    for label, username, code in [] if args.units_only else scopes:
        plans[f"{label}, first page, category+status"] = view_plan(
            clients[username], "/api/v1/cases", {"region": code, **filters}
        )
        for name, extra in text_filters.items():
            if "q" in extra:
                plans[f"{label}, first page, {name}"] = view_plan(
                    clients[username], "/api/v1/cases", {"region": code, **extra}
                )
    if not args.units_only:
        county_deep = next(
            label
            for label in rows
            if label.startswith("county, page") and "cursor" in label and "page 1 " not in label
        )
        cursor, _, _ = deep_cursor(county)
        plans[county_deep] = view_plan(
            clients["synth-county"], "/api/v1/cases", {"region": county, "cursor": cursor}
        )
    for label, plan in plans.items():
        print(f"\nplan, {label}:\n  " + "\n  ".join(plan))
    connection.close()
    report |= {
        "rows": rows,
        "plans": plans,
        "load": [load_before, load_after],
        "scopes": scopes,
        "postgres": version,
    }
    if args.json:
        figures = list_figures(rows, scale, (load_before, load_after))
        if costs:
            figures.append(
                figure(
                    f"case list, text search index case_text_grams, PostgreSQL CPU per intake ({scale}; "
                    f"index {costs['index_bytes'] / 2**20:,.0f} MB)",
                    costs["gin_cpu_us_per_row"],
                    "µs",
                    ceiling_name="the same row inserted without the index (temporary tables)",
                    ceiling_value=costs["plain_cpu_us_per_row"],
                    note=f"{costs['rows']:,} rows one per statement, pending list merged and counted; no WAL "
                    f"(temporary tables); load {os.getloadavg()[0]:.1f}",
                )
            )
        write_figures(args.json, "case list", figures, **report)
        print(f"figures written to {args.json}")


def cpu_total(row: dict) -> float:
    """CPU per request, Django's and the PostgreSQL backend's: what a busy machine changes least."""
    return row["cpu_p50_ms"] + (row["db_cpu_mean_ms"] or 0.0)


def list_figures(rows: dict, scale: str, loads) -> list[dict]:
    load = f"load {loads[0][0]:.1f}→{loads[1][0]:.1f} on {os.cpu_count()} cores"
    ceiling_name = "hand-written SQL of the same page (same connection)"
    out = []

    def note(row):
        return (
            f"p90 {row['p90_ms']} ms; CPU: p50 {row['cpu_p50_ms']} ms in Django + mean {row['db_cpu_mean_ms']} ms "
            "in the PostgreSQL backend; "
            f"{row['runs']} requests; {load}"
        )

    for label, row in rows.items():
        if ", first page, " in label:
            out.append(
                figure(
                    f"case list, {label}, p50 ({scale})",
                    row["p50_ms"],
                    "ms",
                    target=f"p50 < {FIRST_PAGE_TARGET_MS:g} ms",
                    met=row["p50_ms"] < FIRST_PAGE_TARGET_MS,
                    ceiling_name=ceiling_name,
                    ceiling_value=row["ceiling"]["p50_ms"],
                    note=note(row),
                )
            )
        elif "by cursor" in label and not label.endswith("page 1 by cursor"):
            scope = label.split(",")[0]
            page1 = rows[f"{scope}, page 1 by cursor"]
            deep_cpu, first_cpu = cpu_total(row), cpu_total(page1)
            out.append(
                figure(
                    f"case list, {label}, p50 ({scale}; page 1: {page1['p50_ms']} ms, "
                    f"CPU {first_cpu:.1f} ms; this page's CPU {deep_cpu:.1f} ms)",
                    row["p50_ms"],
                    "ms",
                    target=f"flat: CPU per request (Django + PostgreSQL) ≤ {FLAT:g}× page 1's",
                    met=deep_cpu <= FLAT * first_cpu,
                    ceiling_name=ceiling_name,
                    ceiling_value=row["ceiling"]["p50_ms"],
                    note=note(row),
                )
            )
        elif "offset" in label:
            out.append(figure(f"case list, {label}, p50 ({scale})", row["p50_ms"], "ms", note=note(row)))
    return out


if __name__ == "__main__":
    main()
