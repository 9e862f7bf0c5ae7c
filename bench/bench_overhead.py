"""Request overhead: the ceiling every HTTP figure (intake, the case list) is measured against.

    .venv/bin/python bench/bench_overhead.py [--workers 5] [--seconds 10] [--connections 64] [--json FILE]

Needs: root (or the `postgres` system user) for a throw-away PostgreSQL server (bench/pg.py), and
`wrk` (`apt-get install -y wrk`). Takes about 2 minutes.

It migrates a throw-away PostgreSQL 15 (durability on), loads the demo without history, and starts
the production server, `fengqiao serve` (gunicorn, --workers sync workers, application preloaded),
with this checkout's settings plus one extra URL: `/bench/bare`, a view that returns "ok" and touches
nothing (the settings module and URLconf are written to a temporary directory, not to the project).
Then wrk (one thread, --connections connections, the same as the intake benchmark) requests, each
for --seconds after a short warm-up:

  1. GET /bench/bare: the project's middleware stack and URL routing, no database, no auth —
     the minimal Django view, the ceiling of everything else;
  2. GET /healthz: the same plus one `SELECT 1` (a database round trip);
  3. GET /api/v1/me with a bearer token: the same plus token authentication and Django Ninja.

For each: requests/s, p50/p99 latency, and the CPU milliseconds per request of the server's
process tree and of PostgreSQL (from /proc; the figure least affected by other work on a shared
machine), the machine's busy share before and during the pass, and the resident memory of each
worker after the passes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CpuMeter,
    Server,
    api_token,
    bench_env,
    fengqiao,
    figure,
    machine,
    wait_for_quiet,
    write_figures,
)
from pg import Postgres  # noqa: E402

USERNAME, PASSWORD = "county", "fengqiao-demo"  # the demo county's centre staff (fengqiao loaddemo)

SETTINGS = """from fengqiao.settings import *  # noqa: F403

