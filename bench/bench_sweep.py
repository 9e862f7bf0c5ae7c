"""The deadline sweep over a large table: `fengqiao.cases.sweep.sweep(at)` on 1,000,000 open cases.

    .venv/bin/python bench/bench_sweep.py [--cases 1000000] [--due-share 0.01] [--profile]

Needs: root (or the `postgres` system user) for a throw-away PostgreSQL server (bench/pg.py).
Takes about 3-5 minutes at 1,000,000 cases (most of it building the fixture and the sweep itself).

The fixture (benchmark only, written straight in SQL with generate_series, in one statement per
table): open cases (accepted / dispatched / in progress) in real places of the demo county (its
villages and grids), at village (60%), town (30%) or county (10%) level, each held by the centre of
that level for its place, each with one running handle clock of the default limit (7 calendar days,
yellow warning after 5). The clocks describe a system whose sweep last ran `gap` ago, where
gap = due_share x 7 days, so that:
  - due_share of the clocks ran out since (due_at in (at - gap, at]): the sweep breaches them, flags
    the case overdue, gives a red card and escalates it one level with new clocks;
  - about as many passed their yellow threshold since (yellow_at in (at - gap, at]): a yellow card
    each; every earlier yellow threshold was carded by the previous sweep (yellow_carded_at set);
  - the rest run on (due_at up to 7 days ahead).
Then VACUUM ANALYZE, as autovacuum would have left a table of that age.

It times `sweep(at)` in this process (Django set up against the server), then a second
`sweep(at)` at the same moment, which must change nothing (checked on the row counts and the
cases' updated_at), and reports the statements per escalated case (pg_stat_statements) and the plan
of the due-clock query (it should use the partial index clock_running_due).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, fengqiao, machine, process_cpu, wait_for_quiet  # noqa: E402
from pg import Postgres  # noqa: E402

HANDLE_DAYS, YELLOW_DAYS = 7, 5
QUIET = {"give_up_after": 60.0}  # --quiet-wait
# --skip-sweeper: other apps' sweepers left out of the run. The fixture holds only cases and clocks,
# as if those apps had no history: the supervision letters, for one, would all fall due at once
# (a letter at every passed yellow threshold), which measures a one-off backlog, not a sweep.
SKIPPED_SWEEPERS: set[str] = set()
LEVEL_SHARES = (("village", 0.6), ("town", 0.3), ("county", 0.1))
STATUSES = ("accepted", "dispatched", "in_progress")
CATEGORIES = (  # not petitions: their statutory clocks follow other rules
    "marriage_family",
    "neighbour",
    "homestead_housing",
    "contract_debt",
    "business",
    "damages",
    "land_forest",
    "property_mgmt",
    "traffic",
    "consumer",
    "labour_wages",
    "environment",
    "village_affairs",
    "medical",
    "safety_hazard",
    "public_service",
)
DEFAULT_TRACK = {
    "labour_wages": "department",
    "environment": "department",
    "consumer": "department",
    "safety_hazard": "department",
    "public_service": "department",
}


def combos() -> list[tuple[str, str | None, str, int]]:
    """(region_code, grid_code, level, handling unit id) for every place of the demo county at
    every level, weighted so that picking uniformly gives LEVEL_SHARES."""
    from fengqiao.accounts.models import Unit
    from fengqiao.cases.actions import region_code_at
    from fengqiao.regions.models import Region

    centres = {unit.region_id: unit.pk for unit in Unit.objects.filter(kind="centre", active=True)}
    places = list(
        Region.objects.filter(code__startswith="990102", kind__in=["village", "grid"]).values_list(
            "code", "kind"
        )
    )
    rows = []
    for level, share in LEVEL_SHARES:
        weight = round(share * 10)
        for code, kind in places:
            unit = centres.get(region_code_at(code, level))
            if unit is None:
                continue
            rows += [(code, code if kind == "grid" else None, level, unit)] * weight
    return rows


def build_fixture(n: int, at: datetime, due_share: float, seed: float = 0.42) -> dict:
    from django.db import connection

    gap = timedelta(days=HANDLE_DAYS) * due_share
    places = combos()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            """
            WITH place AS (
                SELECT * FROM unnest(%(regions)s::text[], %(grids)s::text[], %(levels)s::text[], %(units)s::bigint[])
                    WITH ORDINALITY AS p(region_code, grid_code, level, unit_id, k)
            ), draw AS (
                SELECT g,
                       1 + floor(random() * %(nplaces)s)::int AS k,
                       CASE WHEN random() < %(due_share)s
                            THEN %(at)s - random() * %(gap)s                -- ran out since the last sweep
                            ELSE %(at)s + (0.000001 + random()) * %(handle)s -- still running
                       END AS due,
                       (%(categories)s::text[])[1 + floor(random() * %(ncat)s)::int] AS category,
                       (%(statuses)s::text[])[1 + floor(random() * 3)::int] AS status,
                       1 + floor(random() * 999)::int AS amount
                FROM generate_series(1, %(n)s) AS g
            )
            INSERT INTO cases_case (
                number, client_id, channel, title, description, category, track, level, status,
                region_code, grid_code, address, lat, lng, occurred_at, reported_at, deadline_at,
                overdue, escalations, risk, risk_reasons, classification, satisfaction, extended,
                resolved_at, closed_at, updated_at, created_by_id, handling_unit_id, merged_into_id,
                resolved_by_id, needs_triage, pinned, returns, urgent
            )
            SELECT
                '990102-' || to_char(d.due - %(handle)s, 'YYYYMMDD') || '-B' || lpad(d.g::text, 7, '0'),
                NULL, 'window', '邻里纠纷待处理', '群众反映邻居占用通道堆放杂物' || d.amount || '件,多次协商未果,请求调解。',
                d.category,
                coalesce((%(tracks)s::jsonb) ->> d.category, 'mediation'),
                p.level, d.status, p.region_code, p.grid_code, '', NULL, NULL, NULL,
                d.due - %(handle)s, d.due,
                false, 0, 0, '[]'::jsonb,
                jsonb_build_object('category', d.category, 'confidence', 1.0, 'source', 'staff'),
                NULL, false, NULL, NULL, d.due - %(handle)s, NULL, p.unit_id, NULL,
                NULL, false, false, 0, false
            FROM draw d JOIN place p USING (k)
            ORDER BY d.g
            """,
            {
                "regions": [p[0] for p in places],
                "grids": [p[1] for p in places],
                "levels": [p[2] for p in places],
                "units": [p[3] for p in places],
                "nplaces": len(places),
                "due_share": due_share,
                "at": at,
                "gap": gap,
                "handle": timedelta(days=HANDLE_DAYS),
                "categories": list(CATEGORIES),
                "ncat": len(CATEGORIES),
                "statuses": list(STATUSES),
                "tracks": json.dumps(DEFAULT_TRACK),
                "n": n,
            },
        )
        cases_seconds = time.perf_counter() - started
        cursor.execute(
            """
            INSERT INTO cases_clock (case_id, stage, level, unit_id, started_at, yellow_at, due_at,
                                     stopped_at, outcome, yellow_carded_at, red_carded_at, rule)
            SELECT id, 'handle', level, handling_unit_id, reported_at,
                   reported_at + %(yellow)s, deadline_at, NULL, 'running',
                   CASE WHEN reported_at + %(yellow)s <= %(last_sweep)s THEN reported_at + %(yellow)s END,
                   NULL, '默认:四级七天'
            FROM cases_case WHERE id > %(before)s ORDER BY id
            """,
            {"yellow": timedelta(days=YELLOW_DAYS), "last_sweep": at - gap, "before": before},
        )
        clocks_seconds = time.perf_counter() - started - cases_seconds
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_clock")
    return {
        "places": len({p[0] for p in places}),
        "gap_since_last_sweep_s": gap.total_seconds(),
        "insert_cases_s": round(cases_seconds, 1),
        "insert_clocks_s": round(clocks_seconds, 1),
        "vacuum_analyze_s": round(time.perf_counter() - started - cases_seconds - clocks_seconds, 1),
    }


def counts(at: datetime) -> dict:
    from django.db import connection

    queries = {
        "cases": "SELECT count(*) FROM cases_case",
        "clocks": "SELECT count(*) FROM cases_clock",
        "running_clocks": "SELECT count(*) FROM cases_clock WHERE outcome = 'running'",
        "due_clocks": "SELECT count(*) FROM cases_clock WHERE outcome = 'running' AND due_at <= %(at)s",
        "yellow_pending": "SELECT count(*) FROM cases_clock WHERE outcome = 'running' "
        "AND yellow_carded_at IS NULL AND yellow_at <= %(at)s",
        "cards": "SELECT count(*) FROM cases_card",
        "timeline": "SELECT count(*) FROM cases_timelineentry",
        "notices": "SELECT count(*) FROM notices_notice",
        "overdue_cases": "SELECT count(*) FROM cases_case WHERE overdue",
        "escalations": "SELECT coalesce(sum(escalations), 0) FROM cases_case",
        "max_updated_at": "SELECT max(updated_at)::text FROM cases_case",
    }
    result = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, {"at": at})
            result[name] = cursor.fetchone()[0]
    return result


def due_query_plans(at: datetime) -> dict:
    """EXPLAIN ANALYZE of the sweep's two batch queries, first batch (nothing seen yet) and a later
    one (5,000 cases already seen, as after ten batches)."""
    from django.db import connection

    from fengqiao.cases.models import Clock
    from fengqiao.cases.sweep import BATCH

    plans = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_id FROM cases_clock WHERE outcome = 'running' AND due_at <= %s LIMIT 5000", [at]
        )
        later_seen = {row[0] for row in cursor.fetchall()}
    for label, seen in (("first batch", set()), (f"after {len(later_seen)} cases seen", later_seen)):
        running = Clock.objects.filter(outcome=Clock.Outcome.RUNNING)
        due = running.filter(due_at__lte=at).exclude(case_id__in=seen).order_by("due_at")
        yellow = running.filter(yellow_carded_at__isnull=True, yellow_at__lte=at).exclude(case_id__in=seen)
        plans[label] = {
            "due": due.values_list("case_id", flat=True)[:BATCH].explain(analyze=True),
            "yellow": yellow.order_by("yellow_at")
            .values_list("case_id", flat=True)[:BATCH]
            .explain(analyze=True),
        }
    return plans


def statements(top: int = 20) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT query, calls, total_exec_time FROM pg_stat_statements s
            JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()
            AND query NOT LIKE '%%pg_stat_statements%%'
            ORDER BY total_exec_time DESC
            """
        )
        rows = cursor.fetchall()
    return {
        "calls": sum(r[1] for r in rows),
        "exec_ms": sum(r[2] for r in rows),
        "top": [
            {"calls": c, "ms": round(t, 1), "query": " ".join(q.split())[:240]} for q, c, t in rows[:top]
        ],
    }


