"""bench/run.py: the table it writes from the benchmarks' JSON, and how it treats a script that is
missing, failed or wrote no figures. No benchmark is run here (they take minutes to hours)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
run = sys.modules["bench_run"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)
from common import figure  # noqa: E402


@pytest.fixture
def results(tmp_path):
    """A results directory as a run leaves it: one benchmark with figures, one in an older JSON
    shape, one that failed and one whose script does not exist."""
    rows = [
        figure(
            "case list, county, first page",
            20.0,
            "ms",
            target="p50 < 50 ms",
            met=True,
            ceiling_name="hand-written SQL",
            ceiling_value=5.0,
            note="load 3.1",
        ),
        figure("locate, one at a time", 600_000, "points/s", target="≥ 50% of the ceiling", met=False),
    ]
    (tmp_path / "list.json").write_text(json.dumps({"benchmark": "case list", "figures": rows}))
    (tmp_path / "intake.json").write_text(json.dumps({"runs": [], "machine": {}}))
    records = [
        {
            "benchmark": "list",
            "status": "ok",
            "command": ".venv/bin/python bench/bench_list.py",
            "wall_s": 12.0,
        },
        {"benchmark": "intake", "status": "ok", "command": ".venv/bin/python bench/bench_intake.py"},
        {"benchmark": "sweep", "status": "failed", "detail": "exit 1: boom"},
        {"benchmark": "stats", "status": "missing", "detail": "bench/bench_stats.py does not exist yet"},
    ]
    (tmp_path / "_run.json").write_text(
        json.dumps({"command": "bench/run.py", "commit": "abc1234", "benchmarks": records})
    )
    return tmp_path, rows


def lines_of(block: str, name: str) -> list[str]:
    return [line for line in block.splitlines() if line.startswith(f"| {name} |")]


def test_table_gives_each_figure_beside_its_ceiling_and_ratio(results):
    directory, rows = results
    block = run.render_table(*run.load_results(directory))
    assert block.startswith(run.START) and block.endswith(run.END)
    figure_line = next(line for line in lines_of(block, "list") if rows[0]["figure"] in line)
    ratio = rows[0]["value"] / rows[0]["ceiling_value"]
    assert f"{ratio:.3g}×" in figure_line
    assert rows[0]["ceiling"] in figure_line and rows[0]["target"] in figure_line
    assert "| yes |" in figure_line and rows[0]["note"] in figure_line
    without_ceiling = next(line for line in lines_of(block, "list") if rows[1]["figure"] in line)
    assert "**no**" in without_ceiling  # a missed target is shown, not hidden
    assert "abc1234" in block


def test_missing_failed_and_shapeless_benchmarks_are_listed(results):
    directory, _ = results
    block = run.render_table(*run.load_results(directory))
    assert any("FAILED" in line and "boom" in line for line in lines_of(block, "sweep"))
    assert any("not written yet" in line for line in lines_of(block, "stats"))
    assert any("no figures" in line for line in lines_of(block, "intake"))


def test_write_table_replaces_only_the_generated_block(tmp_path, results):
    directory, _ = results
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\n## Sweep\n\nhand-written text\n")
    block = run.render_table(*run.load_results(directory))
    run.write_table(block, doc)
    first = doc.read_text()
    assert first.startswith("# Performance\n") and first.count(run.START) == 1
    assert first.index(run.START) < first.index("## Sweep") and "hand-written text" in first
    # a second run replaces the block, nothing else
    run.write_table(run.START + "\nnew\n" + run.END, doc)
    second = doc.read_text()
    assert "new" in second and block not in second and second.count(run.START) == 1
    assert second.replace(run.START + "\nnew\n" + run.END, block) == first


def test_from_json_rebuilds_the_doc_without_running_anything(tmp_path, results):
    directory, rows = results
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n")
    assert run.main(["--from-json", str(directory), "--doc", str(doc)]) == 0
    assert rows[0]["figure"] in doc.read_text()


def test_options_a_script_does_not_offer_are_not_passed():
    benchmark = run.BY_NAME["list"]
    offered = run.offered_options("usage: [--cases CASES] [--runs RUNS] [--json JSON]")
    assert run.script_args(benchmark, offered, None, True, []) == ["--cases", "20000", "--runs", "3"]
    assert run.script_args(benchmark, offered, "10m", False, []) == ["--cases", "10000000"]
    assert run.script_args(benchmark, offered | {"--size"}, "10m", False, []) == ["--size", "10m"]


def test_a_missing_script_is_reported_not_run(tmp_path):
    ghost = run.Benchmark("ghost", "bench_ghost_does_not_exist.py", "nothing")
    record = run.run_one(ghost, tmp_path, None, False, [], 10, 0)
    assert record["status"] == "missing"


FAKE = """import argparse, json, sys
parser = argparse.ArgumentParser()
parser.add_argument("--json")
parser.add_argument("--cases", type=int, default=5)
args = parser.parse_args()
if "{name}" == "broken":
    sys.exit("went wrong")
rows = [dict(figure="{name} rate", value=args.cases * 10.0, unit="rows/s", target="", met=None,
             ceiling="raw", ceiling_value=args.cases * 20.0, note="")]
json.dump(dict(benchmark="{name}", machine=dict(), figures=rows), open(args.json, "w"))
"""


def test_runs_update_their_rows_and_keep_the_others(tmp_path, monkeypatch):
    """Two runs with --only into one results directory: the table holds both benchmarks' latest
    figures; a failing script is listed as failed; a size reaches the script as its own option."""
    for name in ("alpha", "beta", "broken"):
        (tmp_path / f"bench_{name}.py").write_text(FAKE.format(name=name))
    benchmarks = [
        run.Benchmark(name, f"bench_{name}.py", name, sizes={"10m": ["--cases", "7", "--unknown", "1"]})
        for name in ("alpha", "beta", "broken")
    ]
    monkeypatch.setattr(run, "BENCH", tmp_path)
    monkeypatch.setattr(run, "BENCHMARKS", benchmarks)
    monkeypatch.setattr(run, "BY_NAME", {b.name: b for b in benchmarks})
    doc, out = tmp_path / "PERFORMANCE.md", tmp_path / "results"
    doc.write_text("# Performance\n")
    common = ["--out", str(out), "--doc", str(doc), "--quiet-wait", "0"]
    assert run.main(["--only", "alpha", "--size", "10m", *common]) == 0
    assert run.main(["--only", "beta", "--only", "broken", *common]) == 1
    text = doc.read_text()
    alpha = next(line for line in text.splitlines() if line.startswith("| alpha | alpha rate"))
    assert "| 70.0 rows/s |" in alpha and "0.5×" in alpha  # --cases 7 was passed, --unknown was not
    assert any(line.startswith("| beta | beta rate") for line in text.splitlines())
    assert any(line.startswith("| broken |") and "FAILED" in line for line in text.splitlines())