ROOT_URLCONF = "bench_overhead_urls"
"""
URLS = '''from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """The minimal Django view: no database, no template, no auth check."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), path("", include("fengqiao.urls"))]
'''
LUA = """-- GET one path; args: path, bearer token or "-". Prints RESULT {json} when done.
local token = "-"
function init(args)
   wrk.path = args[1]
   token = args[2]
   if token ~= "-" then
      wrk.headers["Authorization"] = "Bearer " .. token
   end
end
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "connect": %d, "read": %d, ' ..
      '"write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
      summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""
PASSES = [
    ("bare", "/bench/bare", False, "GET /bench/bare (minimal Django view: middleware + routing)"),
    ("healthz", "/healthz", False, "GET /healthz (+ SELECT 1)"),
    ("me", "/api/v1/me", True, "GET /api/v1/me (+ bearer token auth + Ninja)"),
]


def get_token(url: str) -> str:
    return api_token(url, USERNAME, PASSWORD)


def wrk(url: str, path: str, token: str, seconds: float, connections: int, lua: Path) -> dict:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(lua)]
        + [url, "--", path, token],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise SystemExit(f"wrk printed no RESULT:\n{done.stdout}\n{done.stderr}")


def measure(server: Server, pg_root: int | None, path: str, token: str, args, lua: Path) -> dict:
    wrk(server.url, path, token, args.warmup, args.connections, lua)
    quiet = wait_for_quiet(give_up_after=args.quiet_wait) if args.quiet_wait > 0 else None
    meter = CpuMeter(server=server.process.pid, postgres=pg_root)
    meter.start()
    load_before = os.getloadavg()
    result = wrk(server.url, path, token, args.seconds, args.connections, lua)
    result["cpu"] = meter.stop()
    result["load"] = [load_before[0], os.getloadavg()[0]]
    result["quiet_before"] = quiet
    requests = max(result["requests"], 1)
    seconds = result["cpu"]["seconds"]
    result["cpu_ms_per_request"] = {
        "server": seconds.get("server_s", 0) * 1000 / requests,
        "postgres": seconds.get("postgres_s", 0) * 1000 / requests,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of each measured pass")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", type=Path, help="write the figures for bench/run.py to this file")
    parser.add_argument(
        "--source",
        type=Path,
        help="a directory holding another copy of the fengqiao package (e.g. `git archive HEAD fengqiao`)",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait up to this many seconds for an idle machine"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")
    print(f"machine: {machine()}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fengqiao-bench-overhead-"))
    (workdir / "bench_overhead_settings.py").write_text(SETTINGS)
    (workdir / "bench_overhead_urls.py").write_text(URLS)
    lua = workdir / "get.lua"
    lua.write_text(LUA)
    results: dict[str, dict] = {}
    try:
        with Postgres() as pg:
            source = str(args.source.resolve()) if args.source else None
            env = bench_env(pg.url, str(workdir / "data"), source=source)
            env["PYTHONPATH"] = f"{workdir}:{env['PYTHONPATH']}"
            env["DJANGO_SETTINGS_MODULE"] = "bench_overhead_settings"
            fengqiao(env, "migrate", "-v0")
            fengqiao(env, "loaddemo", "--no-history")
            print(f"{pg.version}; migrated and loaded the demo", flush=True)
            server = Server(env, args.workers, workdir, ready_path="/bench/bare")
            try:
                token = get_token(server.url)
                for key, path, authenticated, label in PASSES:
                    result = measure(
                        server, pg.postmaster_pid(), path, token if authenticated else "-", args, lua
                    )
                    result["label"] = label
                    results[key] = result
                    print(
                        f"  {label}: {result['rps']:.0f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, "
                        f"p99 {result['p99_us'] / 1000:.1f} ms, CPU {result['cpu_ms_per_request']['server']:.2f} ms "
                        f"server + {result['cpu_ms_per_request']['postgres']:.2f} ms PostgreSQL per request, "
                        f"non-2xx {result['non_2xx_3xx']}, machine busy by others "
                        f"{result['cpu']['share']['others']:.0%}, load {result['load'][0]:.1f}→{result['load'][1]:.1f}",
                        flush=True,
                    )
                rss = server.worker_rss_mb()
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"worker RSS after the passes (MB): {rss}")
    for key, result in results.items():
        if result["non_2xx_3xx"] or result["timeout"]:
            raise SystemExit(f"{key}: {result['non_2xx_3xx']} non-2xx answers, {result['timeout']} timeouts")
    if args.json:
        write_figures(args.json, "request overhead", overhead_figures(results, rss, args), passes=results)
        print(f"figures written to {args.json}")


def overhead_figures(results: dict, rss: list[float], args) -> list[dict]:
    bare = results["bare"]
    rows = []
    for key, _, _, label in PASSES:
        result = results[key]
        note = (
            f"{args.workers} workers, {args.connections} connections, {args.seconds:g} s; p50 "
            f"{result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms; others used "
            f"{result['cpu']['share']['others']:.0%} of the machine; load {result['load'][0]:.1f}→{result['load'][1]:.1f}"
        )
        ceiling = {} if key == "bare" else {"ceiling_name": PASSES[0][3], "ceiling_value": bare["rps"]}
        rows.append(figure(f"request overhead: {label}", result["rps"], "req/s", note=note, **ceiling))
        cpu = result["cpu_ms_per_request"]
        ceiling = (
            {}
            if key == "bare"
            else {"ceiling_name": PASSES[0][3], "ceiling_value": bare["cpu_ms_per_request"]["server"]}
        )
        rows.append(
            figure(
                f"request overhead: {label}, server CPU per request",
                cpu["server"],
                "ms",
                note=f"+ {cpu['postgres']:.2f} ms PostgreSQL CPU per request; {note}",
                **ceiling,
            )
        )
    if rss:
        rows.append(
            figure(
                "server memory: largest worker's RSS after the GET passes",
                max(rss),
                "MB",
                target="< 400 MB per worker",
                met=max(rss) < 400,
                note=f"all workers: {', '.join(f'{x:g}' for x in rss)} MB (intake's figure is under intake load)",
            )
        )
    return rows


if __name__ == "__main__":
    main()
