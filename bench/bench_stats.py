"""Statistics at province scale: `GET /api/v1/stats` for a county and for the whole province, through
the rollup (fengqiao/cases/rollups.py) and through the case table, against hand-written SQL.

    .venv/bin/python bench/bench_stats.py [--cases 10000000] [--grids 20000] [--runs 9] [--json FILE]
    .venv/bin/python bench/bench_stats.py --database-url postgres://.../province10m   # read-only

Needs: root (or the `postgres` system user) for the throw-away PostgreSQL server (bench/pg.py),
unless --database-url names an existing database holding synth data (then nothing is written to it:
every transaction is read-only; without the rollup's tables only the case-table path is measured).

With a throw-away server it migrates, loads `fengqiao synth` (which fills the statistics rollup from
its own counts inside `rollups.bulk_load()`) and rebuilds the rollup from the case table (timed). Then, in this process, it requests the API through Django's test client as synth's county
staff (the county, and a township: below a county the case table answers) and province
administrator (the province), for the whole history and for the last 365 days, --runs times each
after one untimed request, and reports p50/p90 wall, this process's CPU, the PostgreSQL backend's
CPU and the CPU of every PostgreSQL process (parallel workers included) per request:

  - the API as it runs (the rollup where it can answer);
  - the API forced to the case table (`case_stats(..., use_rollup=False)`, the path before the rollup);
  - the ceiling: a hand-written SQL aggregate over the case table giving the same figures (one
    GROUP BY over category, status, level, channel, overdue, and one count of the cards), on the
    same connection;
  - the hand-written SQL over the rollup (one SUM ... GROUP BY key), for comparison.

Every rollup answer is checked equal to the case table's. EXPLAIN (ANALYZE, BUFFERS) plans of the
ceilings and of the rollup statement are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    bench_env,
    fengqiao,
    figure,
    machine,
    process_cpu,
    tree,
    wait_for_quiet,
    write_figures,
)

PASSWORD = "bench-stats-password-1"
TARGET_MS = {"county": 100.0, "province": 1000.0}
CEILING_RATIO = 3.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


class Cpu:
    """CPU seconds of this process, of one PostgreSQL backend, and of every PostgreSQL process."""

    def __init__(self, backend: int | None, postmaster: int | None):
        self.backend, self.postmaster = backend, postmaster

    def read(self) -> tuple[float, float | None, float | None]:
        server = None
        if self.postmaster:
            server = sum(process_cpu(pid) or 0.0 for pid in tree(self.postmaster))
        return time.process_time(), process_cpu(self.backend) if self.backend else None, server


def timed(call, runs: int, cpu: Cpu) -> dict:
    """p50/p90 wall ms of `call()` over `runs` calls after an untimed one, with CPU per call."""
    result = call()
    walls = []
    before = cpu.read()
    for _ in range(runs):
        wall = time.perf_counter()
        result = call()
        walls.append((time.perf_counter() - wall) * 1000)
    after = cpu.read()

    def per_call(index):
        if before[index] is None or after[index] is None:
            return None
        return round((after[index] - before[index]) * 1000 / runs, 1)

    return {
        "p50_ms": round(statistics.median(walls), 1),
        "p90_ms": round(percentile(walls, 0.9), 1),
        "cpu_ms": per_call(0),
        "backend_cpu_ms": per_call(1),
        "server_cpu_ms": per_call(2),
        "runs": runs,
        "result": result,
    }


def ceiling_sql(prefix: str, start, end) -> list[tuple[str, list]]:
    """The hand-written aggregate over the case table: every figure of the answer."""
    upper = str(int(prefix) + 1).zfill(len(prefix))
    where = ["c.region_code >= %s", "c.region_code < %s", "c.merged_into_id IS NULL"]
    params: list = [prefix, upper]
    if start is not None:
        where.append("c.reported_at >= %s")
        params.append(start)
    if end is not None:
        where.append("c.reported_at <= %s")
        params.append(end)
    condition = " AND ".join(where)
    return [
        (
            "SELECT category, status, level, channel, overdue, count(*) FROM cases_case c "
            f"WHERE {condition} GROUP BY category, status, level, channel, overdue",
            params,
        ),
        (
            "SELECT count(*) FILTER (WHERE k.colour = 'yellow'), count(*) FILTER (WHERE k.colour = 'red') "
            f"FROM cases_card k JOIN cases_case c ON c.id = k.case_id WHERE {condition}",
            params,
        ),
    ]


def rollup_sql(prefix: str, first, last) -> list[tuple[str, list]]:
    """The hand-written SUM over the rollup's month rows (whole months only: the simplest form)."""
    upper = str(int(prefix) + 1).zfill(len(prefix))
    where, params = ["month", "county >= %s", "county < %s"], [prefix, upper]
    if first is not None:
        where.append("day >= %s")
        params.append(first)
    if last is not None:
        where.append("day <= %s")
        params.append(last)
    return [(f"SELECT key, sum(n) FROM cases_stat_rollup WHERE {' AND '.join(where)} GROUP BY key", params)]


