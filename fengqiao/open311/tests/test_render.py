import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from fengqiao.open311.redact import redact
from fengqiao.open311.render import iso, to_xml


def test_xml_escapes_and_drops_what_xml_cannot_carry():
    body = to_xml("service_requests", [{"description": 'a<b>&"c" \x0b\x00d 中文', "lat": None, "ok": True}])
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(body)
    request = root.find("request")
    assert request.findtext("description") == 'a<b>&"c" d 中文'
    assert request.findtext("lat") == "" and request.findtext("ok") == "true"


def test_datetimes_carry_the_shanghai_offset():
    assert iso(datetime(2025, 3, 1, 1, 30, tzinfo=UTC)) == "2025-03-01T09:30:00+08:00"
    assert iso(None) is None


def test_numbers_in_free_text_are_masked():
    assert redact("王先生13912345678来电") == "王先生139****5678来电"
    assert redact("电话139-1234-5678") == "电话139****5678"
    assert redact("身份证11010519491231002X") == "身份证110105********002X"
    assert redact("座机0571-88886666") == "座机0571-****6666"
    assert redact("事项990102-20261122-0007,欠款30000元,2025-01-01") == (
        "事项990102-20261122-0007,欠款30000元,2025-01-01"
    )
    assert redact("") == "" and redact(None) is None
