"""Hostile GeoJSON on the region import: huge, self-intersecting, deeply nested, wrong types.
Every one is refused with a reason, nothing is written, and nothing raises."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.regions import geojson
from fengqiao.regions.geojson import GeoJSONRejected, import_tree, load_collection, validate_tree
from fengqiao.regions.models import Region

SQUARE = [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]


def collection(geometry=SQUARE, **properties):
    props = {"code": "990102001901", "parent_code": "990102001000", "kind": "village", "name": "新村"}
    props.update(properties)
    if isinstance(geometry, list):
        geometry = {"type": "Polygon", "coordinates": [geometry]}
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": geometry, "properties": props}],
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.one_of(
        json_values,
        st.builds(lambda f: {"type": "FeatureCollection", "features": f}, json_values),
        st.builds(lambda f: {"type": "FeatureCollection", "features": [f]}, json_values),
        st.builds(lambda p: collection(**{"code": p}), json_values),
        st.builds(lambda p: collection(kind=p, name=p), json_values),
        st.builds(lambda g: collection(geometry=g), json_values),
        st.builds(lambda c: collection(geometry={"type": "Polygon", "coordinates": c}), json_values),
        st.builds(lambda c: collection(geometry={"type": "MultiPolygon", "coordinates": c}), json_values),
        st.builds(lambda lat, lng: collection(centroid_lat=lat, centroid_lng=lng), json_values, json_values),
    )
)
def test_any_json_is_answered_with_problems_not_an_exception(db, document):
    rows, errors = validate_tree(document)
    assert all(isinstance(error.reason, str) for error in errors)
    assert errors or all(isinstance(row["code"], str) for row in rows)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "document, field, reason",
    [
        (
            collection([[120, 30], [120.1, 30.1], [120.1, 30], [120, 30.1], [120, 30]]),
            "geometry",
            "Self-intersection",
        ),
        (collection({"type": "Point", "coordinates": [120, 30]}), "geometry", "Polygon or MultiPolygon"),
        (collection({"type": "Polygon", "coordinates": "120,30"}), "geometry", "list"),
        (collection([["120", "30"]] * 5), "geometry", "finite numbers"),
        (collection([[120, 30], [float("nan"), 30], [120.1, 30.1], [120, 30]]), "geometry", "finite"),
        (collection([[[[[120, 30]]]]] * 4), "geometry", "position"),
        (collection(name=["新村"]), "name", "needs a name"),
        (collection(name='新村<img src=x onerror="alert(1)">'), "name", "cannot contain"),
        (collection(code=990102001901), "code", "string of digits"),
        (collection(kind={"a": 1}), "kind", "unknown kind"),
        (collection(centroid_lat="30", centroid_lng=120), "centroid_lat", "latitude"),
    ],
    ids=[
        "self-intersecting",
        "point",
        "string-coordinates",
        "string-numbers",
        "nan",
        "too-deep",
        "name-list",
        "name-markup",
        "code-number",
        "kind-object",
        "centroid-string",
    ],
)
def test_a_bad_feature_is_refused_by_field_and_nothing_is_written(document, field, reason):
    before = Region.objects.count()
    result = import_tree(document)
    assert not result.ok
    assert any(error.field == field and reason in error.reason for error in result.errors), result.errors
    assert Region.objects.count() == before


@pytest.mark.django_db
def test_a_huge_geometry_is_refused_before_it_is_analysed(monkeypatch):
    monkeypatch.setattr(geojson, "MAX_POSITIONS", 1000)
    ring = [[120 + i * 1e-5, 30.0] for i in range(2000)] + [[120.0, 30.1], [120.0, 30.0]]
    result = import_tree(collection(ring))
    assert "simplify" in result.errors[0].reason


@pytest.mark.django_db
def test_too_many_features_are_refused(monkeypatch):
    monkeypatch.setattr(geojson, "MAX_FEATURES", 10)
    document = {"type": "FeatureCollection", "features": [{}] * 11}
    assert "split the file" in validate_tree(document)[1][0].reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
        (b'{"type": "FeatureCollection", "features": [' + b"1" * 10_000 + b"]}", "not valid JSON"),
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b'{"type": "Feature', "not valid JSON"),
    ],
    ids=["deeply-nested", "huge-integer", "not-utf8", "truncated"],
)
def test_unreadable_documents_are_refused(data, reason):
    with pytest.raises(GeoJSONRejected, match=reason):
        load_collection(io.BytesIO(data))


def test_an_oversize_file_is_refused_without_reading_it_all():
    stream = io.BytesIO(b" " * 2000)
    with pytest.raises(GeoJSONRejected, match="larger than"):
        load_collection(stream, max_bytes=1000)
    assert stream.tell() == 1001


@pytest.mark.django_db
def test_the_import_command_reports_a_hostile_file_cleanly(tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(CommandError, match="nested too deep"):
        call_command("importregions", str(deep))
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(json.dumps(collection([[120, 30], [120.1, 30.1], [120.1, 30], [120, 30.1], [120, 30]])))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("importregions", str(bowtie))
