"""Fault runs of intake: nothing acknowledged is lost, nothing retried is duplicated.

    .venv/bin/python bench/faults/intake_faults.py [--duration 60] [--clients 16] [--faults 6]

On a throw-away PostgreSQL server (bench/pg.py, durability on) with the demo loaded, `fengqiao
serve` (gunicorn, 2 workers) takes cases from --clients threads, each submitting cases with their
own client_id and retrying the same body until acknowledged. Three passes of --duration seconds:

1. kill:       every duration/(faults+1) s the server's whole process group gets SIGKILL and is
               started again;
2. pg-restart: the same rhythm, but PostgreSQL is restarted with `pg_ctl restart -m immediate`
               (a crash: no checkpoint, recovery from the WAL at start);
3. sweep-kill: the deadline sweep (`fengqiao sweep --at` two months ahead) is SIGKILLed mid-run,
               then run to the end, then once more: every case must be escalated exactly once
               per breached clock, and the third run must change nothing.

After each intake pass every acknowledged client_id must be in the database exactly once, under
the number the client was told (lost = 0, duplicates = 0). Prints a table and, with --json, keeps
every figure. Needs root (PostgreSQL runs as `postgres`), like the other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from common import bench_env, fengqiao  # noqa: E402
from harness import ROOT, Server, get_token, run_load, verify  # noqa: E402
from pg import Postgres  # noqa: E402

USERNAME, PASSWORD = "county", "fengqiao-demo"


def stored_cases(pg: Postgres, client_ids) -> list[tuple[str, str]]:
    return pg.sql(
        "SELECT client_id::text, number FROM cases_case WHERE client_id::text = ANY(%s)", [list(client_ids)]
    )


def intake_pass(name, pg, server, token, codes, args, fault, count=None) -> dict:
    count = args.faults if count is None else count
    interval = args.duration / (count + 1)
    events: list[dict] = []

    def faults(ends: float) -> None:
        for _ in range(count):
            time.sleep(interval)
            if time.time() >= ends:
                break
            began = time.time()
            fault()
            events.append({"at_s": round(began - started, 1), "down_s": round(time.time() - began, 2)})

    started = time.time()
    tally = run_load(lambda: server.url, token, codes, args.clients, args.duration, faults)
    result = {
        "pass": name,
        "faults": events,
        **tally.summary(),
        **verify(tally, stored_cases(pg, tally.sent)),
    }
    result["seconds"] = round(time.time() - started, 1)
    return result


def sweep_pass(pg: Postgres, env: dict, cwd: Path, days: float, kill_after: float) -> dict:
    """SIGKILL the sweep mid-run, run it again to the end, then once more."""
    at = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    running = pg.sql("SELECT count(*) FROM cases_clock WHERE outcome = 'running'")[0][0]
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/fengqiao"), "sweep", "--at", at], env=env, cwd=cwd, start_new_session=True
    )
    # Kill it part-way: a batch of cases is one transaction, so the kill lands inside one.
    began = time.time()
    while time.time() - began < kill_after and process.poll() is None:
        time.sleep(0.05)
    killed = process.poll() is None
    if killed:
        os.killpg(process.pid, 9)
        process.wait()
    after_kill = pg.sql("SELECT count(*) FROM cases_timelineentry WHERE kind = 'escalate'")[0][0]
    rerun_began = time.time()
    fengqiao(env, "sweep", "--at", at, quiet=False)
    rerun_seconds = time.time() - rerun_began
    after_rerun = pg.sql("SELECT count(*) FROM cases_timelineentry WHERE kind = 'escalate'")[0][0]
    fengqiao(env, "sweep", "--at", at, quiet=False)
    after_third = pg.sql("SELECT count(*) FROM cases_timelineentry WHERE kind = 'escalate'")[0][0]
    # A clock escalates once: two escalations of a case at the same moment (a clock's due time)
    # would be one breach escalated twice. And no case may hold two running clocks of a stage.
    twice = pg.sql(
        "SELECT count(*) FROM (SELECT case_id, at FROM cases_timelineentry WHERE kind = 'escalate'"
        " GROUP BY case_id, at HAVING count(*) > 1) t"
    )[0][0]
    doubled = pg.sql(
        "SELECT count(*) FROM (SELECT case_id, stage FROM cases_clock WHERE outcome = 'running'"
        " GROUP BY case_id, stage HAVING count(*) > 1) t"
    )[0][0]
    return {
        "pass": "sweep-kill",
        "running_clocks_before": running,
        "swept_as_of_days_ahead": days,
        "killed_mid_run": killed,
        "killed_after_s": kill_after,
        "rerun_seconds": round(rerun_seconds, 1),
        "escalations_when_killed": after_kill,
        "escalations_after_rerun": after_rerun,
        "escalations_after_third_run": after_third,
        "breaches_escalated_twice": twice,
        "cases_with_two_running_clocks_of_a_stage": doubled,
        "ok": after_third == after_rerun and twice == 0 and doubled == 0 and after_rerun > 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per pass")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--faults", type=int, default=6, help="faults injected per pass")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--passes", default="kill,pg-restart,sweep-kill", help="which passes to run")
    parser.add_argument(
        "--sweep-days", type=float, default=10, help="the sweep runs as of this many days ahead"
    )
    parser.add_argument(
        "--sweep-kill-after", type=float, default=5, help="seconds before the sweep is killed"
    )
    parser.add_argument("--source", type=Path, help="another copy of the project to run instead of this one")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (server log)")
    args = parser.parse_args()
    args.passes = {name.strip() for name in args.passes.split(",")}

    workdir = Path(tempfile.mkdtemp(prefix="fengqiao-faults-"))
    cwd = args.source or ROOT
    results: list[dict] = []
    with Postgres() as pg:
        env = bench_env(pg.url, str(workdir / "data"), source=str(args.source) if args.source else None)
        began = time.time()
        fengqiao(env, "migrate", "-v0")
        fengqiao(env, "loaddemo", "--no-history")
        print(f"{pg.version}; migrated and loaded the demo in {time.time() - began:.0f} s", flush=True)
        codes = [
            row[0]
            for row in pg.sql(
                "SELECT code FROM regions_region WHERE kind = 'village' AND code LIKE '990102%%' ORDER BY code LIMIT 40"
            )
        ]
        server = Server(env, workers=args.workers, log=workdir / "serve.log", cwd=cwd)
        server.start()
        token = get_token(server.url, USERNAME, PASSWORD)
        try:

            def kill_and_restart():
                server.kill()
                server.start()

            def restart_postgres():
                pg._run(
                    pg.bin / "pg_ctl",
                    "-D",
                    pg.dir / "data",
                    "-m",
                    "immediate",
                    "-w",
                    "restart",
                    stdout=subprocess.DEVNULL,
                )

            for name, fault in (("kill", kill_and_restart), ("pg-restart", restart_postgres)):
                if name not in args.passes:
                    continue
                result = intake_pass(name, pg, server, token, codes, args, fault)
                results.append(result)
                print(json.dumps(result, ensure_ascii=False), flush=True)
            if not results and "sweep-kill" in args.passes:  # cases for the sweep to work on
                load = intake_pass("load", pg, server, token, codes, args, lambda: None, count=0)
                print(json.dumps(load, ensure_ascii=False), flush=True)
        finally:
            server.stop()
        if "sweep-kill" in args.passes:
            results.append(sweep_pass(pg, env, cwd, args.sweep_days, args.sweep_kill_after))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "settings": vars(args)
        | {"source": str(args.source) if args.source else None, "json": None, "passes": sorted(args.passes)},
        "passes": results,
    }
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print()
    print(
        "| pass | faults | requests | submitted | acknowledged | stored | 201 | 200 replay | lost | duplicates |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if "lost" not in r:
            continue
        print(
            f"| {r['pass']} | {len(r['faults'])} | {r['requests_sent']} | {r['cases_submitted']} | "
            f"{r['acknowledged']} | {r['stored']} | {r['answered_201']} | {r['answered_200_replay']} | "
            f"{r['lost']} | {r['duplicates']} |"
        )
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"work directory: {workdir}")
    if not all(r["ok"] for r in results):
        raise SystemExit("FAILED: see above")


if __name__ == "__main__":
    main()
