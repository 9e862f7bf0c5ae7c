"""Point-in-grid: which grid (or finer unit) a position falls in.

One index per process, built from every region that has a polygon at grid level or below, with
shapely 2's STRtree. It is rebuilt lazily after `invalidate()` (called when regions change in this
process) or when the region table's newest `updated_at` moves (changes made by other processes,
checked at most every REFRESH_SECONDS).

Semantics: a point belongs to every region whose *closed* polygon contains it (a point on a boundary
touches the polygon), and the finest of those wins (longest code); between regions of the same level,
which only happens on a shared edge or corner, the smallest code wins, so a point on an edge always
resolves to one neighbour, the same one every time. Outside every polygon: None.

Speed: besides the STRtree, the index keeps a raster pre-index over the bounding box of all polygons,
built once with vectorised numpy (see `_Raster`). Each cell holds either the answer for every point
in it (a region, or "outside everything") or, for the cells a boundary crosses (typically a fifth),
a short list of candidate polygons in precedence order, tested exactly with `shapely.intersects_xy`.
A single lookup is then a little float arithmetic and one array read for most points
(docs/PERFORMANCE.md).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import shape

logger = logging.getLogger(__name__)

LOCATABLE_KINDS = ("grid", "compound", "building")
REFRESH_SECONDS = 30.0

# Raster sizing: cells per typical polygon extent (median bounding-box width/height) along each
# axis, and a cap on the number of cells (4 bytes each) whatever the spread of the polygons.
CELLS_PER_EXTENT = 16
MAX_CELLS = 1 << 23

# shapely.intersects_xy minus its Python wrapper (which only prepares a scalar geometry and makes
# object arrays read-only around the call): over half the cost of a boundary-cell lookup. The
# polygons are prepared and the candidate array is read-only from the start.
_intersects_xy = getattr(shapely.lib, "intersects_xy", shapely.intersects_xy)

OUTSIDE = -1  # raster value: no polygon touches any point of the cell
# raster values <= -2 are boundary cells: -2 - value indexes the candidate lists


class GridIndex:
    """Finds the finest region whose polygon contains a point. Coordinates are WGS-84 degrees."""

    def __init__(
        self,
        codes: Sequence[str],
        polygons: Sequence[shapely.Geometry],
        *,
        raster: bool = True,
        cells_per_extent: int = CELLS_PER_EXTENT,
        max_cells: int = MAX_CELLS,
    ):
        self.codes = np.array(codes, dtype=object)
        self.polygons = np.array(polygons, dtype=object)
        shapely.prepare(self.polygons)  # in place (from_geojson did it already); speeds up every predicate
        self.depth = np.array([len(code) for code in codes], dtype=np.int16)
        self.tree = shapely.STRtree(self.polygons) if len(polygons) else None
        self._code_list: list[str] = list(codes)
        # Precedence: finest first, then the smallest code, then load order (duplicate codes).
        by_rank = sorted(range(len(codes)), key=lambda i: (-len(codes[i]), codes[i], i))
        self.by_rank = np.array(by_rank, dtype=np.int64)
        self.rank = np.empty(len(codes), dtype=np.int64)
        self.rank[self.by_rank] = np.arange(len(codes))
        # codes with a trailing None, so that label -1 maps to None in one fancy index
        self._codes_or_none = np.empty(len(codes) + 1, dtype=object)
        self._codes_or_none[: len(codes)] = self.codes
        self.raster: _Raster | None = None
        self._fast = None
        if raster and self.tree is not None:
            try:
                self.raster = _Raster(self.polygons, self.rank, self.by_rank, cells_per_extent, max_cells)
            except _RasterUnavailable as reason:
                logger.warning("grid raster not built (%s); every lookup will query the STRtree", reason)
            else:
                r = self.raster
                self._fast = (r.x0, r.sx, r.y0, r.sy, r.nx, r.ny, r.cell_view, self._code_list)

    @classmethod
    def from_geojson(cls, items: Iterable[tuple[str, dict]], **options) -> GridIndex:
        codes, polygons = [], []
        for code, geometry in items:
            polygon = shape(geometry)
            shapely.prepare(polygon)
            codes.append(code)
            polygons.append(polygon)
        return cls(codes, polygons, **options)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lat: float, lng: float) -> str | None:
        fast = self._fast
        if fast is None:
            return None if self.tree is None else self._locate_exact(float(lat), float(lng))
        x0, sx, y0, sy, nx, ny, cells, codes = fast
        x = float(lng)
        y = float(lat)
        u = (x - x0) * sx
        v = (y - y0) * sy
        # false for NaN too; everything beyond the raster is beyond every polygon's bounding box
        if 0.0 <= u < nx and 0.0 <= v < ny:
            value = cells[int(v) * nx + int(u)]
            if value >= 0:
                return codes[value]
            if value == OUTSIDE:
                return None
            return self._locate_boundary_cell(-2 - value, x, y)
        return None

    def _locate_boundary_cell(self, cell: int, x: float, y: float) -> str | None:
        raster = self.raster
        lo = raster.offset_view[cell]
        hi = raster.offset_view[cell + 1]
        hits = _intersects_xy(raster.candidate_polygons[lo:hi], x, y).tolist()
        if True in hits:
            return self._code_list[raster.candidate_view[lo + hits.index(True)]]
        background = raster.background_view[cell]
        return self._code_list[background] if background >= 0 else None

    def _locate_exact(self, lat: float, lng: float) -> str | None:
        hits = self.tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        if len(hits) == 1:
            return self._code_list[hits[0]]
        return self._code_list[hits[np.argmin(self.rank[hits])]]

    def locate_many(self, lats: Sequence[float], lngs: Sequence[float]) -> list[str | None]:
        """Vectorised lookup for batches (imports, synthetic data, re-gridding)."""
        if self.tree is None or len(lats) == 0:
            return [None] * len(lats)
        xs = np.asarray(lngs, dtype=float)
        ys = np.asarray(lats, dtype=float)
        labels = self._locate_many_exact(xs, ys) if self.raster is None else self.raster.labels(xs, ys)
        return self._codes_or_none[labels].tolist()

    def _locate_many_exact(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Polygon index per point (-1: none) straight from the STRtree."""
        labels = np.full(len(xs), -1, dtype=np.int64)
        point_index, polygon_index = self.tree.query(shapely.points(xs, ys), predicate="intersects")
        if len(point_index):
            best = np.full(len(xs), len(self.codes), dtype=np.int64)
            np.minimum.at(best, point_index, self.rank[polygon_index])
            found = best < len(self.codes)
            labels[found] = self.by_rank[best[found]]
        return labels

    def nbytes(self) -> int:
        """Memory held by the raster pre-index (the polygons and the STRtree not counted)."""
        return 0 if self.raster is None else self.raster.nbytes()