def run_sql(statements):
    from django.db import connection

    out = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            out.append(cursor.fetchall())
    return out


def explain(statements) -> list[str]:
    from django.db import connection

    lines = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines += [row[0] for row in cursor.fetchall()] + [""]
    return lines


def read_only_connection() -> None:
    """For --database-url: every transaction read-only, sessions in signed cookies, no last-login
    update on force_login."""
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
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--grids", type=int, default=20000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an existing database with synth data, only read")
    parser.add_argument("--postmaster-pid-file", help="its postmaster.pid, for the server's CPU")
    parser.add_argument("--no-base", action="store_true", help="skip the case-table path (slow at 10M)")
    parser.add_argument("--json", type=Path, help="write the figures for bench/run.py to this file")
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait up to this long for an idle machine"
    )
    parser.add_argument(
        "--trigger-cost",
        type=int,
        metavar="N",
        help="only measure what the statistics triggers add to N single-case INSERTs and UPDATEs "
        "(one transaction each, as intake and actions write) on a small throw-away database",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    if args.trigger_cost:
        trigger_cost(args)
        return
    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    if args.database_url:
        postmaster = None
        if args.postmaster_pid_file:
            postmaster = int(Path(args.postmaster_pid_file).read_text().split()[0])
        report["database"] = "existing (read-only)"
        env = bench_env(args.database_url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        measure(args, env, report, postmaster)
        return
    from pg import Postgres

    with Postgres() as pg:
        env = bench_env(pg.url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        fengqiao(env, "migrate", "-v0")
        print(f"{pg.version}; load average before synth: {os.getloadavg()}", flush=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        out = fengqiao(
            env,
            "synth",
            *("--grids", str(args.grids), "--cases", str(args.cases), "--years", str(args.years)),
            *("--seed", str(args.seed), "--password", PASSWORD),
        ).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        print("\n".join(line for line in out.splitlines() if not re.match(r"^\d+ cases, ", line)))
        report["synth"] = {
            "wall_s": round(time.perf_counter() - started, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        }
        print(f"synth: {report['synth']}; load average {os.getloadavg()}", flush=True)
        pg.sql("VACUUM ANALYZE cases_case")
        report["database"] = f"throw-away {pg.version}, synth --cases {args.cases} --grids {args.grids}"
        measure(args, env, report, pg.postmaster_pid(), rebuild=True)


TRIGGERS = [(table, event) for table in ("case", "card") for event in ("insert", "update", "delete")]


def trigger_cost(args) -> None:
    """Backend CPU and wall per single-row INSERT and UPDATE of cases_case (autocommit, durability
    on), with the statistics triggers enabled and disabled, alternating rounds."""
    from pg import Postgres

    with Postgres() as pg:
        env = bench_env(pg.url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        fengqiao(env, "migrate", "-v0")
        fengqiao(env, "synth", "--grids", "200", "--cases", "2000", "--seed", str(args.seed))
        conn = pg.connect()
        cursor = conn.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
        cursor.execute("SELECT min(id), max(id) FROM cases_case")
        low, high = cursor.fetchone()
        columns = [
            row[0]
            for row in pg.sql(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases_case' "
                "AND column_name NOT IN ('id', 'number', 'client_id') ORDER BY ordinal_position"
            )
        ]
        listed = ", ".join(columns)
        insert = (
            f"INSERT INTO cases_case (number, {listed}) SELECT 'B' || nextval('cases_case_id_seq'), {listed} "
            "FROM cases_case WHERE id = %s"
        )
        update = "UPDATE cases_case SET status = CASE status WHEN 'closed' THEN 'verified' ELSE 'closed' END, updated_at = now() WHERE id = %s"
        results: dict = {}
        wait_for_quiet(give_up_after=args.quiet_wait) if args.quiet_wait > 0 else None
        for round_ in range(4):
            for enabled in (True, False):
                for table, event in TRIGGERS:
                    state = "ENABLE" if enabled else "DISABLE"
                    cursor.execute(f"ALTER TABLE cases_{table} {state} TRIGGER fq_stat_{table}_{event}")
                for label, sql in (("insert", insert), ("update", update)):
                    cpu0, wall0 = process_cpu(backend), time.perf_counter()
                    for i in range(args.trigger_cost):
                        cursor.execute(sql, [low + (i * 7919 + round_) % (high - low + 1)])
                    wall = (time.perf_counter() - wall0) * 1000 / args.trigger_cost
                    cpu = (process_cpu(backend) - cpu0) * 1000 / args.trigger_cost
                    key = f"{label}, triggers {'on' if enabled else 'off'}"
                    results.setdefault(key, []).append((round(wall, 3), round(cpu, 3)))
                    print(
                        f"  round {round_}: {key}: {wall:.3f} ms wall, {cpu:.3f} ms backend CPU", flush=True
                    )
        print("\n| single-row statement, one transaction each | median wall ms | median backend CPU ms |")
        print("|---|---:|---:|")
        for key, values in results.items():
            print(
                f"| {key} | {statistics.median(v[0] for v in values):.3f} | {statistics.median(v[1] for v in values):.3f} |"
            )
        cursor.execute("SELECT count(*) FROM cases_stat_delta")
        print(f"delta rows written: {cursor.fetchone()[0]:,}; load average {os.getloadavg()}")
        conn.close()


def measure(args, env: dict, report: dict, postmaster: int | None, rebuild: bool = False) -> None:
    os.environ.update(env)
    import django

    django.setup()
    if args.database_url:
        read_only_connection()
    from django.db import connection
    from django.test import Client

    import fengqiao.cases.api as cases_api
    from fengqiao.accounts.models import User
    from fengqiao.cases import rollups, stats
    from fengqiao.regions.models import Region

    if rebuild:
        cpu0, wall0, load0 = time.process_time(), time.perf_counter(), os.getloadavg()[0]
        server0 = sum(process_cpu(pid) or 0.0 for pid in tree(postmaster)) if postmaster else None
        rollups.rebuild()
        with connection.cursor() as cursor:  # what `fengqiao rebuild_stats` does after the rebuild
            cursor.execute(f"VACUUM (ANALYZE) {rollups.ROLLUP}")
        server1 = sum(process_cpu(pid) or 0.0 for pid in tree(postmaster)) if postmaster else None
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE month) FROM cases_stat_rollup")
            rows, months = cursor.fetchone()
        report["rebuild"] = {
            "wall_s": round(time.perf_counter() - wall0, 1),
            "cpu_s": round(time.process_time() - cpu0, 2),
            "server_cpu_s": round(server1 - server0, 1) if server0 is not None else None,
            "load": load0,
            "rollup_rows": rows,
            "month_rows": months,
        }
        print(f"rollups.rebuild(): {report['rebuild']}", flush=True)
    has_rollup = rollups.available()
    users = {
        user.username: user for user in User.objects.filter(username__in=["synth-admin", "synth-county"])
    }
    direct = len(users) < 2
    if direct:
        # A database loaded without --password has no synth users, and a read-only one cannot get
        # them: case_stats is then called in-process for unsaved users of the same scopes (the view
        # without its authentication and Ninja's routing, ~2-3 ms).
        province_code = (
            Region.objects.filter(kind="province")
            .exclude(code__startswith="99")
            .values_list("code", flat=True)
            .first()
        )
        county_code = (
            Region.objects.filter(kind="county", code__startswith=province_code[:2])
            .order_by("code")
            .values_list("code", flat=True)
            .first()
        )
        users = {
            "synth-admin": User(username="synth-admin", region_id=province_code, is_active=True),
            "synth-county": User(username="synth-county", region_id=county_code, is_active=True),
        }
        print("no synth users: calling case_stats directly (no HTTP layer)", flush=True)
    admin, county_user = users["synth-admin"], users["synth-county"]
    clients = {}
    for user in () if direct else (admin, county_user):
        clients[user.username] = Client(SERVER_NAME="localhost")
        clients[user.username].force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), version(), max(reported_at) FROM cases_case")
        backend, version, latest = cursor.fetchone()
    cpu = Cpu(backend, postmaster)
    province, county = admin.region_id, county_user.region_id
    township = (
        Region.objects.filter(parent_id=county, kind="township")
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    last_day = latest.astimezone(rollups.CST).date()
    year = {"from": (last_day - timedelta(days=364)).isoformat(), "to": last_day.isoformat()}
    print(f"{version.split(',')[0]}; province {province}, county {county}, township {township}", flush=True)
    scopes = [
        ("county", "synth-county", county, {}),
        ("county, last 365 days", "synth-county", county, year),
        ("township", "synth-county", township, {}),
        ("province", "synth-admin", province, {}),
        ("province, last 365 days", "synth-admin", province, year),
    ]
    real = stats.case_stats

    def api(username, code, period, base=False):
        if direct:
            from datetime import date, datetime
            from datetime import time as dtime

            from fengqiao.accounts.scoping import visible_cases

            start = end = None
            if period:
                start = datetime.combine(date.fromisoformat(period["from"]), dtime.min, rollups.CST)
                end = datetime.combine(date.fromisoformat(period["to"]), dtime.max, rollups.CST)

            def call_direct():
                answer = real(
                    visible_cases(users[username]), code, start, end, use_rollup=False if base else None
                )
                return json.loads(json.dumps(answer))

            return call_direct

        def call():
            cases_api.case_stats = (lambda *a: real(*a, use_rollup=False)) if base else real
            try:
                response = clients[username].get("/api/v1/stats", {"region": code, **period}, secure=True)
            finally:
                cases_api.case_stats = real
            assert response.status_code == 200, response.content[:300]
            return response.json()

        return call

    quiet = wait_for_quiet(give_up_after=args.quiet_wait) if args.quiet_wait > 0 else None
    report["quiet_before"] = quiet
    load_before = os.getloadavg()
    rows: dict[str, dict] = {}
    plans: dict[str, list[str]] = {}
    from datetime import date, datetime
    from datetime import time as dtime

    for label, username, code, period in scopes:
        prefix = rollups.county_prefix(code) or code.rstrip("0")
        from fengqiao.regions.codes import significant_prefix

        prefix = significant_prefix(code)
        start = end = None
        first = last = None
        if period:
            first, last = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
            start = datetime.combine(first, dtime.min, rollups.CST)
            end = datetime.combine(last, dtime.max, rollups.CST)
        slow = "province" in label and not period
        runs = max(3, args.runs // 3) if slow else args.runs
        row: dict = {"region": code, "period": period or "all"}
        row["api"] = timed(api(username, code, period), args.runs, cpu)
        if not args.no_base:
            row["api_base"] = timed(api(username, code, period, base=True), runs, cpu)
            assert row["api"]["result"] == row["api_base"]["result"], label
        row["ceiling"] = timed(lambda p=prefix, s=start, e=end: run_sql(ceiling_sql(p, s, e)), runs, cpu)
        if has_rollup and len(prefix) <= rollups.COUNTY_DIGITS:
            row["rollup_sql"] = timed(
                lambda p=prefix, f=first, la=last: run_sql(rollup_sql(p, f, la)), args.runs, cpu
            )
            plans[f"{label}: rollup SQL"] = explain(rollup_sql(prefix, first, last))
        plans[f"{label}: ceiling (case table)"] = explain(ceiling_sql(prefix, start, end))
        received = row["api"]["result"]["received"]
        row["received"] = received
        rows[label] = row
        print(
            f"  {label}: API {row['api']['p50_ms']} ms"
            + (f", case table {row['api_base']['p50_ms']} ms" if "api_base" in row else "")
            + f", ceiling {row['ceiling']['p50_ms']} ms"
            + (f", rollup SQL {row['rollup_sql']['p50_ms']} ms" if "rollup_sql" in row else "")
            + f"; {received:,} cases; load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    load_after = os.getloadavg()
    for row in rows.values():
        for key in ("api", "api_base", "ceiling", "rollup_sql"):
            if key in row:
                row[key].pop("result", None)
    print(f"\nload average {load_before[0]:.1f} before, {load_after[0]:.1f} after; quiet: {quiet}")
    print(
        "\n| request | cases | API p50 ms (p90) | CPU ms: Django / backend / all PG | case-table path p50 ms "
        "(CPU Django / all PG) | ceiling SQL p50 ms (all PG CPU) | API ÷ ceiling | rollup SQL p50 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, row in rows.items():
        a, c = row["api"], row["ceiling"]
        b = row.get("api_base")
        base = f"{b['p50_ms']} ({b['cpu_ms']} / {b['server_cpu_ms']})" if b else "—"
        r = row.get("rollup_sql", {}).get("p50_ms", "—")
        print(
            f"| {label} | {row['received']:,} | {a['p50_ms']} ({a['p90_ms']}) | {a['cpu_ms']} / {a['backend_cpu_ms']} / "
            f"{a['server_cpu_ms']} | {base} | {c['p50_ms']} ({c['server_cpu_ms']}) | "
            f"{a['p50_ms'] / max(c['p50_ms'], 0.01):.2f} | {r} |"
        )
    for label, plan in plans.items():
        print(f"\nplan, {label}:\n  " + "\n  ".join(plan))
    connection.close()
    report |= {
        "direct": direct,
        "rows": rows,
        "plans": plans,
        "load": [load_before, load_after],
        "postgres": version,
    }
    if args.json:
        write_figures(
            args.json, "statistics", stats_figures(rows, has_rollup, (load_before, load_after)), **report
        )
        print(f"figures written to {args.json}")


def stats_figures(rows: dict, has_rollup: bool, loads) -> list[dict]:
    load = f"load {loads[0][0]:.1f}→{loads[1][0]:.1f} on {os.cpu_count()} cores"
    out = []
    for label, row in rows.items():
        scope = label.split(",")[0]
        a, c = row["api"], row["ceiling"]
        target = TARGET_MS.get(scope)
        met = None
        if target is not None:
            met = a["p50_ms"] < target and a["p50_ms"] <= CEILING_RATIO * c["p50_ms"]
        base = row.get("api_base")
        note = (
            f"{row['received']:,} cases; p90 {a['p90_ms']} ms; CPU per request {a['cpu_ms']} ms Django, "
            f"{a['server_cpu_ms']} ms PostgreSQL; "
            + (f"case-table path {base['p50_ms']} ms; " if base else "")
            + ("rollup" if has_rollup else "no rollup in this database")
            + f"; {a['runs']} requests; {load}"
        )
        out.append(
            figure(
                f"GET /api/v1/stats, {label}, p50",
                a["p50_ms"],
                "ms",
                target=f"p50 < {target:g} ms and ≤ {CEILING_RATIO:g}× the ceiling" if target else "",
                met=met,
                ceiling_name="hand-written SQL aggregate over the case table (same connection)",
                ceiling_value=c["p50_ms"],
                note=note,
            )
        )
    return out


if __name__ == "__main__":
    main()
