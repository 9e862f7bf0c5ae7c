"""Point-to-grid lookups per second, against shapely's vectorised STRtree query (the ceiling).

    .venv/bin/python bench/bench_locate.py [--polygons 20000] [--points 200000] [--seed 1] [--json FILE]

Standalone: no Django settings, no database. Generates an irregular tiling of grid polygons (the
Voronoi cells of seeded random points in a province-sized box, lng 115-121, lat 28-32, clipped to
the box) and random points, 95% inside the box and 5% in a half-degree band around it. Every timing
is the best of --repeat rounds, each round timing every method in turn. The figures are recorded in
docs/PERFORMANCE.md ("Point-in-grid"); with --json they are written for bench/run.py. The CPU
seconds of this process are recorded beside each best wall time, and the machine's load around the
rounds: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure, wait_for_quiet, write_figures  # noqa: E402

from fengqiao.regions.locate import GridIndex  # noqa: E402

BOX = (115.0, 28.0, 121.0, 32.0)  # lng_min, lat_min, lng_max, lat_max
MARGIN = 0.5


def grid_polygons(count: int, rng: np.random.Generator) -> tuple[list[str], list[shapely.Polygon]]:
    seeds = np.column_stack([rng.uniform(BOX[0], BOX[2], count), rng.uniform(BOX[1], BOX[3], count)])
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    polygons = shapely.intersection(cells, box)
    shapely.prepare(polygons)
    codes = [f"990102{index:09d}" for index in range(len(polygons))]  # 15 digits: grid level
    return codes, list(polygons)


def random_points(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    inside = rng.random(count) < 0.95
    lng = np.where(
        inside, rng.uniform(BOX[0], BOX[2], count), rng.uniform(BOX[0] - MARGIN, BOX[2] + MARGIN, count)
    )
    lat = np.where(
        inside, rng.uniform(BOX[1], BOX[3], count), rng.uniform(BOX[1] - MARGIN, BOX[3] + MARGIN, count)
    )
    return lat, lng


def best_of(repeat: int, run) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def timed(run) -> tuple[float, float, object]:
    """(wall seconds, this process's CPU seconds, result) of one run."""
    cpu, started = time.process_time(), time.perf_counter()
    result = run()
    return time.perf_counter() - started, time.process_time() - cpu, result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polygons", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures for bench/run.py to this file")
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait up to this many seconds for an idle machine"
    )
    args = parser.parse_args(argv)
    quiet = wait_for_quiet(give_up_after=args.quiet_wait) if args.quiet_wait > 0 else None

    rng = np.random.default_rng(args.seed)
    codes, polygons = grid_polygons(args.polygons, rng)
    lats, lngs = random_points(args.points, rng)
    lat_list, lng_list = lats.tolist(), lngs.tolist()
    points = shapely.points(lngs, lats)

    build_seconds, index = best_of(args.repeat, lambda: GridIndex(codes, polygons))
    tracemalloc.start()
    GridIndex(codes, polygons)
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    exact = GridIndex(codes, polygons, raster=False)
    tree = index.tree
    raster = index.raster

    def single_loop(locate):
        return lambda: [locate(lat, lng) for lat, lng in zip(lat_list, lng_list, strict=True)]

    def naive_loop():
        query, point = tree.query, shapely.Point
        return [
            query(point(lng, lat), predicate="within") for lat, lng in zip(lat_list, lng_list, strict=True)
        ]

    methods = [
        (
            "ceiling: STRtree.query(points, 'within'), vectorised",
            lambda: tree.query(points, predicate="within"),
        ),
        (
            "STRtree.query(points, 'intersects'), vectorised",
            lambda: tree.query(points, predicate="intersects"),
        ),
        ("GridIndex.locate_many (raster + exact on boundary cells)", lambda: index.locate_many(lats, lngs)),
        ("GridIndex.locate, one point at a time", single_loop(index.locate)),
        ("naive: STRtree.query(Point, 'within'), one at a time", naive_loop),
        ("GridIndex.locate without raster, one at a time", single_loop(exact.locate)),
    ]
    # rounds run every method in turn, so that a busy spell on the machine hits all of them alike
    best = dict.fromkeys(name for name, _ in methods)
    cpu_at_best: dict[str, float] = {}
    results = {}
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for name, run in methods:
            seconds, cpu_seconds, results[name] = timed(run)
            if best[name] is None or seconds < best[name]:
                best[name], cpu_at_best[name] = seconds, cpu_seconds
    load_after = os.getloadavg()
    rows = list(best.items())
    ceiling = rows[0][1]
    many = results["GridIndex.locate_many (raster + exact on boundary cells)"]
    single = results["GridIndex.locate, one point at a time"]
    reference = results["GridIndex.locate without raster, one at a time"]

    # the fast paths must agree with the exact path point for point
    batch_reference = exact.locate_many(lats, lngs)
    assert single == reference == many == batch_reference, "raster lookups disagree with the exact path"

    cells = raster.nx * raster.ny
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), numpy {np.__version__}"
    )
    print(
        f"polygons: {len(polygons)}, points: {args.points} "
        f"({sum(code is not None for code in reference) / args.points:.1%} inside a polygon), "
        f"seed {args.seed}"
    )
    print(
        f"index build: {build_seconds:.2f} s (best of {args.repeat}; STRtree + raster), "
        f"peak traced allocation {build_peak / 1e6:.1f} MB"
    )
    print(
        f"raster: {raster.nx} x {raster.ny} = {cells:,} cells, "
        f"{raster.boundary_count / cells:.1%} boundary cells, "
        f"{len(raster.candidates):,} candidates, {index.nbytes() / 1e6:.1f} MB held"
    )
    print()
    print(f"{'method':<58} {'points/s':>12} {'vs ceiling':>11}")
    for name, seconds in rows:
        print(f"{name:<58} {args.points / seconds:>12,.0f} {ceiling / seconds:>10.0%}")
    print(f"\nload average {load_before[0]:.1f} before the rounds, {load_after[0]:.1f} after")
    if args.json:
        write_figures(
            args.json,
            "point-in-grid",
            figures(args, rows, cpu_at_best, build_seconds, index.nbytes(), (load_before, load_after)),
            quiet=quiet,
            polygons=len(polygons),
            points=args.points,
            seed=args.seed,
            methods={name: {"seconds": s, "cpu_s": cpu_at_best[name]} for name, s in rows},
        )
        print(f"figures written to {args.json}")


