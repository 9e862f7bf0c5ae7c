"""A deterministic demo region tree: one city, one detailed county, its townships, villages and
communities, and about three grids per village, all with polygons that tile their parent.

Shapes are built top-down in a local kilometre plane (Voronoi cells of seeded random points,
clipped to the parent), then made exact bottom-up: the boundaries of every grid cell are noded
together with snap rounding on a 1e-6 degree grid and polygonized, so neighbouring grids share
identical vertices, and each village, township and the county is the coverage union of its
children. The union of a region's children is therefore exactly the region, with no gaps or
overlaps, and every coordinate has at most six decimals.

Everything comes from one `random.Random(SEED)` and sorted inputs, so every build is identical
(for a given shapely/GEOS; snap rounding absorbs last-bit floating-point differences).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.polygon import orient

from . import codes

SEED = 20240611
CITY = "990100000000"
COUNTY = "990102000000"
CITY_NAME = "枫桥示范市"
COUNTY_NAME = "枫溪县"

# Local plane: x kilometres east and y kilometres north of the county's centre.
ORIGIN_LNG = 120.2
ORIGIN_LAT = 29.7
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LNG = 111.320 * math.cos(math.radians(ORIGIN_LAT))
GRID_SIZE = 1e-6  # degrees; about 0.1 m
DECIMALS = 6

COUNTY_HALF_WIDTH_KM = 20.0
COUNTY_HALF_HEIGHT_KM = 15.0
TOWNSHIP_COUNT = 12
SEAT_KM = (1.2, -0.8)  # the county seat, centre of township 1
URBAN_RADIUS_KM = 7.5  # villages this close to the seat are 社区

TOWNSHIP_FIXED_NAMES = {1: "城关镇", 2: "枫桥镇"}
TOWNSHIP_FIRST = "东西南北青白石金龙马梅桃柳云安永双大黄五"
TOWNSHIP_SECOND = "溪山桥湖塘岭江港浦源口坑店埠阳"
VILLAGE_FIRST = "青白石金银龙凤马梅竹松柏桃李杏柳荷兰云霞泉新安和兴永福丰庆长平东西南北上下前后大小双高"
VILLAGE_SECOND = "山溪桥塘湾岭坞岙坑田畈湖港浦林园源口头庄岗坪垄墩埠"
COMMUNITY_FIRST = "文锦康和新华光明春秀翠景福安永清柳枫桂兰"
COMMUNITY_SECOND = "苑园岸城庭泰宁盛兴晖湖江河苑坊"
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass
class _Node:
    code: str
    kind: str
    name: str
    parent_code: str | None
    cell: Polygon | None = None  # local km plane, before snapping
    seed: tuple[float, float] | None = None
    children: list[_Node] = field(default_factory=list)
    geometry: Polygon | None = None  # degrees, exact


def _to_degrees(geometry):
    return shapely.transform(
        geometry,
        lambda xy: np.column_stack(
            (ORIGIN_LNG + xy[:, 0] / KM_PER_DEG_LNG, ORIGIN_LAT + xy[:, 1] / KM_PER_DEG_LAT)
        ),
    )


def _county_outline(rng: random.Random) -> Polygon:
    """An irregular, star-shaped outline about 40 km by 30 km with shallow bays."""
    harmonics = [(k, rng.uniform(0.04, 0.08) * 2 / k, rng.uniform(0, 2 * math.pi)) for k in range(2, 9)]
    points = []
    vertices = 56
    for i in range(vertices):
        theta = 2 * math.pi * i / vertices
        radius = 1 + sum(a * math.cos(k * theta + phase) for k, a, phase in harmonics)
        radius *= 1 + rng.uniform(-0.025, 0.025)
        points.append(
            (
                COUNTY_HALF_WIDTH_KM * radius * math.cos(theta),
                COUNTY_HALF_HEIGHT_KM * radius * math.sin(theta),
            )
        )
    return Polygon(points)


def _sample_seeds(
    rng: random.Random, area: Polygon, count: int, fixed: list[tuple[float, float]] = ()
) -> list[tuple[float, float]]:
    """`count` points inside `area` (starting with `fixed`), kept apart from each other and from
    the boundary so that every Voronoi cell clips to one piece."""
    spacing = math.sqrt(area.area / count)
    minimum = 0.7 * spacing
    seeds = list(fixed)
    min_x, min_y, max_x, max_y = area.bounds
    boundary = area.exterior
    shapely.prepare(area)
    tries = 0
    while len(seeds) < count:
        tries += 1
        if tries % 200 == 0:
            minimum *= 0.85
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if not shapely.contains_xy(area, x, y):
            continue
        if boundary.distance(Point(x, y)) < 0.3 * minimum:
            continue
        if all(math.hypot(x - sx, y - sy) >= minimum for sx, sy in seeds):
            seeds.append((x, y))
    return seeds


def _split(parent: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon]:
    """The Voronoi cells of `seeds` clipped to `parent`, in the order of the seeds."""
    if len(seeds) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=parent.envelope.buffer(1.0))
    xs = np.array([x for x, _ in seeds])
    ys = np.array([y for _, y in seeds])
    cells: list[Polygon | None] = [None] * len(seeds)
    for cell in shapely.get_parts(diagram):
        (inside,) = np.nonzero(shapely.contains_xy(cell, xs, ys))
        if len(inside) != 1:
            raise RuntimeError("a Voronoi cell does not hold exactly one seed")
        clipped = shapely.intersection(cell, parent)
        parts = [part for part in shapely.get_parts(clipped) if isinstance(part, Polygon) and part.area > 0]
        if len(parts) != 1:
            raise RuntimeError("a clipped Voronoi cell is not a single polygon")
        cells[int(inside[0])] = parts[0]
    if any(cell is None for cell in cells):
        raise RuntimeError("a seed has no Voronoi cell")
    return cells


def _clockwise_from_north(centre: tuple[float, float]):
    cx, cy = centre

    def key(point: tuple[float, float]) -> float:
        return math.atan2(point[0] - cx, point[1] - cy) % (2 * math.pi)

    return key


def _name_pool(rng: random.Random, first: str, second: str) -> list[str]:
    pool = [a + b for a in first for b in second if a != b]
    rng.shuffle(pool)
    return pool


def _build_tree() -> _Node:
    rng = random.Random(SEED)
    outline = _county_outline(rng)
    city = _Node(CITY, "city", CITY_NAME, None)
    county = _Node(COUNTY, "county", COUNTY_NAME, CITY, cell=outline)
    city.children.append(county)

    township_names = [
        name
        for name in _name_pool(rng, TOWNSHIP_FIRST, TOWNSHIP_SECOND)
        if name + "镇" not in TOWNSHIP_FIXED_NAMES.values()
    ]
    village_names = _name_pool(rng, VILLAGE_FIRST, VILLAGE_SECOND)
    community_names = _name_pool(rng, COMMUNITY_FIRST, COMMUNITY_SECOND)

    seeds = _sample_seeds(rng, outline, TOWNSHIP_COUNT, fixed=[SEAT_KM])
    seeds = [seeds[0], *sorted(seeds[1:], key=_clockwise_from_north(SEAT_KM))]
    for number, (seed, cell) in enumerate(zip(seeds, _split(outline, seeds), strict=True), start=1):
        if number in TOWNSHIP_FIXED_NAMES:
            name = TOWNSHIP_FIXED_NAMES[number]
        else:
            name = township_names.pop() + ("乡" if number in (7, 11) else "镇")
        code = codes.child_code(COUNTY, "township", number)
        county.children.append(_Node(code, "township", name, COUNTY, cell=cell, seed=seed))

    for township in county.children:
        count = 10 if township.code.endswith("001000") else rng.randint(8, 11)
        seeds = _sample_seeds(rng, township.cell, count)
        # The village or community nearest the township's centre comes first, the rest clockwise.
        seeds.sort(key=lambda p: math.dist(p, township.seed))
        seeds = [seeds[0], *sorted(seeds[1:], key=_clockwise_from_north(seeds[0]))]
        for number, (seed, cell) in enumerate(zip(seeds, _split(township.cell, seeds), strict=True), start=1):
            urban = township.code.endswith("001000") or math.dist(seed, SEAT_KM) < URBAN_RADIUS_KM
            name = community_names.pop() + "社区" if urban else village_names.pop() + "村"
            code = codes.child_code(township.code, "village", number)
            township.children.append(_Node(code, "village", name, township.code, cell=cell, seed=seed))

    for township in county.children:
        for village in township.children:
            count = rng.choice((2, 3, 3, 3, 4, 4))
            seeds = _sample_seeds(rng, village.cell, count)
            seeds.sort(key=_clockwise_from_north(village.seed))
            for number, cell in enumerate(_split(village.cell, seeds), start=1):
                name = f"{village.name}第{CHINESE_NUMERALS[number - 1]}网格"
                code = codes.child_code(village.code, "grid", number)
                village.children.append(_Node(code, "grid", name, village.code, cell=cell))
    return city


def _snap_grids(grids: list[_Node]) -> None:
    """Give every grid an exact polygon in degrees: node all grid boundaries together on the
    1e-6 degree grid and polygonize them, so adjacent grids share the very same vertices."""
    cells = [_to_degrees(grid.cell) for grid in grids]
    linework = shapely.union_all(shapely.boundary(cells), grid_size=GRID_SIZE)
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(linework)))))
    tree = shapely.STRtree(cells)
    owned: list[list[Polygon]] = [[] for _ in grids]
    for face in faces:
        candidates = tree.query(face)
        overlaps = shapely.area(shapely.intersection(face, np.asarray(cells, dtype=object)[candidates]))
        owned[int(candidates[int(np.argmax(overlaps))])].append(face)
    for grid, parts in zip(grids, owned, strict=True):
        if not parts:
            raise RuntimeError(f"grid {grid.code} vanished when snapped")
        grid.geometry = _single_polygon(parts, grid.code)


def _single_polygon(parts: list[Polygon], code: str) -> Polygon:
    merged = parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts)
    if not isinstance(merged, Polygon):
        raise RuntimeError(f"region {code} is not a single polygon")
    return orient(merged, 1.0)


def _dissolve(node: _Node) -> Polygon:
    if node.kind != "grid":
        node.geometry = _single_polygon([_dissolve(child) for child in node.children], node.code)
    return node.geometry


def _geojson(polygon: Polygon) -> dict:
    geometry = mapping(polygon)
    return {
        "type": "Polygon",
        "coordinates": [
            [[round(lng, DECIMALS), round(lat, DECIMALS)] for lng, lat in ring]
            for ring in geometry["coordinates"]
        ],
    }


def inner_point(polygon) -> Point:
    """The centroid when it lies inside the polygon, otherwise a point surely inside it."""
    centroid = polygon.centroid
    return centroid if polygon.contains(centroid) else polygon.representative_point()


def _walk(node: _Node):
    yield node
    for child in node.children:
        yield from _walk(child)


def demo_region_rows() -> list[dict]:
    """The demo tree as rows for `Region`, parents before children (in code order)."""
    city = _build_tree()
    nodes = list(_walk(city))
    _snap_grids([node for node in nodes if node.kind == "grid"])
    _dissolve(city.children[0])
    city.geometry = city.children[0].geometry
    rows = []
    for node in sorted(nodes, key=lambda n: n.code):
        geometry = _geojson(node.geometry)
        point = inner_point(shapely.geometry.shape(geometry))
        rows.append(
            {
                "code": node.code,
                "parent_code": node.parent_code,
                "kind": node.kind,
                "name": node.name,
                "polygon": geometry,
                "centroid_lat": round(point.y, DECIMALS),
                "centroid_lng": round(point.x, DECIMALS),
            }
        )
    return rows


def create_demo_regions() -> int:
    """Create the demo tree unless the demo city exists; the number of regions created."""
    from django.db import transaction

    from . import locate
    from .models import Region

    if Region.objects.filter(code=CITY).exists():
        return 0
    rows = demo_region_rows()
    with transaction.atomic():
        from .geojson import region_from_row

        Region.objects.bulk_create([region_from_row(row) for row in rows], batch_size=500)
    locate.invalidate()
    return len(rows)
