"""GeoReport v2 output: the same data as JSON or as XML under the specification's root elements,
and its error format (a list of {"code", "description"}; XML <errors><error>…)."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

from django.http import HttpResponse

from fengqiao.cases.deadlines import LOCAL

JSON_TYPE = "application/json"
XML_TYPE = "text/xml; charset=utf-8"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# The element name of one item of a list, by the list's name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters XML 1.0 cannot carry at all, even escaped (ElementTree would write them as they are).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the offset, in Asia/Shanghai: 2025-03-01T09:30:00+08:00."""
    return value.astimezone(LOCAL).isoformat(timespec="seconds") if value is not None else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(name, "item")
        for child in value:
            _append(element, item_name, child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    """`data` (a list or a dict) under the root element `root`, as UTF-8 with its declaration."""
    element = ET.Element(root)
    if isinstance(data, list):
        item_name = ITEM_NAMES[root]
        for item in data:
            _append(element, item_name, item)
    else:
        for key, value in data.items():
            _append(element, key, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def _json_default(value):
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def respond(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        response = HttpResponse(to_xml(root, data), content_type=XML_TYPE, status=status)
    else:
        body = json.dumps(data, ensure_ascii=False, default=_json_default)
        response = HttpResponse(body.encode(), content_type=JSON_TYPE, status=status)
    response["Cache-Control"] = "no-store" if root in ("service_requests", "errors") else "max-age=300"
    return response


class Open311Error(Exception):
    """One or more GeoReport errors; the response's HTTP status is the first error's code."""

    def __init__(self, *errors: tuple[int, str]):
        super().__init__("; ".join(description for _, description in errors))
        self.errors = list(errors)

    @property
    def status(self) -> int:
        return self.errors[0][0]


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    data = [{"code": code, "description": description} for code, description in error.errors]
    return respond(fmt, "errors", data, status=error.status)
