"""Point-in-grid: which grid (or finer unit) a position falls in.

One index per process, built from every region that has a polygon at grid level or below, with
shapely 2's STRtree. It is rebuilt lazily after `invalidate()` (called when regions change in this
process) or when the region table's newest `updated_at` moves (changes made by other processes,
checked at most every REFRESH_SECONDS).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import shape

LOCATABLE_KINDS = ("grid", "compound", "building")
REFRESH_SECONDS = 30.0


class GridIndex:
    """Finds the finest region whose polygon contains a point. Coordinates are WGS-84 degrees."""

    def __init__(self, codes: Sequence[str], polygons: Sequence[shapely.Geometry]):
        self.codes = np.array(codes, dtype=object)
        self.polygons = np.array(polygons, dtype=object)
        self.depth = np.array([len(code) for code in codes], dtype=np.int16)
        self.tree = shapely.STRtree(self.polygons) if len(polygons) else None

    @classmethod
    def from_geojson(cls, items: Iterable[tuple[str, dict]]) -> GridIndex:
        codes, polygons = [], []
        for code, geometry in items:
            polygon = shape(geometry)
            shapely.prepare(polygon)
            codes.append(code)
            polygons.append(polygon)
        return cls(codes, polygons)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lat: float, lng: float) -> str | None:
        if self.tree is None:
            return None
        hits = self.tree.query(shapely.Point(lng, lat), predicate="within")
        if len(hits) == 0:
            return None
        return self.codes[hits[np.argmax(self.depth[hits])]]

    def locate_many(self, lats: Sequence[float], lngs: Sequence[float]) -> list[str | None]:
        """Vectorised lookup for batches (imports, synthetic data, re-gridding)."""
        result: list[str | None] = [None] * len(lats)
        if self.tree is None or len(lats) == 0:
            return result
        points = shapely.points(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float))
        point_index, polygon_index = self.tree.query(points, predicate="within")
        best_depth = np.full(len(lats), -1, dtype=np.int16)
        for point, polygon in zip(point_index.tolist(), polygon_index.tolist(), strict=True):
            if self.depth[polygon] > best_depth[point]:
                best_depth[point] = self.depth[polygon]
                result[point] = self.codes[polygon]
        return result


_lock = threading.Lock()
_index: GridIndex | None = None
_stamp = None
_checked_at = 0.0


def _table_stamp():
    from django.db.models import Count, Max

    from .models import Region

    return tuple(
        Region.objects.filter(kind__in=LOCATABLE_KINDS).aggregate(Max("updated_at"), Count("code")).values()
    )


def _load() -> GridIndex:
    from .models import Region

    rows = Region.objects.filter(kind__in=LOCATABLE_KINDS, polygon__isnull=False).values_list("code", "polygon")
    return GridIndex.from_geojson(rows.iterator(chunk_size=5000))


def grid_index() -> GridIndex:
    """The process-wide index, rebuilt when the region table changed."""
    global _index, _stamp, _checked_at
    now = time.monotonic()
    if _index is not None and now - _checked_at < REFRESH_SECONDS:
        return _index
    with _lock:
        stamp = _table_stamp()
        if _index is None or stamp != _stamp:
            _index = _load()
            _stamp = stamp
        _checked_at = time.monotonic()
        return _index


def invalidate() -> None:
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0


def locate(lat: float, lng: float) -> str | None:
    """The code of the finest grid-level region containing the point, or None."""
    return grid_index().locate(lat, lng)
