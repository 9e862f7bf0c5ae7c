"""Run every benchmark in bench/ and write the table at the top of docs/PERFORMANCE.md.

    .venv/bin/python bench/run.py                       # every benchmark, default sizes (hours)
    .venv/bin/python bench/run.py --quick               # small sizes: a smoke run of every script
    .venv/bin/python bench/run.py --only list --only locate --size 10m
    .venv/bin/python bench/run.py --from-json bench/results   # rebuild the table, run nothing
    .venv/bin/python bench/run.py --only list --extra "list=--database-url postgres://…/province10m"

Each benchmark is a script `bench/bench_<name>.py` that accepts `--json FILE` and writes its figures
there with `bench.common.write_figures` (rows made by `bench.common.figure`: the value, the same
quantity's ceiling measured in the same run, the issue's target and whether it is met). This runner
runs them one after another (never two at once: they would measure each other), each with its
output in `<out>/<name>.log` and its figures in `<out>/<name>.json`, and records for each the command,
its exit status, wall and CPU seconds (the script and every process it waited for) and the machine's
load average before and after, in `<out>/_run.json`. Then it rewrites the generated table between
`<!-- bench:table:start -->` and `<!-- bench:table:end -->` in docs/PERFORMANCE.md.

A script that does not exist, fails, times out or writes no figures is listed as such in the table:
nothing is hidden, and the figures of the benchmarks that did run are still written.

Sizes: `--size 1m|10m` is passed as `--size` to a script whose `--help` offers it, else translated
into the script's own options (e.g. `--cases 10000000`); `--quick` likewise (`--quick` if offered,
else small values of the script's own options). An option a script's `--help` does not mention is
never passed to it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass
class Benchmark:
    name: str
    script: str
    about: str
    sizes: dict[str, list[str]] = field(default_factory=dict)  # --size -> the script's own options
    quick: list[str] = field(default_factory=list)  # --quick -> the script's own options


CASES = {"1m": ["--cases", "1000000"], "10m": ["--cases", "10000000"]}

# In the order they run: the ones without a database first, then the bigger loads.
BENCHMARKS = [
    Benchmark(
        "locate",
        "bench_locate.py",
        "point-in-grid lookups vs shapely's vectorised STRtree query",
        quick=["--polygons", "2000", "--points", "20000", "--repeat", "1"],
    ),
    Benchmark(
        "overhead",
        "bench_overhead.py",
        "request overhead: a bare Django view, /healthz, an authenticated Ninja GET",
        quick=["--seconds", "2", "--workers", "2"],
    ),
    Benchmark(
        "intake",
        "bench_intake.py",
        "intake over HTTP at 64 connections, server memory per worker",
        quick=[
            "--workers",
            "2",
            "--duration",
            "3",
            "--warmup",
            "1",
            "--ceiling-seconds",
            "2",
            "--no-classify",
        ],
    ),
    Benchmark(
        "triage",
        "bench_triage.py",
        "classification, routing and de-duplication per intake",
        sizes=CASES,
        quick=["--cases", "20000", "--grids", "2000", "--samples", "50"],
    ),
    Benchmark(
        "synth",
        "bench_synth.py",
        "synthetic province load vs raw COPY",
        CASES,
        ["--cases", "20000", "--grids", "2000"],
    ),
    Benchmark(
        "ledger_import",
        "bench_ledger_import.py",
        "ledger import vs the COPY floor of every row it stores",
        # 100,000 rows at either size: an upload holds at most 200,000 rows.
        {"1m": ["--rows", "100000"], "10m": ["--rows", "100000"]},
        ["--rows", "5000"],
    ),
    Benchmark(
        "list",
        "bench_list.py",
        "case list: first pages with filters, page 1,000 by cursor",
        CASES,
        ["--cases", "20000", "--grids", "2000", "--runs", "3"],
    ),
    Benchmark(
        "stats", "bench_stats.py", "GET /api/v1/stats vs hand-written SQL", CASES, ["--cases", "20000"]
    ),
    Benchmark(
        "sweep",
        "bench_sweep.py",
        "the deadline sweep with 1% of clocks due",
        CASES,
        ["--cases", "20000"],
    ),
]
BY_NAME = {benchmark.name: benchmark for benchmark in BENCHMARKS}


# ------------------------------------------------------------------------------ choosing the options


def offered_options(help_text: str) -> set[str]:
    """The long options a script's --help mentions."""
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", help_text))


