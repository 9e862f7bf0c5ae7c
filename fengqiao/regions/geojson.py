"""Region trees as GeoJSON FeatureCollections.

Each Feature carries the region's boundary as its geometry (or null) and its row as properties:
code, parent_code, kind, name, centroid_lat, centroid_lng. `export_tree` writes a region and its
whole subtree; `import_tree` checks every feature first and writes nothing unless all are valid,
then creates or updates them in one transaction.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import shapely
from django.db import transaction
from shapely.geometry import shape

from . import codes, locate
from .models import Region

PROPERTY_FIELDS = ("code", "parent_code", "kind", "name", "centroid_lat", "centroid_lng")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
NAME_MAX_LENGTH = Region._meta.get_field("name").max_length
QUERY_CHUNK = 500  # codes per IN (...) lookup, well under SQLite's variable limit
# Limits against hostile or runaway files: a whole province's boundaries down to the grid fit
# well inside them.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_FEATURES = 500_000
MAX_POSITIONS = 200_000  # in one geometry
MAX_RINGS = 10_000  # in one geometry


class GeoJSONRejected(ValueError):
    """A file that cannot be read as GeoJSON at all (too big, not JSON, nested too deep)."""


def load_collection(stream, max_bytes: int = MAX_FILE_BYTES):
    """Parse a GeoJSON document from a binary or text stream, refusing (GeoJSONRejected) one
    over max_bytes, one that is not UTF-8 JSON, or one nested too deep for the parser."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise GeoJSONRejected(f"larger than {max_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise GeoJSONRejected(f"not UTF-8 text: {error}") from None
    try:
        return json.loads(data)
    except RecursionError:
        raise GeoJSONRejected("nested too deep") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise GeoJSONRejected(f"not valid JSON: {error}") from None


class FeatureError(NamedTuple):
    """One problem in an import: the feature's index (None for the collection itself), the
    field at fault, and why."""

    index: int | None
    field: str
    reason: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[FeatureError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def region_from_row(row: dict) -> Region:
    """A Region from the plain row shape the demo builder and the importer share."""
    return Region(
        code=row["code"],
        parent_id=row["parent_code"],
        kind=row["kind"],
        name=row["name"],
        polygon=row["polygon"],
        centroid_lat=row["centroid_lat"],
        centroid_lng=row["centroid_lng"],
    )


def export_tree(root_code: str, kinds: list[str] | None = None) -> dict:
    """The region `root_code` and everything below it (only of `kinds` if given), ordered by code."""
    codes.validate(root_code)
    if not Region.objects.filter(code=root_code).exists():
        raise Region.DoesNotExist(f"no region {root_code}")
    rows = Region.objects.filter(codes.subtree_q("code", root_code))
    if kinds:
        rows = rows.filter(kind__in=kinds)
    rows = rows.order_by("code").values(
        "code", "parent_id", "kind", "name", "polygon", "centroid_lat", "centroid_lng"
    )
    features = [
        {
            "type": "Feature",
            "id": row["code"],
            "geometry": row["polygon"],
            "properties": {
                "code": row["code"],
                "parent_code": row["parent_id"],
                "kind": row["kind"],
                "name": row["name"],
                "centroid_lat": row["centroid_lat"],
                "centroid_lng": row["centroid_lng"],
            },
        }
        for row in rows.iterator(chunk_size=2000)
    ]
    return {"type": "FeatureCollection", "features": features}


def centroid_of(geometry: dict) -> tuple[float, float]:
    """(lat, lng) of a point inside a GeoJSON polygon: its centroid when that lies inside."""
    polygon = shape(geometry)
    point = polygon.centroid
    if not polygon.contains(point):
        point = polygon.representative_point()
    return round(point.y, 6), round(point.x, 6)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_ring(ring) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return "a linear ring is a list of at least four positions"
    for position in ring:
        if not isinstance(position, list | tuple) or len(position) not in (2, 3):
            return "a position is [longitude, latitude]"
        if not all(_is_number(value) for value in position):
            return "coordinates must be finite numbers"
        lng, lat = position[0], position[1]
        if not -180 <= lng <= 180:
            return f"longitude {lng} is outside [-180, 180]"
        if not -90 <= lat <= 90:
            return f"latitude {lat} is outside [-90, 90]"
    if list(ring[0]) != list(ring[-1]):
        return "a linear ring must end where it starts"
    return None


def _check_polygon(rings) -> str | None:
    if not isinstance(rings, list) or not rings:
        return "a polygon is a non-empty list of linear rings"
    if not all(isinstance(ring, list) for ring in rings):
        return "a polygon is a non-empty list of linear rings"
    for ring in rings:
        problem = _check_ring(ring)
        if problem:
            return problem
    return None


def _clean_geometry(geometry) -> tuple[dict | None, str | None]:
    """(the geometry as stored, None) or (None, the reason it is refused)."""
    if geometry is None:
        return None, None
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return None, "geometry must be a Polygon or MultiPolygon (or null)"
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if isinstance(polygons, list) and all(isinstance(polygon, list) for polygon in polygons):
        rings = [ring for polygon in polygons for ring in polygon]
        if len(rings) > MAX_RINGS:
            return None, f"more than {MAX_RINGS} rings in one geometry"
        if sum(len(ring) if isinstance(ring, list) else 1 for ring in rings) > MAX_POSITIONS:
            return None, f"more than {MAX_POSITIONS} positions in one geometry; simplify it first"
    if geometry["type"] == "Polygon":
        problem = _check_polygon(coordinates)
    elif not isinstance(coordinates, list) or not coordinates:
        problem = "a multipolygon is a non-empty list of polygons"
    else:
        problem = next(filter(None, (_check_polygon(polygon) for polygon in coordinates)), None)
    if problem:
        return None, problem
    try:
        reason = shapely.is_valid_reason(shape(geometry))
    except (ValueError, TypeError, IndexError, RecursionError, shapely.errors.GEOSException) as error:
        return None, f"not a usable geometry: {error}"
    if reason != "Valid Geometry":
        return None, f"invalid geometry: {reason}"
    return {"type": geometry["type"], "coordinates": coordinates}, None


def _level(code: str) -> int:
    return len(codes.significant_prefix(code))


def _check_feature(index: int, feature) -> tuple[dict | None, list[FeatureError]]:
    """The row a feature describes (or None) and its problems, apart from whether the parent
    exists."""
    errors: list[FeatureError] = []

    def error(field_name: str, reason: str) -> None:
        errors.append(FeatureError(index, field_name, reason))

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        error("type", "not a GeoJSON Feature")
        return None, errors
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        error("properties", "a feature needs a properties object")
        return None, errors

    code = properties.get("code")
    kind = None
    try:
        codes.validate(code)
        kind = codes.kind_of(code)
    except codes.InvalidCode as problem:
        error("code", str(problem))
        code = None

    given_kind = properties.get("kind")
    if given_kind is not None and given_kind not in codes.KINDS:
        error("kind", f"unknown kind {given_kind!r}")
    elif given_kind is not None and kind is not None and given_kind != kind:
        error("kind", f"a code of this form denotes a {kind}, not a {given_kind}")

    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        error("name", "a region needs a name")
    elif len(name.strip()) > NAME_MAX_LENGTH:
        error("name", f"a name has at most {NAME_MAX_LENGTH} characters")
    elif "<" in name or ">" in name:
        # Names end up in map tooltips; no place is called <script>.
        error("name", "a name cannot contain < or >")

    parent_code = properties.get("parent_code")
    if parent_code is not None:
        if not codes.is_valid(parent_code):
            error("parent_code", "not a valid region code")
            parent_code = None
        elif code is not None and (
            _level(parent_code) >= _level(code) or not codes.in_subtree(code, parent_code)
        ):
            error("parent_code", f"{code} does not lie under {parent_code}")
            parent_code = None

    geometry, problem = _clean_geometry(feature.get("geometry"))
    if problem:
        error("geometry", problem)

    lat, lng = properties.get("centroid_lat"), properties.get("centroid_lng")
    if lat is None and lng is None:
        if geometry is not None and not problem:
            lat, lng = centroid_of(geometry)
    else:
        if not _is_number(lat) or not -90 <= lat <= 90:
            error("centroid_lat", "a latitude in [-90, 90] (or both centroid fields null)")
        if not _is_number(lng) or not -180 <= lng <= 180:
            error("centroid_lng", "a longitude in [-180, 180] (or both centroid fields null)")

    if errors:
        return None, errors
    row = {
        "code": code,
        "parent_code": parent_code,
        "kind": kind,
        "name": name.strip(),
        "polygon": geometry,
        "centroid_lat": float(lat) if lat is not None else None,
        "centroid_lng": float(lng) if lng is not None else None,
    }
    return row, errors


def _existing(codes_wanted) -> set[str]:
    wanted = sorted(codes_wanted)
    found: set[str] = set()
    for start in range(0, len(wanted), QUERY_CHUNK):
        chunk = wanted[start : start + QUERY_CHUNK]
        found.update(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
    return found


def validate_tree(feature_collection) -> tuple[list[dict], list[FeatureError]]:
    """The rows of a FeatureCollection and every problem found in it (rows are only complete
    when there are no problems)."""
    if not isinstance(feature_collection, dict) or feature_collection.get("type") != "FeatureCollection":
        return [], [FeatureError(None, "type", "not a GeoJSON FeatureCollection")]
    features = feature_collection.get("features")
    if not isinstance(features, list):
        return [], [FeatureError(None, "features", "a FeatureCollection needs a list of features")]
    if len(features) > MAX_FEATURES:
        return [], [FeatureError(None, "features", f"more than {MAX_FEATURES} features; split the file")]

    errors: list[FeatureError] = []
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    # A row whose code is valid, even if the feature has other problems, still counts as present
    # for its children, so one bad parent does not drown the report in consequential errors.
    present: set[str] = set()
    for index, feature in enumerate(features):
        row, problems = _check_feature(index, feature)
        errors.extend(problems)
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get("code") if isinstance(properties, dict) else None
        if codes.is_valid(code):
            if code in seen:
                errors.append(FeatureError(index, "code", f"duplicate of feature {seen[code]}"))
                continue
            seen[code] = index
            present.add(code)
        if row is not None:
            rows.append((index, row))

    wanted = {
        row["parent_code"] for _, row in rows if row["parent_code"] and row["parent_code"] not in present
    }
    in_database = _existing(wanted) if wanted else set()
    for index, row in rows:
        parent_code = row["parent_code"]
        if parent_code and parent_code not in present and parent_code not in in_database:
            errors.append(
                FeatureError(
                    index, "parent_code", f"parent {parent_code} is neither in the file nor in the database"
                )
            )
    errors.sort(key=lambda e: (-1 if e.index is None else e.index, e.field))
    return [row for _, row in rows], errors


def import_tree(feature_collection: dict) -> ImportResult:
    """Create or update every region of a FeatureCollection, or nothing if any feature is bad."""
    rows, errors = validate_tree(feature_collection)
    if errors:
        return ImportResult(errors=errors)
    rows.sort(key=lambda row: (_level(row["code"]), row["code"]))  # parents first
    existing = _existing(row["code"] for row in rows)
    regions = [region_from_row(row) for row in rows]
    with transaction.atomic():
        Region.objects.bulk_create(
            regions,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["parent", "kind", "name", "polygon", "centroid_lat", "centroid_lng", "updated_at"],
        )
    locate.invalidate()
    updated = sum(1 for row in rows if row["code"] in existing)
    return ImportResult(created=len(rows) - updated, updated=updated)
