"""GridIndex against brute force: the raster pre-index must never change an answer.

Brute force here is shapely alone: every polygon whose closed area contains the point (an STRtree
query with predicate "intersects", or `shapely.intersects_xy` over all polygons), the finest (longest
code) winning and, between equals, the smallest code. No database is needed.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.regions.locate import GridIndex

BOX = (115.0, 28.0, 116.2, 28.8)  # lng_min, lat_min, lng_max, lat_max


def brute_force(codes, polygons, lats, lngs) -> list[str | None]:
    tree = shapely.STRtree(polygons)
    point_index, polygon_index = tree.query(shapely.points(lngs, lats), predicate="intersects")
    found: list[list[str]] = [[] for _ in range(len(lats))]
    for point, polygon in zip(point_index.tolist(), polygon_index.tolist(), strict=True):
        found[point].append(codes[polygon])
    return [min(hits, key=lambda code: (-len(code), code)) if hits else None for hits in found]


def brute_force_one(codes, polygons, lat, lng) -> str | None:
    hits = np.flatnonzero(shapely.intersects_xy(np.asarray(polygons, dtype=object), lng, lat))
    return min((codes[i] for i in hits), key=lambda code: (-len(code), code), default=None)


def voronoi_tiling(count: int, seed: int, box=BOX):
    rng = np.random.default_rng(seed)
    seeds = np.column_stack([rng.uniform(box[0], box[2], count), rng.uniform(box[1], box[3], count)])
    frame = shapely.box(*box)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    polygons = list(shapely.intersection(cells, frame))
    codes = [f"990102{i:09d}" for i in rng.permutation(len(polygons))]  # codes unrelated to position
    return codes, polygons


@functools.cache
def tiling():
    codes, polygons = voronoi_tiling(400, seed=7)
    return codes, polygons, GridIndex(codes, polygons)


def random_points(rng, count, box=BOX, margin=0.1):
    lats = rng.uniform(box[1] - margin, box[3] + margin, count)
    lngs = rng.uniform(box[0] - margin, box[2] + margin, count)
    return lats, lngs


def assert_agrees(index: GridIndex, codes, polygons, lats, lngs):
    expected = brute_force(codes, polygons, lats, lngs)
    single = [index.locate(lat, lng) for lat, lng in zip(lats.tolist(), lngs.tolist(), strict=True)]
    mismatches = [
        (lat, lng, got, want)
        for lat, lng, got, want in zip(lats, lngs, single, expected, strict=True)
        if got != want
    ]
    assert not mismatches, f"{len(mismatches)} of {len(lats)} points differ, e.g. {mismatches[:3]}"
    assert index.locate_many(lats, lngs) == expected


def test_the_raster_is_built_and_answers_most_points_without_an_exact_test():
    codes, polygons, index = tiling()
    raster = index.raster
    assert raster is not None
    cells = raster.nx * raster.ny
    assert raster.boundary_count < 0.4 * cells
    # most random points land in a cell holding its answer outright
    lats, lngs = random_points(np.random.default_rng(1), 2000, margin=0)
    u = ((lngs - raster.x0) * raster.sx).astype(int)
    v = ((lats - raster.y0) * raster.sy).astype(int)
    assert (raster.cells[v * raster.nx + u] >= 0).mean() > 0.6


def test_random_points_agree_with_brute_force():
    codes, polygons, index = tiling()
    lats, lngs = random_points(np.random.default_rng(2), 20_000)
    assert_agrees(index, codes, polygons, lats, lngs)


def test_points_outside_the_tiling_are_none():
    _, _, index = tiling()
    for lat, lng in [
        (27.9, 115.5),
        (28.9, 115.5),
        (28.4, 114.99),
        (28.4, 116.21),
        (0, 0),
        (-90, -180),
        (90, 180),
    ]:
        assert index.locate(lat, lng) is None
    assert index.locate_many([27.9, 0.0], [115.5, 0.0]) == [None, None]


def test_non_finite_coordinates_are_none():
    _, _, index = tiling()
    for lat, lng in [(math.nan, 115.5), (28.4, math.nan), (math.inf, 115.5), (28.4, -math.inf)]:
        assert index.locate(lat, lng) is None
    assert index.locate_many([math.nan, 28.4], [115.5, math.inf]) == [None, None]


def test_vertices_and_points_a_hair_from_edges_agree_with_brute_force():
    """On the boundary a point belongs to every polygon meeting there; the smallest code wins."""
    codes, polygons, index = tiling()
    rng = np.random.default_rng(3)
    vertices = shapely.get_coordinates(polygons)
    first, second = vertices[:-1], vertices[1:]
    along = rng.uniform(0, 1, (len(first), 1))
    normal = (second - first)[:, ::-1] * [1, -1]
    length = np.maximum(np.hypot(*normal.T), 1e-300)[:, None]
    near = []
    for offset in (0.0, 1e-12, -1e-12, 1e-9, -1e-9):
        near.append(first + along * (second - first) + offset * normal / length)
    points = np.concatenate([vertices, *near])
    assert_agrees(index, codes, polygons, points[:, 1], points[:, 0])


def test_points_on_and_beside_raster_cell_lines_agree_with_brute_force():
    """Points on the raster's own cell lines, one float step either side, and a little further."""
    codes, polygons, index = tiling()
    raster = index.raster
    rng = np.random.default_rng(4)
    lats, lngs = random_points(rng, 20_000, margin=0)
    column = np.round((lngs - raster.x0) * raster.sx)
    row = np.round((lats - raster.y0) * raster.sy)
    for shift in (-1e-2, -1e-3, 0.0, 1e-3, 1e-2):  # fractions of a cell, times 0..1
        jitter = shift * rng.uniform(0, 1, len(lats))
        on_columns = raster.x0 + (column + jitter) / raster.sx
        on_rows = raster.y0 + (row + jitter) / raster.sy
        assert_agrees(index, codes, polygons, lats, on_columns)
        assert_agrees(index, codes, polygons, on_rows, lngs)
        if shift == 0.0:
            for side in (-np.inf, np.inf):
                assert_agrees(index, codes, polygons, lats, np.nextafter(on_columns, side))
                assert_agrees(index, codes, polygons, np.nextafter(on_rows, side), lngs)
                assert_agrees(
                    index, codes, polygons, np.nextafter(on_rows, side), np.nextafter(on_columns, -side)
                )


