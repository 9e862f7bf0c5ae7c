import xml.etree.ElementTree as ET

import pytest

from fengqiao.cases.codes import Category


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


@pytest.mark.django_db
def test_discovery_json_and_xml(o311):
    response = o311.get("discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    root = xml(o311.get("discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


@pytest.mark.django_db
def test_one_service_per_category(o311):
    services = o311.get("services.json").json()
    assert [s["service_code"] for s in services] == list(Category.values)
    by_code = {s["service_code"]: s for s in services}
    neighbour = by_code["neighbour"]
    assert neighbour["service_name"] == "邻里纠纷"
    assert neighbour["metadata"] is False and neighbour["type"] == "realtime"
    assert neighbour["group"] == "纠纷" and neighbour["keywords"] and neighbour["description"]
    assert by_code["petition"]["group"] == "信访"
    assert by_code["safety_hazard"]["group"] == "安全"
    assert by_code["public_service"]["group"] == "诉求"

    root = xml(o311.get("services.xml"))
    assert root.tag == "services"
    items = root.findall("service")
    assert len(items) == len(Category.values)
    first = items[0]
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "false"
    assert first.findtext("service_name") == Category(first.findtext("service_code")).label


@pytest.mark.django_db
def test_service_definition_and_unknown_code(o311):
    assert o311.get("services/neighbour.json").json() == {"service_code": "neighbour", "attributes": []}
    root = xml(o311.get("services/neighbour.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "neighbour"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0

    response = o311.get("services/potholes.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code provided was not found"}]
    root = xml(o311.get("services/potholes.xml"))
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert "service_code" in root.findtext("error/description")


@pytest.mark.django_db
def test_unknown_format_is_not_served(o311):
    assert o311.get("services.csv").status_code == 404