def keep_offered(args: list[str], offered: set[str]) -> list[str]:
    """Drop every option (with the values after it) that the script does not offer."""
    kept, keeping = [], False
    for arg in args:
        if arg.startswith("--"):
            keeping = arg.split("=", 1)[0] in offered
        if keeping:
            kept.append(arg)
    return kept


def script_args(
    benchmark: Benchmark,
    offered: set[str],
    size: str | None,
    quick: bool,
    extra: list[str],
    quiet_wait: float | None = None,
) -> list:
    args: list[str] = []
    if quick:
        args += ["--quick"] if "--quick" in offered else keep_offered(benchmark.quick, offered)
    elif size:
        if "--size" in offered:
            args += ["--size", size]
        else:
            args += keep_offered(benchmark.sizes.get(size, []), offered)
    args += extra
    if quiet_wait is not None and "--quiet-wait" in offered and "--quiet-wait" not in args:
        args += ["--quiet-wait", f"{0 if quick else quiet_wait:g}"]  # the script waits before each pass
    return args


# ------------------------------------------------------------------------------ running


def git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "fengqiao", "bench"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return done.stdout.strip() + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_one(benchmark: Benchmark, out: Path, size, quick, extra, timeout, quiet_wait) -> dict:
    script = BENCH / benchmark.script
    record: dict = {
        "benchmark": benchmark.name,
        "script": f"bench/{benchmark.script}",
        "about": benchmark.about,
    }
    if not script.exists():
        return record | {"status": "missing", "detail": f"bench/{benchmark.script} does not exist yet"}
    helped = subprocess.run(
        [str(PYTHON), str(script), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    offered = offered_options(helped.stdout)
    if helped.returncode != 0:
        detail = (helped.stderr.strip().splitlines() or ["?"])[-1]
        return record | {"status": "failed", "detail": f"--help exited {helped.returncode}: {detail}"}
    json_path = out / f"{benchmark.name}.json"
    json_path.unlink(missing_ok=True)
    args = script_args(benchmark, offered, size, quick, extra, quiet_wait)
    if "--json" in offered:
        args += ["--json", str(json_path)]
    command = [str(PYTHON), str(script), *args]
    record["command"] = " ".join(
        [".venv/bin/python", f"bench/{benchmark.script}", *(shlex.quote(a) for a in args[:-2])]
        if "--json" in offered
        else [".venv/bin/python", f"bench/{benchmark.script}", *map(shlex.quote, args)]
    )
    if quiet_wait > 0 and not quick and "--quiet-wait" not in offered:
        sys.path.insert(0, str(BENCH))
        from common import wait_for_quiet

        record["quiet_before"] = wait_for_quiet(give_up_after=quiet_wait)
    record["load_before"] = [round(x, 2) for x in os.getloadavg()]
    record["started"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    record["commit"] = git_commit()
    cpu0, wall0 = children_cpu(), time.perf_counter()
    print(f"== {benchmark.name}: {record['command']}", flush=True)
    with open(out / f"{benchmark.name}.log", "w") as log:
        try:
            process = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
            record["exit"] = process.returncode
        except subprocess.TimeoutExpired:
            record["exit"] = None
    record["wall_s"] = round(time.perf_counter() - wall0, 1)
    record["cpu_s"] = round(children_cpu() - cpu0, 1)
    record["load_after"] = [round(x, 2) for x in os.getloadavg()]
    tail = (out / f"{benchmark.name}.log").read_text(errors="replace").strip().splitlines()[-1:] or [""]
    if record["exit"] is None:
        record |= {"status": "failed", "detail": f"timed out after {timeout} s"}
    elif record["exit"] != 0:
        record |= {"status": "failed", "detail": f"exit {record['exit']}: {tail[0][:200]}"}
    elif "--json" not in offered:
        record |= {"status": "no-json", "detail": "the script does not accept --json yet"}
    elif not json_path.exists():
        record |= {"status": "no-json", "detail": "exited 0 but wrote no JSON"}
    else:
        record["status"] = "ok"
    print(f"   {record['status']} in {record['wall_s']} s ({record['cpu_s']} s CPU)", flush=True)
    return record


# ------------------------------------------------------------------------------ the table


def load_results(directory: Path) -> tuple[dict, dict[str, dict]]:
    """(_run.json or {}, benchmark name -> its JSON) from a results directory."""
    run_file = directory / "_run.json"
    run = json.loads(run_file.read_text()) if run_file.exists() else {}
    results = {}
    for path in sorted(directory.glob("*.json")):
        if path.name.startswith("_"):
            continue
        try:
            data = json.loads(path.read_text())
        except ValueError as error:
            data = {"error": f"unreadable JSON: {error}"}
        results[path.stem] = data if isinstance(data, dict) else {"error": "not a JSON object"}
    return run, results


def number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def ratio(value, ceiling) -> str:
    if not isinstance(value, int | float) or not isinstance(ceiling, int | float) or not ceiling:
        return "—"
    return f"{value / ceiling:.3g}×"


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def met_text(met) -> str:
    return {True: "yes", False: "**no**"}.get(met, "—")


def load_text(record: dict, data: dict) -> str:
    before = record.get("load_before") or (data.get("machine") or {}).get("loadavg_at_start")
    after = record.get("load_after")
    if not before:
        return "—"
    text = f"{before[0]:.1f}"
    return text + (f"→{after[0]:.1f}" if after else "")


def render_table(run: dict, results: dict[str, dict], order: list[str] | None = None) -> str:
    """The generated block (markers included) from the runner's record and the scripts' JSON."""
    records = {record["benchmark"]: record for record in run.get("benchmarks", [])}
    names = list(order or [])
    names += [name for name in records if name not in names]
    names += [name for name in results if name not in names]
    figure_rows, run_rows = [], []
    for name in names:
        record, data = records.get(name, {}), results.get(name)
        status = record.get("status") or ("ok" if data else "not run")
        if not record and data is None:
            script = BY_NAME[name].script if name in BY_NAME else ""
            if not (BENCH / script).is_file():
                status, record = "missing", {"detail": f"bench/{script} does not exist yet"}
            else:
                record = {"detail": f"bench/{script} exists; not run into this results directory yet"}
        if data is not None and not isinstance(data.get("figures"), list):
            status, record = (
                "no-figures",
                record
                | {
                    "detail": data.get("error")
                    or "JSON in another shape (no `figures` list: not yet written with write_figures)"
                },
            )
        if status == "ok" and data is not None:
            for row in data["figures"]:
                unit = row.get("unit") or ""
                figure_rows.append(
                    "| "
                    + " | ".join(
                        cell(x)
                        for x in (
                            name,
                            row.get("figure", "?"),
                            f"{number(row.get('value'))} {unit}".strip(),
                            row.get("ceiling") or "—",
                            f"{number(row.get('ceiling_value'))} {unit}".strip()
                            if row.get("ceiling_value") is not None
                            else "—",
                            ratio(row.get("value"), row.get("ceiling_value")),
                            row.get("target") or "—",
                            met_text(row.get("met")),
                            row.get("note") or "",
                        )
                    )
                    + " |"
                )
        else:
            why = {
                "missing": "not written yet",
                "failed": "FAILED",
                "no-json": "ran, no figures",
                "no-figures": "no figures",
                "not run": "not run",
            }.get(status, status)
            figure_rows.append(
                f"| {cell(name)} | **{why}**: {cell(record.get('detail') or BY_NAME.get(name, Benchmark(name, '', '')).about)}"
                " | — | — | — | — | — | — | |"
            )
        machine = (data or {}).get("machine") or {}
        run_rows.append(
            "| "
            + " | ".join(
                cell(x)
                for x in (
                    name,
                    status,
                    f"`{record['command']}`" if record.get("command") else "—",
                    " ".join(x for x in (record.get("started"), record.get("commit")) if x) or "—",
                    number(record.get("wall_s")),
                    number(record.get("cpu_s")),
                    load_text(record, data or {}),
                    f"{machine.get('nproc', '?')} × {machine.get('cpu', '?')}" if machine else "—",
                )
            )
            + " |"
        )
    how = run.get("command") or "bench/run.py --from-json"
    lines = [
        START,
        "",
        f"_Generated by `{how}` at {run.get('finished') or dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
        f", commit {run.get('commit') or git_commit()}. Do not edit by hand: run `.venv/bin/python bench/run.py` "
        "(or `--from-json DIR` to rebuild from saved results). Ratio = value ÷ ceiling, the ceiling measured "
        "in the same run on the same machine: for a rate above 1× is faster than the ceiling, for a time "
        "above 1× is slower. The machine has 2 cores shared with other work: the load column is the "
        "1-minute load average before → after each script; prefer the CPU figures in the notes. Each "
        "benchmark's row is its latest run (its date and commit in the second table)._",
        "",
        "| benchmark | figure | value | ceiling | ceiling value | ratio | target | met | note |",
        "|---|---|---:|---|---:|---:|---|---|---|",
        *figure_rows,
        "",
        "| benchmark | status | command | started, commit | wall s | CPU s | load | machine |",
        "|---|---|---|---|---:|---:|---|---|",
        *run_rows,
        "",
        END,
    ]
    return "\n".join(lines)


def write_table(block: str, doc: Path = DOC) -> None:
    """Replace the generated block in `doc` (or put it under the title if it is not there yet). Read,
    replace and write at once: others edit other sections of the same file."""
    text = doc.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        first, _, rest = text.partition("\n")
        text = f"{first}\n\n{block}\n{rest}" if first.startswith("# ") else f"{block}\n\n{text}"
    doc.write_text(text)


# ------------------------------------------------------------------------------ main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", action="append", choices=list(BY_NAME), help="run only this one (repeatable)"
    )
    parser.add_argument("--size", choices=["1m", "10m"], help="the number of cases, passed to each script")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every script")
    parser.add_argument("--from-json", type=Path, metavar="DIR", help="rebuild the table from saved results")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="where the logs and JSON go")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME=ARGS",
        help="more arguments for one script, e.g. 'list=--database-url postgres://…' (repeatable)",
    )
    parser.add_argument("--timeout", type=int, default=4 * 3600, help="seconds before a script is stopped")
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait up to this many seconds for an idle machine first"
    )
    parser.add_argument("--doc", type=Path, default=DOC, help="the file holding the table")
    parser.add_argument("--no-doc", action="store_true", help="print the table, leave the doc alone")
    args = parser.parse_args(argv)
    if args.from_json:
        run, results = load_results(args.from_json)
        if not run and not results:
            parser.error(f"no results in {args.from_json}")
        run = run | {  # the rows keep their own commands, dates and commits (second table)
            "command": f"bench/run.py --from-json {args.from_json}",
            "commit": git_commit(),
            "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
    else:
        extras: dict[str, list[str]] = {}
        for item in args.extra:
            name, _, more = item.partition("=")
            if name not in BY_NAME:
                parser.error(f"--extra: unknown benchmark {name!r}")
            extras.setdefault(name, []).extend(shlex.split(more))
        args.out.mkdir(parents=True, exist_ok=True)
        chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
        # The latest result of every benchmark is kept: a run of some (--only) updates their rows
        # and leaves the others' rows from earlier runs in the same directory, each with its date.
        previous, _ = load_results(args.out)
        kept = {r["benchmark"]: r | {"carried": True} for r in previous.get("benchmarks", [])}
        run = {
            "command": "bench/run.py "
            + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
            "commit": git_commit(),
            "benchmarks": [],
        }
        records: dict[str, dict] = {}
        for benchmark in BENCHMARKS:
            if benchmark not in chosen:
                if benchmark.name in kept:
                    records[benchmark.name] = kept[benchmark.name]
                continue
            records[benchmark.name] = run_one(
                benchmark,
                args.out,
                args.size,
                args.quick,
                extras.get(benchmark.name, []),
                args.timeout,
                args.quiet_wait,
            )
            run["benchmarks"] = list(records.values())
            run["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            (args.out / "_run.json").write_text(json.dumps(run, indent=1))
        run["benchmarks"] = list(records.values())
        (args.out / "_run.json").write_text(json.dumps(run, indent=1))
        _, results = load_results(args.out)
        results = {name: data for name, data in results.items() if name in records}
    block = render_table(run, results, order=[b.name for b in BENCHMARKS])
    if args.no_doc:
        print(block)
    else:
        write_table(block, args.doc)
        print(f"table written to {args.doc}")
    if args.from_json:
        return 0
    failed = [r["benchmark"] for r in run.get("benchmarks", []) if r.get("status") == "failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
