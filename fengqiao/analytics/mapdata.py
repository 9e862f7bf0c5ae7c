"""What the map draws for a region and a window of days: its grids with their case counts and the
hot spots among them, the cases as points and as a heat lattice, patrol zones with their 1/3/5-minute
response circles and public video points. Cases through `visible_cases(user)`."""

import math
from collections import Counter
from datetime import timedelta

from fengqiao import clock
from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases.codes import Category, Status
from fengqiao.regions import codes as region_codes
from fengqiao.regions.models import Region

from .detection import ALPHA, poisson_upper_tail
from .models import PatrolZone, VideoPoint

MAX_POINTS = 3000
HEAT_CELL_M = 300
CATEGORY_LABELS = dict(Category.choices)
STATUS_LABELS = dict(Status.choices)


def hot_grids(counts: dict[str, int], grid_codes: list[str]) -> dict[str, float]:
    """Grids whose count is improbably high if every grid of the region had the average rate
    (Poisson tail, Bonferroni over the grids): {code: p-value}."""
    if not grid_codes:
        return {}
    mean = sum(counts.values()) / len(grid_codes)
    hot = {}
    for code in grid_codes:
        count = counts.get(code, 0)
        if count <= mean or count < 2:
            continue
        p_value = poisson_upper_tail(count, mean)
        if p_value < ALPHA / len(grid_codes):
            hot[code] = p_value
    return hot


def build(user, region: Region, days: int = 90) -> dict:
    since = clock.now() - timedelta(days=days)
    cases = visible_cases(user).filter(
        region_codes.subtree_q("region_id", region.code), merged_into__isnull=True, reported_at__gte=since
    )
    rows = list(
        cases.filter(lat__isnull=False, lng__isnull=False)
        .order_by("-reported_at")
        .values("number", "lat", "lng", "category", "status", "risk", "grid_code", "title")[:MAX_POINTS]
    )
    grids = list(
        Region.objects.filter(region_codes.subtree_q("code", region.code), kind=Region.Kind.GRID)
        .order_by("code")
        .values("code", "name", "polygon")
    )
    counts = Counter(row["grid_code"] for row in cases.exclude(grid_code__isnull=True).values("grid_code"))
    hot = hot_grids(counts, [grid["code"] for grid in grids])
    features = [
        {
            "type": "Feature",
            "geometry": grid["polygon"],
            "properties": {
                "code": grid["code"],
                "name": grid["name"],
                "count": counts.get(grid["code"], 0),
                "hot": grid["code"] in hot,
            },
        }
        for grid in grids
        if grid["polygon"]
    ]
    zones = PatrolZone.objects.filter(region_codes.subtree_q("region_id", region.code), active=True)
    videos = VideoPoint.objects.filter(region_codes.subtree_q("region_id", region.code), active=True)
    return {
        "region": {
            "code": region.code,
            "name": region.name,
            "lat": region.centroid_lat,
            "lng": region.centroid_lng,
        },
        "days": days,
        "grids": {"type": "FeatureCollection", "features": features},
        "hot_grids": [
            {"code": code, "name": next(g["name"] for g in grids if g["code"] == code), "count": counts[code]}
            for code in sorted(hot, key=lambda code: -counts[code])
        ],
        "cases": [
            {
                "number": row["number"],
                "lat": row["lat"],
                "lng": row["lng"],
                "title": row["title"],
                "category": CATEGORY_LABELS.get(row["category"], row["category"]),
                "status": STATUS_LABELS.get(row["status"], row["status"]),
                "risk": row["risk"],
            }
            for row in rows
        ],
        "heat": heat_lattice(rows),
        "patrol_zones": [
            {
                "name": zone.name,
                "team": zone.team,
                "lat": zone.lat,
                "lng": zone.lng,
                "radii": zone.response_radii(),
                "polygon": zone.polygon,
            }
            for zone in zones
        ],
        "video_points": [
            {"name": video.name, "kind": video.get_kind_display(), "lat": video.lat, "lng": video.lng}
            for video in videos
        ],
    }


def heat_lattice(rows: list[dict]) -> list[list[float]]:
    """[lat, lng, weight 0–1] per cell of HEAT_CELL_M with cases, smoothed over the 3×3 neighbours."""
    if not rows:
        return []
    lat0 = rows[0]["lat"]
    step_lat = HEAT_CELL_M / 110_540
    step_lng = HEAT_CELL_M / (111_320 * math.cos(math.radians(lat0)))
    cells = Counter((math.floor(row["lat"] / step_lat), math.floor(row["lng"] / step_lng)) for row in rows)
    smoothed = Counter()
    for (i, j), n in cells.items():
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                smoothed[(i + di, j + dj)] += n * (1.0 if di == dj == 0 else 0.35)
    top = max(smoothed.values())
    return [
        [round((i + 0.5) * step_lat, 6), round((j + 0.5) * step_lng, 6), round(weight / top, 3)]
        for (i, j), weight in smoothed.items()
        if weight / top >= 0.05
    ]
