"""`fengqiao synth` on PostgreSQL: cases loaded per second by the bulk path, beside the raw COPY ceiling.

    .venv/bin/python bench/bench_synth.py [--cases 1000000,10000000] [--grids 20000] [--json FILE]

Needs: root (or the `postgres` system user) for a throw-away PostgreSQL server (bench/pg.py), and
free disk for twice the table (the ceiling's copy): about 9 GB at 10,000,000 cases.

For each size it starts a fresh server (durability on), migrates an empty database, waits for the
machine to be quiet (at most --quiet-wait seconds; how busy it was is recorded), and runs
`fengqiao synth --grids G --cases N --years Y --seed S --ceiling --report FILE`. The target (issue
9): at least 50,000 cases/s for the whole load, the index rebuild and the foreign keys included.
Two ceilings, measured in the same run on the same rows: a raw COPY of the load's own COPY stream
into `synth_copy_ceiling`, a copy of the case table without indexes or foreign keys (its time is
left out of the load's); and that COPY followed by the case table's 16 indexes (same definitions:
primary key, unique, btrees and the text search's GIN) built on the copy the way synth builds its
own (two connections, the GIN first; after the load, timed apart): what a load that must leave its
indexes costs at the least, without the rollup, the foreign keys, ANALYZE and the province. Recorded beside each figure: the CPU seconds of the synth command (its
worker processes included) and of the PostgreSQL server (every backend and parallel worker), the
machine's busy share over the load, and its load average: on a shared 2-core machine wall times
are inflated by other work, CPU seconds much less.

`--source DIR` runs another copy of the `fengqiao` package (e.g. `git archive` of an older commit
unpacked in DIR) to compare before and after on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CLK_TCK,
    FENGQIAO,
    ROOT,
    bench_env,
    fengqiao,
    figure,
    machine,
    machine_cpu,
    tree,
    wait_for_quiet,
    write_figures,
)
from pg import Postgres  # noqa: E402

TARGET = 50_000


def server_cpu(postmaster: int) -> float:
    """CPU seconds of the PostgreSQL server: every live process of its tree, plus what the postmaster
    reaped from backends and parallel workers that have exited (its children's times)."""
    total = 0.0
    for pid in tree(postmaster):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if pid == postmaster:
            total += int(fields[13]) + int(fields[14])
    return total / CLK_TCK


# Ways to build the case table's 16 indexes after a load (--index-strategies): (name, connections,
# max_parallel_maintenance_workers, maintenance_work_mem per connection).
STRATEGIES = [
    ("two connections, one process each (synth's)", 2, 0, "1GB"),
    ("one connection, one parallel worker", 1, 1, "1GB"),
    ("one connection, two parallel workers", 1, 2, "1GB"),
    ("one connection, serial (the CPU reference)", 1, 0, "1GB"),
    ("two connections, one process each, 64MB", 2, 0, "64MB"),
]


def index_strategies(pg, postmaster: int) -> list[dict]:
    """Build copies of the case table's indexes (the primary key aside) each way in STRATEGIES on
    the loaded table, timing the wall and the server's CPU; each copy is dropped after."""
    import threading
    from collections import deque

    statements = [
        statement.replace(f"INDEX {name} ON", f"INDEX strategy_{name} ON", 1)
        for name, statement in pg.sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' "
            "AND indexname <> 'cases_case_pkey' ORDER BY indexname"
        )
    ]
    pg.sql("VACUUM ANALYZE cases_case")
    results = []
    for name, connections, workers, memory in STRATEGIES:
        todo, lock = deque(statements), threading.Lock()

        def builder(todo=todo, lock=lock, workers=workers, memory=memory):
            with pg.connect() as conn, conn.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{memory}'")
                cursor.execute(f"SET max_parallel_maintenance_workers = {workers}")
                while True:
                    with lock:
                        if not todo:
                            return
                        statement = todo.popleft()
                    cursor.execute(statement)

        quiet = wait_for_quiet(give_up_after=30)
        load = os.getloadavg()[0]
        cpu0 = server_cpu(postmaster)
        started = time.perf_counter()
        threads = [threading.Thread(target=builder) for _ in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu = server_cpu(postmaster) - cpu0
        for statement in statements:
            pg.sql(f"DROP INDEX IF EXISTS {statement.split(' INDEX ', 1)[1].split(' ON ', 1)[0]}")
        row = {
            "strategy": name,
            "indexes": len(statements),
            "wall_s": round(wall, 2),
            "postgres_cpu_s": round(cpu, 2),
            "loadavg_before": round(load, 1),
            "busy_before": quiet["busy_share"],
        }
        print(f"  index builds, {name}: {row}", flush=True)
        results.append(row)
    return results


def run(size: int, args, source: str | None) -> dict:
    with Postgres() as pg:
        env = bench_env(pg.url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"), source=source)
        fengqiao(env, "migrate", "-v0")
        quiet = wait_for_quiet(give_up_after=args.quiet_wait)
        report = Path(tempfile.mkdtemp(prefix="fengqiao-bench-synth-")) / "synth.json"
        command = [str(FENGQIAO), "synth", "--grids", str(args.grids), "--cases", str(size)]
        command += ["--years", str(args.years), "--seed", str(args.seed), "--ceiling"]
        synth_source = Path(source or ROOT) / "fengqiao/synth/management/commands/synth.py"
        if "--report" in synth_source.read_text():
            command += ["--report", str(report)]
        load_before = os.getloadavg()
        busy0, total0 = machine_cpu()
        pg_cpu0 = server_cpu(pg.postmaster_pid())
        children0 = os.times()
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        children1 = os.times()
        pg_cpu = server_cpu(pg.postmaster_pid()) - pg_cpu0
        busy1, total1 = machine_cpu()
        if done.returncode:
            raise SystemExit(f"synth failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        print(done.stdout, flush=True)
        # Where the server spent its time, by statement (wall time inside PostgreSQL).
        statements = [
            {"query": query[:90], "calls": calls, "seconds": round(seconds, 1)}
            for query, calls, seconds in pg.sql(
                "SELECT regexp_replace(query, '\\s+', ' ', 'g'), calls, total_exec_time / 1000 "
                "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12"
            )
        ]
        for row in statements:
            print(f"  {row['seconds']:7.1f} s  {row['calls']:6d}x  {row['query']}")
        rollup_rows = pg.sql("SELECT count(*) FROM cases_stat_rollup")[0][0]
        strategies = index_strategies(pg, pg.postmaster_pid()) if args.index_strategies else None
        result = json.loads(report.read_text()) if report.exists() else {}
        if not result:  # an older copy without --report: read its last lines
            for line in done.stdout.splitlines():
                if " cases over " in line:
                    result["seconds"] = float(line.split(" in ", 1)[1].split(" s ", 1)[0])
                    result["cases"] = size
                if line.startswith("ceiling:"):
                    result["ceiling_seconds"] = float(line.split(": ")[2].split(" s ")[0])
        return {
            "cases": size,
            "result": result,
            "command_wall_s": round(wall, 1),
            "synth_cpu_s": round(
                children1.children_user
                + children1.children_system
                - children0.children_user
                - children0.children_system,
                1,
            ),
            "postgres_cpu_s": round(pg_cpu, 1),
            "machine_busy_share": round((busy1 - busy0) / max(total1 - total0, 1e-9), 2),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
            "quiet_before": quiet,
            "postgres": pg.version,
            "statements": statements,
            "rollup_rows": rollup_rows,
            "index_strategies": strategies,
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default="1000000,10000000", help="comma-separated sizes")
    parser.add_argument("--grids", type=int, default=20000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--source", help="a directory holding another copy of the fengqiao package")
    parser.add_argument(
        "--index-strategies",
        action="store_true",
        help="after each load, also time building the case table's indexes each way in STRATEGIES",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    runs, figures = [], []
    for size in (int(value) for value in args.cases.split(",")):
        measured = run(size, args, args.source)
        runs.append(measured)
        result = measured["result"]
        rate = size / result["seconds"]
        ceiling = size / result["ceiling_seconds"] if result.get("ceiling_seconds") else None
        note = (
            f"synth {measured['synth_cpu_s']} s CPU, PostgreSQL {measured['postgres_cpu_s']} s CPU; "
            f"machine {measured['machine_busy_share']:.0%} busy, load average "
            f"{measured['loadavg_before'][0]:.1f} before, {measured['loadavg_after'][0]:.1f} after"
        )
        print(f"{size:,} cases: {rate:,.0f} cases/s (ceiling {ceiling or 0:,.0f}/s); {note}", flush=True)
        figures.append(
            figure(
                f"fengqiao synth, {size:,} cases (load, index rebuild and keys included)",
                round(rate),
                "cases/s",
                target=f">= {TARGET:,} cases/s",
                met=rate >= TARGET,
                ceiling_name="raw COPY of the same rows into an unindexed copy",
                ceiling_value=round(ceiling) if ceiling else None,
                note=note,
            )
        )
        if result.get("ceiling_indexes_seconds") and result.get("ceiling_seconds"):
            indexed = size / (result["ceiling_seconds"] + result["ceiling_indexes_seconds"])
            print(
                f"{size:,} cases: ceiling with the indexes (COPY {result['ceiling_seconds']:.1f} s + the case "
                f"table's indexes built on the copy {result['ceiling_indexes_seconds']:.1f} s): {indexed:,.0f}/s",
                flush=True,
            )
            figures.append(
                figure(
                    f"fengqiao synth, {size:,} cases, beside what its indexes alone cost",
                    round(rate),
                    "cases/s",
                    target=f">= {TARGET:,} cases/s",
                    met=rate >= TARGET,
                    ceiling_name=(
                        "raw COPY of the same rows, then the case table's 16 indexes (primary key, unique, "
                        "btrees, the text search's GIN) built on that copy the way synth builds them"
                    ),
                    ceiling_value=round(indexed),
                    note=note + f"; of the ceiling, COPY {result['ceiling_seconds']:.1f} s, indexes "
                    f"{seconds(result, 'ceiling_indexes_seconds')} ({seconds(result, 'ceiling_indexes_server_cpu_seconds')} "
                    f"server CPU); synth's own index builds {seconds(result, 'index_builds_seconds')} "
                    f"({seconds(result, 'index_builds_server_cpu_seconds')} server CPU), ANALYZE "
                    f"{seconds(result, 'analyze_seconds')} ({seconds(result, 'analyze_server_cpu_seconds')} server CPU)",
                )
            )
    if args.json:
        write_figures(args.json, "synth", figures, runs=runs, args={k: str(v) for k, v in vars(args).items()})
        print(f"figures written to {args.json}")


def seconds(result: dict, key: str) -> str:
    """A duration from synth's report, to a tenth of a second, or "?" if it did not report it."""
    value = result.get(key)
    return "?" if value is None else f"{value:.1f} s"


if __name__ == "__main__":
    main()