def figures(args, rows, cpu_at_best, build_seconds, nbytes, loads) -> list[dict]:
    seconds = dict(rows)
    ceiling_name, ceiling = rows[0]
    rate = {name: args.points / s for name, s in seconds.items()}
    ceiling_rate = rate[ceiling_name]
    load = f"load {loads[0][0]:.1f}→{loads[1][0]:.1f} on {os.cpu_count()} cores"

    def cpu(name):
        return f"{cpu_at_best[name] / seconds[name]:.0%} of the best run's wall was this process's CPU"

    single = "GridIndex.locate, one point at a time"
    many = "GridIndex.locate_many (raster + exact on boundary cells)"
    naive = "naive: STRtree.query(Point, 'within'), one at a time"
    scale = f"{args.polygons:,} polygons, {args.points:,} points"
    return [
        figure(
            f"point-in-grid: GridIndex.locate, one point at a time ({scale})",
            rate[single],
            "points/s",
            target="≥ 50% of the vectorised STRtree ceiling",
            met=rate[single] >= 0.5 * ceiling_rate,
            ceiling_name="shapely STRtree.query(points, 'within'), vectorised",
            ceiling_value=ceiling_rate,
            note=f"best of {args.repeat}; {cpu(single)}; {load}",
        ),
        figure(
            "point-in-grid: GridIndex.locate_many, batch",
            rate[many],
            "points/s",
            ceiling_name="shapely STRtree.query(points, 'within'), vectorised",
            ceiling_value=ceiling_rate,
            note=f"best of {args.repeat}; {cpu(many)}; {load}",
        ),
        figure(
            "point-in-grid: naive STRtree.query(Point) loop (for comparison)",
            rate[naive],
            "points/s",
            ceiling_name="shapely STRtree.query(points, 'within'), vectorised",
            ceiling_value=ceiling_rate,
            note=f"best of {args.repeat}; {load}",
        ),
        figure(
            "point-in-grid: index build (STRtree + raster)",
            build_seconds,
            "s",
            note=f"best of {args.repeat}; {nbytes / 1e6:.1f} MB held by the raster; {load}",
        ),
    ]


if __name__ == "__main__":
    main()