def reset_statements() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_statements_reset()")


def time_other_sweepers() -> dict:
    """Wrap the sweepers other apps register (meetings, follow-ups…) so each is timed on its own and
    one that fails (an app whose tables are not migrated yet) is reported instead of ending the run.
    Only this process's list is changed; fengqiao's code is not."""
    from fengqiao.cases import sweep as sweep_module

    timings: dict = {}

    def timed(name, function):
        def run(at):
            started = time.perf_counter()
            try:
                return function(at)
            except Exception as error:  # noqa: BLE001 - reported, not hidden
                timings.setdefault(name, {})["error"] = (
                    f"{type(error).__name__}: {str(error).splitlines()[0]}"
                )
                return None
            finally:
                timings.setdefault(name, {})["seconds"] = round(time.perf_counter() - started, 3)

        return run

    sweep_module.SWEEPERS[:] = [
        (name, timed(name, function))
        for name, function in sweep_module.SWEEPERS
        if name not in SKIPPED_SWEEPERS
    ]
    return timings


def timed_sweep(at: datetime, profile: bool):
    from django.db import connection

    from fengqiao.cases.sweep import sweep

    reset_statements()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    quiet = wait_for_quiet(give_up_after=QUIET["give_up_after"])
    profiler = cProfile.Profile() if profile else None
    backend_cpu = process_cpu(backend) or 0.0
    cpu = time.process_time()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = sweep(at)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    cpu = {
        "python_s": round(time.process_time() - cpu, 2),
        "postgres_backend_s": round((process_cpu(backend) or 0.0) - backend_cpu, 2),
        "quiet_before": quiet,
    }
    return result, seconds, statements() | {"cpu": cpu}, profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due-share", type=float, default=0.01, help="share of the clocks that ran out")
    parser.add_argument("--at", default="2026-11-20T10:00:00+08:00", help="the sweep's moment (ISO 8601)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first sweep (slows it down)")
    parser.add_argument(
        "--skip-sweeper",
        action="append",
        default=[],
        help="leave out another app's sweeper by name (e.g. supervision_letters); repeatable",
    )
    parser.add_argument(
        "--database-url", help="an existing, empty PostgreSQL database instead of a throw-away server"
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="wait up to this long for an idle machine before each sweep",
    )
    args = parser.parse_args()
    QUIET["give_up_after"] = args.quiet_wait
    SKIPPED_SWEEPERS.update(args.skip_sweeper)
    at = datetime.fromisoformat(args.at).astimezone(UTC)
    report: dict = {"machine": machine(), "args": vars(args) | {"json": str(args.json)}}
    pg = None
    started = time.time()
    if args.database_url:
        url = args.database_url
    else:
        pg = Postgres()
        url = pg.start()
        report["postgres"] = {"version": pg.version, "settings": pg.settings}
    try:
        env = bench_env(url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        fengqiao(env, "migrate", "-v0")
        fengqiao(env, "loaddemo", "--no-history")
        os.environ.update(env)
        import django

        django.setup()
        print(f"building {args.cases:,} cases, {args.due_share:.1%} due at {at.isoformat()}…", flush=True)
        report["fixture"] = build_fixture(args.cases, at, args.due_share)
        print(f"  fixture: {report['fixture']}", flush=True)
        report["before"] = counts(at)
        print(f"  before: {report['before']}", flush=True)
        report["plans"] = due_query_plans(at)
        uses_index = all("clock_running_due" in plan["due"] for plan in report["plans"].values())
        report["due_query_uses_clock_running_due"] = uses_index

        def short(plan: str) -> str:
            return "\n    ".join(line if len(line) < 160 else line[:150] + " …" for line in plan.splitlines())

        for label, plan in report["plans"].items():
            print(f"\n  due-clock query plan ({label}):\n    " + short(plan["due"]))
            print(f"  yellow query plan ({label}):\n    " + short(plan["yellow"]))

        other_sweepers = time_other_sweepers()
        first, first_s, first_statements, profiler = timed_sweep(at, args.profile)
        report["first"] = {
            "result": vars(first),
            "seconds": round(first_s, 2),
            "statements": first_statements,
            "other_sweepers": json.loads(json.dumps(other_sweepers)),
        }
        print(f"  other apps' sweepers (included in the time): {other_sweepers}", flush=True)
        report["after_first"] = counts(at)
        print(
            f"\n  first sweep: {vars(first)} in {first_s:.2f} s{' (under cProfile)' if args.profile else ''}",
            flush=True,
        )
        second, second_s, second_statements, _ = timed_sweep(at, False)
        report["second"] = {
            "result": vars(second),
            "seconds": round(second_s, 3),
            "statements": second_statements,
            "other_sweepers": json.loads(json.dumps(other_sweepers)),
        }
        report["after_second"] = counts(at)
        unchanged = report["after_second"] == report["after_first"] and not (
            second.escalated or second.cards or second.cases or second.flagged_overdue
        )
        report["second_run_changed_nothing"] = unchanged
        print(f"  second sweep: {vars(second)} in {second_s:.3f} s; changed nothing: {unchanged}", flush=True)
    finally:
        if pg is not None:
            pg.stop()
    report["seconds"] = round(time.time() - started, 1)

    before, after = report["before"], report["after_first"]
    escalated = report["first"]["result"]["escalated"]
    print(
        "\n| cases | due (share) | yellow pending | escalated | cards | first sweep s | second sweep s | "
        "statements (per escalated case) | second run changed nothing | due query on clock_running_due |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    print(
        f"| {before['cases']:,} | {before['due_clocks']:,} ({before['due_clocks'] / max(before['cases'], 1):.2%}) | "
        f"{before['yellow_pending']:,} | {escalated:,} | {report['first']['result']['cards']:,} | "
        f"{report['first']['seconds']:.1f} | {report['second']['seconds']:.2f} | "
        f"{first_statements['calls']:,} ({first_statements['calls'] / max(escalated, 1):.1f}) | {unchanged} | {uses_index} |"
    )
    print(
        f"\nrows written by the first sweep: clocks +{after['clocks'] - before['clocks']:,}, cards "
        f"+{after['cards'] - before['cards']:,}, timeline +{after['timeline'] - before['timeline']:,}, notices "
        f"+{after['notices'] - before['notices']:,}"
    )
    print(
        f"PostgreSQL execution time in the first sweep: {first_statements['exec_ms'] / 1000:.2f} s of {first_s:.2f} s; "
        f"CPU: this process (Python) {first_statements['cpu']['python_s']} s, its PostgreSQL backend "
        f"{first_statements['cpu']['postgres_backend_s']} s; machine before: {first_statements['cpu']['quiet_before']}"
    )
    for row in first_statements["top"][:15]:
        print(f"  {row['ms']:9.1f} ms {row['calls']:8,}x  {row['query'][:120]}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        text = out.getvalue()
        print(
            "\ncProfile of the first sweep, by own time:\n"
            + text[text.find("   ncalls") :].replace(str(ROOT) + "/", "")
        )
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(str(ROOT / "fengqiao"), 25)
        text = out.getvalue()
        print(
            "cProfile of the first sweep, cumulative, fengqiao's code:\n"
            + text[text.find("   ncalls") :].replace(str(ROOT) + "/", "")
        )
    print(f"total {report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