@pytest.mark.parametrize(
    ("cells_per_extent", "max_cells"), [(1, 1 << 23), (4, 1 << 23), (64, 1 << 23), (16, 64)]
)
def test_coarse_and_fine_rasters_agree_with_brute_force(cells_per_extent, max_cells):
    codes, polygons, _ = tiling()
    index = GridIndex(codes, polygons, cells_per_extent=cells_per_extent, max_cells=max_cells)
    assert index.raster.nx * index.raster.ny <= max(max_cells, 9)
    lats, lngs = random_points(np.random.default_rng(5), 5000)
    assert_agrees(index, codes, polygons, lats, lngs)


def test_locate_many_equals_locate_point_by_point():
    _, _, index = tiling()
    lats, lngs = random_points(np.random.default_rng(6), 5000)
    assert index.locate_many(lats.tolist(), lngs.tolist()) == [
        index.locate(lat, lng) for lat, lng in zip(lats, lngs, strict=True)
    ]


def square(x, y, size):
    return shapely.box(x, y, x + size, y + size)


def test_shared_edges_and_corners_resolve_to_the_smallest_code():
    # a 2 x 2 block of grids, 0.5 degree squares; codes chosen against the geometric order
    codes = ["330100000000004", "330100000000003", "330100000000002", "330100000000001"]
    polygons = [
        square(120, 30, 0.5),
        square(120.5, 30, 0.5),
        square(120, 30.5, 0.5),
        square(120.5, 30.5, 0.5),
    ]
    for index in (GridIndex(codes, polygons), GridIndex(codes, polygons, raster=False)):
        assert index.locate(30.25, 120.25) == codes[0]
        assert index.locate(30.25, 120.5) == "330100000000003"  # edge between 004 and 003
        assert index.locate(30.5, 120.25) == "330100000000002"  # edge between 004 and 002
        assert index.locate(30.5, 120.5) == "330100000000001"  # the corner of all four
        assert index.locate(30.0, 120.0) == codes[0]  # the outer corner belongs to its only grid
        assert index.locate(31.0, 121.0) == codes[3]
        assert index.locate(30.25, 119.9999999) is None
        assert index.locate(31.0000001, 120.75) is None
    rng = np.random.default_rng(8)
    # points on the grid lines
    lats = np.round(rng.uniform(29.9, 31.1, 4000) * 8) / 8
    lngs = rng.uniform(119.9, 121.1, 4000)
    assert_agrees(GridIndex(codes, polygons), codes, polygons, lats, lngs)
    assert_agrees(GridIndex(codes, polygons), codes, polygons, lngs - 90, lats + 90)


def test_the_finest_region_wins_inside_nested_ones():
    grid = "330100000000001"
    neighbour = "330100000000002"
    compound = grid + "001"
    building = compound + "001"
    codes = [grid, neighbour, compound, building]
    polygons = [square(120, 30, 1), square(121, 30, 1), square(120.2, 30.2, 0.5), square(120.3, 30.3, 0.1)]
    index = GridIndex(codes, polygons)
    assert index.locate(30.9, 120.9) == grid
    assert index.locate(30.5, 121.5) == neighbour
    assert index.locate(30.6, 120.6) == compound
    assert index.locate(30.35, 120.35) == building
    assert index.locate(30.2, 120.4) == compound  # on the compound's edge, inside the grid
    assert index.locate(30.3, 120.3) == building  # the building's corner
    assert index.locate(30.5, 121.0) == grid  # shared edge of two grids: the smaller code
    lats, lngs = random_points(np.random.default_rng(9), 5000, box=(120, 30, 122, 31))
    assert_agrees(index, codes, polygons, lats, lngs)