class _RasterUnavailable(Exception):
    pass


class _Raster:
    """A regular grid of cells over the polygons' bounding box, padded by one cell on every side.

    Cell coordinates are u = (lng - x0) * sx, v = (lat - y0) * sy; the point falls in cell
    (int(v), int(u)). The build and the lookups compute u, v with the very same float operations.

    A polygon's boundary "touches" a cell when it meets the cell's closed rectangle grown by EPS
    cells on every side (so float rounding in u, v can never move a point out of the rectangle the
    build reasoned about). A cell no boundary touches lies wholly inside or wholly outside each
    polygon, so one answer holds for all of it: `cells` stores that polygon's index, or OUTSIDE.
    For a touched cell, the answer is the first of its candidates (the polygons whose boundary
    touches it and that precede the cell's background, in precedence order) whose closed polygon
    contains the point, else the background: the best polygon containing the whole cell, or none.

    Which polygons contain a whole untouched cell is read at the cell's centre with an even-odd
    scanline fill of each polygon part's rings along the row centre lines, in numpy. That is only
    trusted for valid Polygon/MultiPolygon geometries, where it agrees with GEOS; any other geometry
    is treated as touching every cell of its bounding box, i.e. always tested exactly.
    """

    EPS = 1e-6
    # temporary arrays are built in chunks, to bound the memory a build needs
    SEGMENT_CHUNK = 1 << 14  # ring edges
    CELL_CHUNK = 1 << 20  # filled cells

    def __init__(self, polygons, rank, by_rank, cells_per_extent: int, max_cells: int):
        n = len(polygons)
        self.n = n
        bounds = shapely.bounds(polygons)
        present = ~np.isnan(bounds).any(axis=1)
        if not present.any():
            raise _RasterUnavailable("no polygon has coordinates")
        minx, miny = np.min(bounds[present, 0]), np.min(bounds[present, 1])
        maxx, maxy = np.max(bounds[present, 2]), np.max(bounds[present, 3])
        if not all(map(math.isfinite, (minx, miny, maxx, maxy))):
            raise _RasterUnavailable("non-finite coordinates")

        widths = bounds[present, 2] - bounds[present, 0]
        heights = bounds[present, 3] - bounds[present, 1]
        widths, heights = widths[widths > 0], heights[heights > 0]
        span = max(maxx - minx, maxy - miny, 1e-9)
        dx = float(np.median(widths)) / cells_per_extent if len(widths) else span
        dy = float(np.median(heights)) / cells_per_extent if len(heights) else span
        nx, ny = self._shape(minx, maxx, dx), self._shape(miny, maxy, dy)
        if nx * ny > max_cells:
            grow = math.sqrt(nx * ny / max_cells)
            while nx * ny > max_cells:
                dx, dy = dx * grow, dy * grow
                nx, ny = self._shape(minx, maxx, dx), self._shape(miny, maxy, dy)
                grow = 1.01
        self.x0, self.y0 = float(minx - dx), float(miny - dy)
        self.sx, self.sy = 1.0 / dx, 1.0 / dy
        self.nx, self.ny = nx, ny
        ncells = nx * ny

        kinds = shapely.get_type_id(polygons)
        polygonal = present & np.isin(kinds, (3, 6)) & shapely.is_valid(polygons)

        # 1. (cell, polygon) pairs where the polygon's boundary touches the cell
        seg_u0, seg_v0, seg_u1, seg_v1, seg_owner, seg_part = self._segments(polygons, polygonal)
        touch_keys = [self._segment_cells(seg_u0, seg_v0, seg_u1, seg_v1, seg_owner)]
        for index in np.flatnonzero(present & ~polygonal):
            touch_keys.append(self._bbox_cells(bounds[index], index))
        touched = _sorted_unique(np.concatenate(touch_keys))  # keys cell * n + polygon
        del touch_keys
        is_touched = np.zeros(ncells, dtype=bool)
        is_touched[touched // n] = True

        # 2. best polygon (by rank) containing each cell whole
        best = np.full(ncells, n, dtype=np.int32)
        for cells, owners in self._filled_cells(seg_u0, seg_v0, seg_u1, seg_v1, seg_owner, seg_part):
            check = is_touched[cells]
            if check.any():
                keys = cells[check] * n + owners[check]
                at = np.minimum(np.searchsorted(touched, keys), len(touched) - 1)
                keep = np.ones(len(cells), dtype=bool)
                keep[np.flatnonzero(check)[touched[at] == keys]] = False
                cells, owners = cells[keep], owners[keep]
            np.minimum.at(best, cells, rank[owners].astype(np.int32))
        background = np.full(ncells, OUTSIDE, dtype=np.int32)
        filled = best < n
        background[filled] = by_rank[best[filled]]
        del best, filled, is_touched

        # 3. boundary cells: candidates that precede the background, in precedence order
        touched_cell = touched // n
        touched_rank = rank[touched % n]
        del touched
        background_rank = background[touched_cell].astype(np.int64)
        background_rank = np.where(background_rank >= 0, rank[np.maximum(background_rank, 0)], n)
        useful = touched_rank < background_rank
        order_keys = np.sort(touched_cell[useful] * n + touched_rank[useful])
        del touched_cell, touched_rank, background_rank, useful
        candidate_cell = order_keys // n
        starts = np.flatnonzero(np.diff(candidate_cell, prepend=-1))
        boundary_cells = candidate_cell[starts]
        self.candidates = by_rank[order_keys % n].astype(np.int32)
        self.offsets = np.append(starts, len(order_keys)).astype(np.int32)
        self.background = background[boundary_cells]
        self.candidate_polygons = polygons[self.candidates]
        self.candidate_polygons.flags.writeable = False
        background[boundary_cells] = -2 - np.arange(len(boundary_cells), dtype=np.int32)
        self.cells = background
        self.boundary_count = len(boundary_cells)

        # memoryviews index to plain Python ints, much faster than numpy scalars one at a time
        self.cell_view = memoryview(self.cells)
        self.offset_view = memoryview(self.offsets)
        self.candidate_view = memoryview(self.candidates)
        self.background_view = memoryview(self.background)

    @staticmethod
    def _shape(low: float, high: float, step: float) -> int:
        # one padding cell below, at least one above
        return int((high - low) / step) + 3

    def nbytes(self) -> int:
        arrays = (self.cells, self.offsets, self.candidates, self.background, self.candidate_polygons)
        return sum(array.nbytes for array in arrays)

    # -- build helpers ----------------------------------------------------------------------------

    def _to_cell_space(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (xy[:, 0] - self.x0) * self.sx, (xy[:, 1] - self.y0) * self.sy

    def _segments(self, polygons, polygonal):
        """Every ring edge of the valid polygonal geometries in cell space, with the polygon it
        belongs to and a global id of the polygon part (for the even-odd fill)."""
        owners = np.flatnonzero(polygonal)
        parts, part_owner = shapely.get_parts(polygons[owners], return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        u, v = self._to_cell_space(coords)
        same = coord_ring[:-1] == coord_ring[1:]
        start = np.flatnonzero(same)
        part = ring_part[coord_ring[start]]
        return u[start], v[start], u[start + 1], v[start + 1], owners[part_owner[part]], part

    def _segment_cells(self, u0, v0, u1, v1, owner) -> np.ndarray:
        """Keys cell * n + owner of every cell each segment touches (conservatively)."""
        eps = self.EPS
        out = []
        for lo in range(0, len(u0), self.SEGMENT_CHUNK):
            chunk = slice(lo, lo + self.SEGMENT_CHUNK)
            a_u, a_v, b_u, b_v, own = u0[chunk], v0[chunk], u1[chunk], v1[chunk], owner[chunk]
            umin, umax = np.minimum(a_u, b_u), np.maximum(a_u, b_u)
            vmin, vmax = np.minimum(a_v, b_v), np.maximum(a_v, b_v)
            col_lo = np.floor(umin - eps).astype(np.int64)
            col_hi = np.floor(umax + eps).astype(np.int64)
            seg, col = _expand(col_lo, col_hi - col_lo + 1)
            # the part of the segment over the column [col - eps, col + 1 + eps]
            du = (b_u - a_u)[seg]
            slope = np.divide((b_v - a_v)[seg], du, out=np.zeros(len(seg)), where=du != 0)
            ua = np.maximum(umin[seg], col - eps)
            ub = np.minimum(umax[seg], col + 1 + eps)
            va = a_v[seg] + (ua - a_u[seg]) * slope
            vb = a_v[seg] + (ub - a_u[seg]) * slope
            slack = eps * (1.0 + np.abs(slope))
            low = np.maximum(np.minimum(va, vb) - slack, vmin[seg])
            high = np.minimum(np.maximum(va, vb) + slack, vmax[seg])
            vertical = du == 0
            low[vertical], high[vertical] = vmin[seg][vertical], vmax[seg][vertical]
            row_lo = np.floor(low - eps).astype(np.int64)
            row_hi = np.floor(high + eps).astype(np.int64)
            pair, row = _expand(row_lo, row_hi - row_lo + 1)
            cell = self._clip_cell(row, col[pair])
            out.append(_sorted_unique(cell * self.n + own[seg[pair]]))
        return np.concatenate(out) if out else np.empty(0, dtype=np.int64)

    def _bbox_cells(self, bounds, index) -> np.ndarray:
        eps = self.EPS
        (u_lo, u_hi), (v_lo, v_hi) = self._to_cell_space(np.array([bounds[:2], bounds[2:]]))
        cols = np.arange(math.floor(u_lo - eps), math.floor(u_hi + eps) + 1)
        rows = np.arange(math.floor(v_lo - eps), math.floor(v_hi + eps) + 1)
        row, col = np.meshgrid(rows, cols, indexing="ij")
        return self._clip_cell(row.ravel(), col.ravel()) * self.n + index

    def _clip_cell(self, row, col) -> np.ndarray:
        return np.clip(row, 0, self.ny - 1) * self.nx + np.clip(col, 0, self.nx - 1)

    def _filled_cells(self, u0, v0, u1, v1, owner, part):
        """(cells, owners) chunks: cells whose centre the polygon part contains by the even-odd
        rule along the row centre line v = row + 0.5 (edges count on the half-open [vmin, vmax)).
        Edges come grouped by part; they are taken a few thousand at a time, cut between parts."""
        lo = 0
        while lo < len(u0):
            hi = min(lo + self.SEGMENT_CHUNK, len(u0))
            if hi < len(u0):  # move the cut to the end of the part under way
                hi += int(np.searchsorted(part[hi:], part[hi - 1], side="right"))
            chunk = slice(lo, hi)
            yield from self._filled_chunk(
                u0[chunk], v0[chunk], u1[chunk], v1[chunk], owner[chunk], part[chunk]
            )
            lo = hi

    def _filled_chunk(self, u0, v0, u1, v1, owner, part):
        vmin, vmax = np.minimum(v0, v1), np.maximum(v0, v1)
        row_lo = np.ceil(vmin - 0.5).astype(np.int64)
        row_hi = np.ceil(vmax - 0.5).astype(np.int64) - 1
        seg, row = _expand(row_lo, np.maximum(row_hi - row_lo + 1, 0))
        u_cross = u0[seg] + (row + 0.5 - v0[seg]) * ((u1 - u0)[seg] / (v1 - v0)[seg])
        order = np.lexsort((u_cross, row, part[seg]))
        seg, row, u_cross = seg[order], row[order], u_cross[order]
        if len(seg) % 2 or not (
            np.array_equal(part[seg[0::2]], part[seg[1::2]]) and np.array_equal(row[0::2], row[1::2])
        ):
            raise _RasterUnavailable("a ring crossing count is odd")
        span_row, span_owner = row[0::2], owner[seg[0::2]]
        col_lo = np.ceil(u_cross[0::2] - 0.5).astype(np.int64)
        length = np.maximum(np.floor(u_cross[1::2] - 0.5).astype(np.int64) - col_lo + 1, 0)
        del seg, row, u_cross, order
        # spans taken about CELL_CHUNK cells at a time
        total = np.cumsum(length)
        start = 0
        while start < len(length):
            done = int(total[start - 1]) if start else 0
            stop = max(int(np.searchsorted(total, done + self.CELL_CHUNK, side="right")), start + 1)
            span, col = _expand(col_lo[start:stop], length[start:stop])
            span += start
            yield self._clip_cell(span_row[span], col), span_owner[span]
            start = stop

    # -- batch lookup -----------------------------------------------------------------------------

    def labels(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Polygon index per point, -1 for none."""
        u = (xs - self.x0) * self.sx
        v = (ys - self.y0) * self.sy
        with np.errstate(invalid="ignore"):
            inside = (u >= 0) & (u < self.nx) & (v >= 0) & (v < self.ny)
        labels = np.full(len(xs), OUTSIDE, dtype=np.int64)
        labels[inside] = self.cells[v[inside].astype(np.int64) * self.nx + u[inside].astype(np.int64)]
        boundary = np.flatnonzero(labels <= -2)
        if len(boundary):
            cell = -2 - labels[boundary]
            start = self.offsets[cell]
            point, candidate = _expand(start, self.offsets[cell + 1] - start)
            hit = shapely.intersects_xy(
                self.candidate_polygons[candidate], xs[boundary][point], ys[boundary][point]
            )
            first = np.full(len(boundary), len(self.candidates), dtype=np.int64)
            np.minimum.at(first, point[hit], candidate[hit])
            found = first < len(self.candidates)
            labels[boundary] = np.where(
                found, self.candidates[np.minimum(first, len(self.candidates) - 1)], self.background[cell]
            )
        return labels


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    keys = np.sort(keys)
    return keys[np.diff(keys, prepend=-1) != 0]


def _expand(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs (start, count): the run index and the value start + k of every element."""
    count = count.astype(np.int64)
    which = np.repeat(np.arange(len(count)), count)
    first = np.cumsum(count) - count
    return which, start[which] + (np.arange(len(which)) - first[which])


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

    rows = Region.objects.filter(kind__in=LOCATABLE_KINDS, polygon__isnull=False).values_list(
        "code", "polygon"
    )
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
