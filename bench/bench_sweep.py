"""The deadline sweep over a large table: `fengqiao.cases.sweep.sweep(at)` on 1,000,000 open cases.

    .venv/bin/python bench/bench_sweep.py [--cases 1000000] [--due-share 0.01] [--profile]
        [--pg-set shared_buffers=2GB]   # a server setting over bench/pg.py's, repeatable

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
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CLK_TCK,
    ROOT,
    bench_env,
    fengqiao,
    figure,
    machine,
    machine_cpu,
    process_cpu,
    tree,
    wait_for_quiet,
    write_figures,
)
from pg import Postgres, postmaster_pid_in  # noqa: E402

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
        restore = drop_indexes(cursor, ["cases_case", "cases_clock"])
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
        for statement in restore:
            cursor.execute(statement)
        index_seconds = time.perf_counter() - started - cases_seconds - clocks_seconds
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_clock")
    return {
        "places": len({p[0] for p in places}),
        "gap_since_last_sweep_s": gap.total_seconds(),
        "insert_cases_s": round(cases_seconds, 1),
        "insert_clocks_s": round(clocks_seconds, 1),
        "indexes_and_keys_s": round(index_seconds, 1),
        "vacuum_analyze_s": round(
            time.perf_counter() - started - cases_seconds - clocks_seconds - index_seconds, 1
        ),
    }


def drop_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes, unique and foreign-key constraints (the fixture's rows
    go in without an index update and a key check per row); returns the statements that put them
    back, set-based, after the load."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype",
        [tables],
    )
    constraints = cursor.fetchall()
    for table, name, _, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary",
        [tables],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # dropped: foreign keys, then unique constraints; put back in the reverse order
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition, _ in reversed(constraints)
    ]


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
    """EXPLAIN ANALYZE of the sweep's two batch queries (fengqiao.cases.sweep.sweep), the first batch
    and a later one (its cursor after the 5,000th due clock, as after ten batches)."""
    from django.db import connection
    from django.db.models import Q

    from fengqiao.cases.models import Clock
    from fengqiao.cases.sweep import BATCH

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT due_at, id, yellow_at FROM cases_clock WHERE outcome = 'running' AND due_at <= %s "
            "ORDER BY due_at, id OFFSET 4999 LIMIT 1",
            [at],
        )
        later = cursor.fetchone()
    plans = {}
    for label, cursor_at in (("first batch", None), ("after 5,000 due clocks", later)):
        running = Clock.objects.filter(outcome=Clock.Outcome.RUNNING)
        due = running.filter(due_at__lte=at)
        yellow = running.filter(yellow_carded_at__isnull=True, yellow_at__lte=at)
        if cursor_at is not None:
            due = due.filter(due_at__gte=cursor_at[0]).filter(
                Q(due_at__gt=cursor_at[0]) | Q(due_at=cursor_at[0], id__gt=cursor_at[1])
            )
            yellow = yellow.filter(yellow_at__gte=cursor_at[2]).filter(
                Q(yellow_at__gt=cursor_at[2]) | Q(yellow_at=cursor_at[2], id__gt=cursor_at[1])
            )
        plans[label] = {
            "due": due.order_by("due_at", "id")
            .values_list("due_at", "id", "case_id")[:BATCH]
            .explain(analyze=True),
            "yellow": yellow.order_by("yellow_at", "id")
            .values_list("yellow_at", "id", "case_id")[:BATCH]
            .explain(analyze=True),
        }
    return plans


def statements(top: int = 20) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT query, calls, total_exec_time, rows, wal_records, wal_bytes FROM pg_stat_statements s
            JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()
            AND query NOT LIKE '%%pg_stat_statements%%'
            ORDER BY total_exec_time DESC
            """
        )
        rows = cursor.fetchall()
    # WAL records and bytes do not depend on the machine's load: a change's effect on the
    # database's work shows in them even when the CPU and wall times are noisy.
    return {
        "calls": sum(r[1] for r in rows),
        "exec_ms": sum(r[2] for r in rows),
        "wal_records": sum(int(r[4]) for r in rows),
        "wal_bytes": sum(int(r[5]) for r in rows),
        "top": [
            {
                "calls": c,
                "ms": round(t, 1),
                "rows": n,
                "wal_records": int(w),
                "query": " ".join(q.split())[:240],
            }
            for q, c, t, n, w, _ in rows[:top]
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


def timed_sweep(at: datetime, profile: bool, workers: int = 1, server_pid: int | None = None):
    """sweep(at) in this process (workers=1) or sweep_parallel(at, workers) (forked workers): the
    wall time, the CPU of this process and its workers, and the CPU of the whole PostgreSQL server
    (every backend, the WAL writer, the checkpointer) when its postmaster is known."""
    from django.db import connection

    from fengqiao.cases.sweep import sweep, sweep_parallel

    reset_statements()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    quiet = wait_for_quiet(give_up_after=QUIET["give_up_after"])
    profiler = cProfile.Profile() if profile else None
    server_cpu = server_cpu_s(server_pid)
    machine_before = machine_cpu()
    children = os.times()
    backend_cpu = process_cpu(backend) or 0.0
    cpu = time.process_time()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = sweep(at) if workers == 1 else sweep_parallel(at, workers)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    python_s = time.process_time() - cpu
    backend_s = (process_cpu(backend) or 0.0) - backend_cpu
    server_cpu = server_cpu_s(server_pid) - server_cpu
    busy, total = (after - before for after, before in zip(machine_cpu(), machine_before, strict=True))
    done = os.times()
    workers_s = done.children_user + done.children_system - children.children_user - children.children_system
    cpu = {
        # this process and (workers > 1) its forked workers, reaped when the pool closed
        "python_s": round(python_s + workers_s, 2),
        # this process's own connection (the workers' connections are in the server's figure)
        "postgres_backend_s": round(backend_s, 2) if workers == 1 else None,
        "postgres_server_s": round(server_cpu, 2) if server_pid else None,  # every backend, WAL writer…
        "machine_busy_share": round(busy / max(total, 1e-9), 3),
        "quiet_before": quiet,
    }
    if connection.connection is None:  # sweep_parallel closed it before forking
        connection.ensure_connection()
    return result, seconds, statements() | {"cpu": cpu}, profiler


def local_postmaster_pid() -> int | None:
    """The postmaster of the --database-url server when it runs on this machine and its data
    directory is readable (so its CPU can be counted), else None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        (directory,) = cursor.fetchone()
    pid = postmaster_pid_in(Path(directory))
    return pid if pid and Path(f"/proc/{pid}").exists() else None


def server_cpu_s(postmaster: int | None) -> float:
    """CPU seconds of the PostgreSQL server so far: its live processes, plus the backends that have
    already exited (the postmaster reaps them: its children's CPU), so a worker's backend that
    connects and leaves during the sweep is counted too."""
    if not postmaster:
        return 0.0
    live = sum(cpu for pid in tree(postmaster) if (cpu := process_cpu(pid)) is not None)
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return live
    return live + (int(fields[13]) + int(fields[14])) / CLK_TCK


def sql_ceiling(at: datetime, since: datetime, server_pid: int | None = None, parts: int = 1) -> dict:
    """The ceiling: the same kinds of rows written by hand-written, set-based SQL, in one
    transaction rolled back at the end — each clock that ran out in (since, at] breached with a red
    card, its case flagged overdue and raised a level to its place's centre with a new handle and
    accept clock, three timeline entries and a notice to each member of the clock's unit; each
    yellow threshold passed in (since, at] carded, with its timeline entry and notices, and the
    foreign keys of all of them checked. No rules, calendars, templates or locks: what the database
    alone costs for those rows. `parts` > 1: as many connections at once, each writing the rows of
    its share of the cases (case id modulo parts), as the sweep's workers split them; the wall time
    is until the last one is done."""
    from django.db import connection, transaction

    from fengqiao.cases.actions import region_code_at

    centres = {}
    for code, _, _, _ in combos():
        for level in ("town", "county", "city"):
            centres[(code, level)] = None
    from fengqiao.cases.actions import centre_for

    by_region: dict = {}
    for code, level in list(centres):
        key = region_code_at(code, level)
        if key not in by_region:
            unit = centre_for(code, level)
            by_region[key] = unit.pk if unit else None
        centres[(code, level)] = by_region[key]
    rows = [(code, level, unit) for (code, level), unit in centres.items() if unit is not None]
    sql = """
    WITH centre AS (
        SELECT * FROM unnest(%(codes)s::text[], %(levels)s::text[], %(units)s::bigint[]) AS c(code, level, unit_id)
    ), due AS (
        UPDATE cases_clock c SET outcome = 'breached', stopped_at = c.due_at, red_carded_at = c.due_at
        WHERE c.outcome = 'running' AND c.due_at <= %(at)s AND c.due_at > %(since)s
          AND c.case_id %% %(parts)s = %(part)s
        RETURNING c.id, c.case_id, c.unit_id, c.stage, c.due_at
    ), red AS (
        INSERT INTO cases_card (case_id, clock_id, unit_id, colour, stage, at)
        SELECT case_id, id, unit_id, 'red', stage, due_at FROM due
    ), risen AS (
        UPDATE cases_case k SET
            level = CASE k.level WHEN 'village' THEN 'town' WHEN 'town' THEN 'county' ELSE 'city' END,
            handling_unit_id = centre.unit_id, escalations = k.escalations + 1, overdue = true,
            status = 'accepted', deadline_at = due.due_at + interval '7 days', updated_at = now()
        FROM due, centre
        WHERE k.id = due.case_id AND centre.code = k.region_code
          AND centre.level = CASE k.level WHEN 'village' THEN 'town' WHEN 'town' THEN 'county' ELSE 'city' END
        RETURNING k.id, k.level, k.handling_unit_id, due.due_at
    ), new_clocks AS (
        INSERT INTO cases_clock (case_id, stage, level, unit_id, started_at, yellow_at, due_at, outcome, rule)
        SELECT id, s.stage, level, handling_unit_id, due_at, due_at + s.yellow, due_at + s.due, 'running', 'ceiling'
        FROM risen, (VALUES ('handle', interval '5 days', interval '7 days'),
                            ('accept', interval '16 hours', interval '24 hours')) AS s(stage, yellow, due)
    ), yellow AS (
        UPDATE cases_clock c SET yellow_carded_at = c.yellow_at
        WHERE c.outcome = 'running' AND c.yellow_carded_at IS NULL AND c.yellow_at <= %(at)s AND c.yellow_at > %(since)s
          AND c.case_id %% %(parts)s = %(part)s
        RETURNING c.id, c.case_id, c.unit_id, c.stage, c.yellow_at
    ), yellow_cards AS (
        INSERT INTO cases_card (case_id, clock_id, unit_id, colour, stage, at)
        SELECT case_id, id, unit_id, 'yellow', stage, yellow_at FROM yellow
    ), entries AS (
        INSERT INTO cases_timelineentry (case_id, at, kind, note, data)
        SELECT case_id, due_at, e.kind, e.note, jsonb_build_object('stage', stage, 'due_at', due_at)
        FROM due, (VALUES ('red_card', '办理红牌超时'), ('overdue', ''), ('escalate', '超过办理时限,自动升级')) AS e(kind, note)
        UNION ALL
        SELECT case_id, yellow_at, 'yellow_card', '办理黄牌预警', jsonb_build_object('stage', stage) FROM yellow
    ), told AS (
        INSERT INTO notices_notice (recipient_id, kind, title, body, case_id, created_at)
        SELECT u.id, t.kind, t.kind || ':' || t.case_id, '', t.case_id, now()
        FROM (SELECT case_id, unit_id, 'red_card' AS kind FROM due
              UNION ALL SELECT case_id, unit_id, 'yellow_card' FROM yellow) AS t
        JOIN accounts_user u ON u.unit_id = t.unit_id AND u.is_active
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM risen), (SELECT count(*) FROM yellow),
           (SELECT count(*) FROM told)
    """

    class Rollback(Exception):
        pass

    params = {
        "codes": [r[0] for r in rows],
        "levels": [r[1] for r in rows],
        "units": [r[2] for r in rows],
        "at": at,
        "since": since,
        "parts": parts,
    }
    counts: list[tuple] = []
    finished: list[float] = []

    def share(part: int) -> None:
        """One connection's share (case id modulo parts), as one sweep worker's."""
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params | {"part": part})
                counts.append(cursor.fetchone())
                # The foreign keys are deferred (Django's) and a rollback never checks them: check
                # them here, as the sweep's commits do, so the ceiling writes the same rows under
                # the same constraints.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                finished.append(time.perf_counter())
                raise Rollback
        except Rollback:
            pass
        finally:
            if parts > 1:
                connection.close()  # this thread's own connection

    server_cpu = server_cpu_s(server_pid)
    python_cpu = time.process_time()
    started = time.perf_counter()
    if parts == 1:
        share(0)
    else:
        threads = [threading.Thread(target=share, args=(part,)) for part in range(parts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if len(counts) != parts:
        raise RuntimeError("a share of the ceiling failed")
    seconds = max(finished) - started
    server_cpu = server_cpu_s(server_pid) - server_cpu
    python_cpu = time.process_time() - python_cpu
    due, risen, yellow, told = (sum(column) for column in zip(*counts, strict=True))
    return {
        "seconds": round(seconds, 3),
        "connections": parts,
        "cpu": {
            "python_s": round(python_cpu, 2),
            "postgres_server_s": round(server_cpu, 2) if server_pid else None,
        },
        "breached": due,
        "escalated": risen,
        "yellow": yellow,
        "notices": told,
    }


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
    parser.add_argument(
        "--fixture-ready",
        action="store_true",
        help="the --database-url database already holds this fixture (an earlier run's, same --cases "
        "and --at): sweep it again without building it; pair with --first-slice past the swept slices",
    )
    parser.add_argument(
        "--first-slice",
        type=int,
        default=0,
        help="the first pass sweeps this slice of time (0: the first gap after --at); with "
        "--fixture-ready, the number of passes run on it so far (a ceiling rolls back: the slice it "
        "used is still to sweep, and a pass that skips a slice sweeps two slices' work)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="sweep passes, each with this many worker processes (fengqiao sweep --workers), e.g. 1,2",
    )
    parser.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the throw-away PostgreSQL server over bench/pg.py's (e.g. shared_buffers=2GB); "
        "repeatable",
    )
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
    if args.fixture_ready and not args.database_url:
        parser.error("--fixture-ready needs --database-url")
    if args.database_url:
        url = args.database_url
    else:
        pg = Postgres(settings=dict(setting.split("=", 1) for setting in args.pg_set))
        url = pg.start()
        report["postgres"] = {"version": pg.version, "settings": pg.settings}
    try:
        env = bench_env(url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        if not args.fixture_ready:
            fengqiao(env, "migrate", "-v0")
            fengqiao(env, "loaddemo", "--no-history")
        os.environ.update(env)
        import django

        django.setup()
        server_pid = pg.postmaster_pid() if pg else local_postmaster_pid()
        if args.database_url:  # a database of bench/pg.py's server other than its first has none
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if args.fixture_ready:
            report["fixture"] = {"reused": True, "first_slice": args.first_slice}
        else:
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
        gap = timedelta(days=HANDLE_DAYS) * args.due_share
        report["runs"] = []
        # Each pass sweeps the next slice of time: the clocks that ran out (and the yellow thresholds
        # passed) in the `gap` after the previous pass's moment — the same amount of work each.
        for index, workers in enumerate(args.workers):
            moment = at + (args.first_slice + index) * gap
            before = counts(moment)
            first, first_s, first_statements, profiler = timed_sweep(
                moment, args.profile and index == 0, workers, server_pid
            )
            after_first = counts(moment)
            second, second_s, second_statements, _ = timed_sweep(moment, False)
            after_second = counts(moment)
            unchanged = after_second == after_first and not (
                second.escalated or second.cards or second.cases or second.flagged_overdue
            )
            run = {
                "workers": workers,
                "at": moment.isoformat(),
                "before": before,
                "first": {
                    "result": vars(first),
                    "seconds": round(first_s, 2),
                    "statements": first_statements,
                    "other_sweepers": json.loads(json.dumps(other_sweepers)),
                    "profiled": bool(profiler),
                },
                "after_first": after_first,
                "second": {
                    "result": vars(second),
                    "seconds": round(second_s, 3),
                    "statements": second_statements,
                },
                "second_run_changed_nothing": unchanged,
            }
            report["runs"].append(run)
            print(
                f"\n  sweep at {moment.isoformat()} with {workers} worker(s): {vars(first)} in {first_s:.2f} s"
                f"{' (under cProfile)' if profiler else ''}; CPU {first_statements['cpu']}",
                flush=True,
            )
            print(f"  second sweep: {second_s:.3f} s; changed nothing: {unchanged}", flush=True)
            print_run(run)
            if profiler:
                print_profile(profiler)
        moment = at + (args.first_slice + len(args.workers)) * gap
        wait_for_quiet(give_up_after=QUIET["give_up_after"])
        report["ceiling"] = sql_ceiling(moment, moment - gap, server_pid)
        print(f"\n  ceiling (hand-written set-based SQL, rolled back): {report['ceiling']}", flush=True)
        if max(args.workers) > 1:  # the same slice again (the first rolled back), in as many connections
            wait_for_quiet(give_up_after=QUIET["give_up_after"])
            report["ceiling_workers"] = sql_ceiling(moment, moment - gap, server_pid, max(args.workers))
            print(
                f"  the same in {max(args.workers)} connections at once: {report['ceiling_workers']}",
                flush=True,
            )
    finally:
        if pg is not None:
            pg.stop()
    report["seconds"] = round(time.time() - started, 1)
    print(f"total {report['seconds']:.0f} s")
    if args.json:
        write_figures(args.json, "sweep", figures(report, args), report=report)
        print(f"figures written to {args.json}")


def figures(report: dict, args) -> list[dict]:
    target = 10.0 if args.cases <= 1_000_000 else 30.0
    size = f"{args.cases:,} cases, {args.due_share:.0%} due" + "".join(
        f", {setting}" for setting in args.pg_set
    )
    ceiling = report["ceiling"]

    def sweep_time(run: dict, beside: str, ceiling_name: str, ceiling_value: float, note: str) -> dict:
        seconds = run["first"]["seconds"]
        return figure(
            f"sweep, {size}, {run['workers']} worker(s){beside}",
            seconds,
            "s",
            target=f"< {target:.0f} s",
            met=seconds < target,
            ceiling_name=ceiling_name,
            ceiling_value=ceiling_value,
            note=note,
        )

    rows = []
    for run in report["runs"]:
        first = run["first"]
        cpu = first["statements"]["cpu"]
        note = (
            f"{first['result']['escalated']:,} escalated, {first['result']['cards']:,} cards; CPU Python "
            f"{cpu['python_s']} s, PostgreSQL server {cpu['postgres_server_s']} s (ceiling: "
            f"{ceiling['cpu']['postgres_server_s']} s of PostgreSQL CPU); machine busy "
            f"{cpu['machine_busy_share']:.0%} during, {cpu['quiet_before']['busy_share']:.0%} before; "
            f"second run changed nothing: {run['second_run_changed_nothing']}"
        )
        rows.append(
            sweep_time(
                run,
                "",
                "hand-written set-based SQL writing the same kinds of rows (rolled back)",
                ceiling["seconds"],
                note,
            )
        )
        alongside = report.get("ceiling_workers")
        if alongside and alongside["connections"] == run["workers"]:
            rows.append(
                sweep_time(
                    run,
                    ", beside the same SQL in as many connections",
                    f"the hand-written SQL split over {alongside['connections']} connections "
                    "at once (case id modulo, as the workers split them)",
                    alongside["seconds"],
                    f"ceiling: {alongside['cpu']['postgres_server_s']} s of PostgreSQL CPU",
                )
            )
        escalated = max(first["result"]["escalated"], 1)
        rows.append(
            figure(
                f"sweep CPU per escalated case, {size}, {run['workers']} worker(s)",
                round(
                    1000
                    * (cpu["python_s"] + (cpu["postgres_server_s"] or cpu["postgres_backend_s"]))
                    / escalated,
                    3,
                ),
                "ms",
                note="Python (all workers) + PostgreSQL server CPU, divided by the escalated cases "
                "(each with about one yellow card beside it)",
            )
        )
    return rows


def print_run(run: dict) -> None:
    before, after = run["before"], run["after_first"]
    first = run["first"]
    escalated = first["result"]["escalated"]
    calls = first["statements"]["calls"]
    print(
        "| cases | due | yellow pending | escalated | cards | workers | first sweep s | second sweep s | "
        "statements (per escalated case) | second run changed nothing |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {before['cases']:,} | {before['due_clocks']:,} | {before['yellow_pending']:,} | {escalated:,} | "
        f"{first['result']['cards']:,} | {run['workers']} | {first['seconds']:.1f} | {run['second']['seconds']:.2f} | "
        f"{calls:,} ({calls / max(escalated, 1):.1f}) | {run['second_run_changed_nothing']} |"
    )
    print(
        f"rows written: clocks +{after['clocks'] - before['clocks']:,}, cards +{after['cards'] - before['cards']:,}, "
        f"timeline +{after['timeline'] - before['timeline']:,}, notices +{after['notices'] - before['notices']:,}"
    )
    print(
        f"PostgreSQL execution time (pg_stat_statements): {first['statements']['exec_ms'] / 1000:.2f} s; "
        f"WAL {first['statements']['wal_records']:,} records, {first['statements']['wal_bytes'] / 2**20:.0f} MB"
    )
    for row in first["statements"]["top"][:10]:
        print(
            f"  {row['ms']:9.1f} ms {row['calls']:8,}x {row['rows']:8,} rows {row['wal_records']:8,} WAL  "
            f"{row['query'][:100]}"
        )


def print_profile(profiler) -> None:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    text = out.getvalue()
    print(
        "\ncProfile of the first sweep, by own time:\n"
        + text[text.find("   ncalls") :].replace(str(ROOT) + "/", "")
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(str(ROOT / "fengqiao"), 30)
    text = out.getvalue()
    print(
        "cProfile of the first sweep, cumulative, fengqiao's code:\n"
        + text[text.find("   ncalls") :].replace(str(ROOT) + "/", "")
    )


if __name__ == "__main__":
    main()