def test_compounds_nested_in_a_tiling_agree_with_brute_force():
    codes, polygons = voronoi_tiling(200, seed=11)
    rng = np.random.default_rng(12)
    compounds, compound_codes = [], []
    for code, polygon in list(zip(codes, polygons, strict=True))[:60]:
        centre = polygon.representative_point()
        compounds.append(shapely.intersection(polygon, centre.buffer(rng.uniform(0.005, 0.03))))
        compound_codes.append(code + "001")
    buildings = [shapely.box(*p.centroid.buffer(0.002).bounds) for p in compounds[:30]]
    all_codes = codes + compound_codes + [code + "001" for code in compound_codes[:30]]
    all_polygons = polygons + compounds + buildings
    index = GridIndex(all_codes, all_polygons)
    lats, lngs = random_points(rng, 20_000)
    assert_agrees(index, all_codes, all_polygons, lats, lngs)
    near = shapely.get_coordinates(compounds + buildings)
    assert_agrees(index, all_codes, all_polygons, near[:, 1], near[:, 0])


def test_holes_multipolygons_and_invalid_shapes_agree_with_brute_force():
    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
    island = shapely.box(1.5, 1.5, 2.5, 2.5)  # inside the hole
    pair = shapely.MultiPolygon([shapely.box(5, 0, 6, 1), shapely.box(5, 3, 6, 4)])
    bowtie = shapely.Polygon([(7, 0), (9, 2), (9, 0), (7, 2)])  # self-intersecting: invalid
    line = shapely.LineString([(0, 5), (9, 5)])
    codes = ["330100000000001", "330100000000002", "330100000000003", "330100000000004", "330100000000005"]
    polygons = [ring, island, pair, bowtie, line]
    index = GridIndex(codes, polygons)
    assert index.locate(0.5, 0.5) == codes[0]
    assert index.locate(2.0, 2.0) == codes[1]
    assert index.locate(1.2, 1.2) is None  # in the hole, off the island
    assert index.locate(2.0, 5.5) is None  # between the two parts
    assert index.locate(3.5, 5.5) == codes[2]
    assert index.locate(5.0, 4.0) == codes[4]  # on the line
    rng = np.random.default_rng(13)
    lats, lngs = random_points(rng, 20_000, box=(-0.5, -0.5, 9.5, 5.5), margin=0)
    assert_agrees(index, codes, polygons, lats, lngs)
    coords = shapely.get_coordinates(polygons)
    assert_agrees(index, codes, polygons, coords[:, 1], coords[:, 0])


def test_the_geojson_constructor_reads_lng_lat_order():
    geometry = {
        "type": "Polygon",
        "coordinates": [[[120, 30], [121, 30], [121, 30.5], [120, 30.5], [120, 30]]],
    }
    index = GridIndex.from_geojson([("330100000000001", geometry)])
    assert index.locate(30.25, 120.5) == "330100000000001"
    assert index.locate(30.75, 120.5) is None  # lat beyond the polygon
    assert index.locate(120.5, 30.25) is None  # swapped


def test_an_empty_index_finds_nothing():
    index = GridIndex([], [])
    assert len(index) == 0
    assert index.locate(30.0, 120.0) is None
    assert index.locate_many([30.0, 31.0], [120.0, 121.0]) == [None, None]
    assert index.locate_many([], []) == []
    assert GridIndex.from_geojson([]).locate(30.0, 120.0) is None


def test_empty_polygons_match_nothing():
    codes = ["330100000000001", "330100000000002"]
    polygons = [shapely.Polygon(), shapely.box(120, 30, 121, 31)]
    index = GridIndex(codes, polygons)
    assert index.locate(30.5, 120.5) == codes[1]
    assert index.locate(29.5, 120.5) is None
    only_empty = GridIndex(codes[:1], polygons[:1])
    assert only_empty.locate(30.5, 120.5) is None
    assert only_empty.locate_many([30.5], [120.5]) == [None]


_tiling_vertices = None


def tiling_vertices():
    global _tiling_vertices
    if _tiling_vertices is None:
        _tiling_vertices = shapely.get_coordinates(tiling()[1])
    return _tiling_vertices


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(BOX[1] - 0.05, BOX[3] + 0.05, allow_nan=False),
    lng=st.floats(BOX[0] - 0.05, BOX[2] + 0.05, allow_nan=False),
)
def test_any_point_agrees_with_brute_force(lat, lng):
    codes, polygons, index = tiling()
    expected = brute_force_one(codes, polygons, lat, lng)
    assert index.locate(lat, lng) == expected
    assert index.locate_many([lat], [lng]) == [expected]


@settings(max_examples=300, deadline=None)
@given(
    vertex=st.integers(0, 10_000),
    dlat=st.sampled_from([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6]),
    dlng=st.sampled_from([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6]),
)
def test_any_point_near_a_vertex_agrees_with_brute_force(vertex, dlat, dlng):
    codes, polygons, index = tiling()
    lng, lat = tiling_vertices()[vertex % len(tiling_vertices())]
    lat, lng = float(lat + dlat), float(lng + dlng)
    expected = brute_force_one(codes, polygons, lat, lng)
    assert index.locate(lat, lng) == expected
    assert index.locate_many([lat], [lng]) == [expected]
