import json
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from fengqiao import clock
from fengqiao.cases.actions import take_action
from fengqiao.cases.models import Case, Party
from fengqiao.open311.models import ApiKey, RequestExtra
from fengqiao.people.models import Person

from .conftest import COUNTY, TOWNSHIP_1, TOWNSHIP_2

DESCRIPTION = "村东头两户人家因为排水沟堵塞互相指责,已经吵了好几次,希望村里出面协调。"
PHONE = "13912345678"


def fields(key, lat_lng=None, **overrides):
    data = {"api_key": key, "service_code": "neighbour", "description": DESCRIPTION}
    if lat_lng is not None:
        data["lat"], data["long"] = lat_lng[0], lat_lng[1]
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def error_descriptions(response):
    return " | ".join(error["description"] for error in response.json())


@pytest.fixture
def town1_point(grid_point):
    return grid_point("990102001")


@pytest.fixture
def town2_point(grid_point):
    return grid_point("990102002")


# ---------------------------------------------------------------------------------------- POST


@pytest.mark.django_db
def test_post_with_a_key_files_an_open311_case(o311, issue, town1_point):
    key = issue(TOWNSHIP_1)
    lat, lng, grid = town1_point
    response = o311.post(**fields(key, (lat, lng)))
    assert response.status_code == 201, response.content
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] is None
    case = Case.objects.get(number=answer["service_request_id"])
    assert answer["service_notice"].startswith(f"已登记为事项 {case.number}")
    assert case.channel == "open311"
    assert case.category == "neighbour"
    assert case.region_id == grid and case.grid_code == grid
    assert (case.lat, case.lng) == (lat, lng)
    assert case.created_by is None
    assert case.timeline.get(kind="reported").actor is None
    extra = RequestExtra.objects.get(case=case)
    assert extra.api_key == ApiKey.objects.get()
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_a_hotline_key_files_hotline_cases(o311, issue, town1_point):
    key = issue(COUNTY, channel="hotline", name="市12345热线")
    response = o311.post(**fields(key, town1_point[:2]))
    assert response.status_code == 201, response.content
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).channel == "hotline"


@pytest.mark.django_db
def test_post_as_json_and_answer_as_xml(o311, issue, town1_point):
    key = issue(TOWNSHIP_1)
    body = fields(key, town1_point[:2])
    body["lat"], body["long"] = float(body["lat"]), float(body["long"])  # numbers in JSON
    response = o311.post_json(body)
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]

    response = o311.post("requests.xml", **fields(key, town1_point[:2]))
    assert response.status_code == 201
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == ["service_request_id", "service_notice", "account_id"]
    assert request.findtext("service_request_id") not in ("", number)
    assert Case.objects.filter(channel="open311").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_post_without_a_valid_key_is_403_and_stores_nothing(o311, issue, town1_point, key):
    before = Case.objects.count()
    response = o311.post(**fields(key, town1_point[:2]))
    assert response.status_code == 403
    [error] = response.json()
    assert error["code"] == 403 and "api_key" in error["description"]
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_a_revoked_key_is_refused(o311, issue, town1_point):
    raw = issue(TOWNSHIP_1)
    ApiKey.objects.get().revoke()
    before = Case.objects.count()
    response = o311.post("requests.xml", **fields(raw, town1_point[:2]))
    assert response.status_code == 403
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    assert Case.objects.count() == before
    assert o311.get("requests.json", api_key=raw).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"description": None}, 400, "description"),
        ({"description": "   "}, 400, "description"),
        ({"description": "长" * 4001}, 400, "description"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "potholes"}, 404, "service_code"),
        ({"lat": None}, 400, "lat"),
        ({"lat": "abc"}, 400, "lat"),
        ({"long": "200"}, 400, "long"),
        ({"lat": None, "long": None}, 400, "address_string"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": PHONE}, 400, "first_name"),
        ({"phone": "123", "last_name": "王"}, 400, "phone"),
        ({"client_id": "not-a-uuid"}, 400, "client_id"),
        (
            {"region_code": TOWNSHIP_2, "lat": None, "long": None, "address_string": "某路1号"},
            400,
            "region_code",
        ),
    ],
)
def test_bad_fields_are_named_and_store_nothing(o311, issue, town1_point, overrides, status, field):
    key = issue(TOWNSHIP_1)
    before = (Case.objects.count(), Person.objects.count())
    response = o311.post(**fields(key, town1_point[:2], **overrides))
    assert response.status_code == status, response.content
    assert field in error_descriptions(response)
    assert all(error["code"] in (400, 404) for error in response.json())
    assert (Case.objects.count(), Person.objects.count()) == before


@pytest.mark.django_db
def test_a_location_outside_the_keys_region_is_400(o311, issue, town2_point):
    key = issue(TOWNSHIP_1)
    before = Case.objects.count()
    response = o311.post(**fields(key, town2_point[:2]))
    assert response.status_code == 400
    assert "lat/long" in error_descriptions(response)
    far = o311.post(**fields(key, (31.2, 121.5)))  # Shanghai: no grid of this platform
    assert far.status_code == 400 and "lat/long" in error_descriptions(far)
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_an_address_only_request_lands_in_the_keys_region(o311, issue):
    key = issue(TOWNSHIP_1)
    response = o311.post(**fields(key, address_string="东风村三组12号", address_id="A-889"))
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.region_id == TOWNSHIP_1 and case.level == "town"
    assert case.address == "东风村三组12号" and case.lat is None
    assert case.open311_extra.address_id == "A-889"


@pytest.mark.django_db
def test_personal_data_is_kept_only_encrypted(o311, issue, town1_point):
    key = issue(TOWNSHIP_1)
    response = o311.post(
        **fields(
            key,
            town1_point[:2],
            first_name="建国",
            last_name="王",
            phone=PHONE,
            email="wang@example.com",
            device_id="dev-1",
            account_id="acc-7",
            media_url="https://example.com/photo.jpg",
            **{"attribute[floor]": "3"},
        )
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    party = Party.objects.select_related("person").get(case=case)
    assert party.role == "applicant" and party.person.name == "王建国"
    assert party.person.phone == "+86" + PHONE
    assert PHONE not in party.person.phone_encrypted
    extra = case.open311_extra
    assert extra.email == "wang@example.com" and "wang@" not in extra.email_encrypted
    assert (extra.device_id, extra.account_id) == ("dev-1", "acc-7")
    assert extra.media_url == "https://example.com/photo.jpg"
    assert extra.attributes == {"floor": "3"}
    row = RequestExtra.objects.filter(pk=case.pk).values().get()
    assert "wang@example.com" not in json.dumps(row, default=str)

    # Nothing personal comes back out, in either format.
    for path in (
        f"requests/{case.number}.json",
        f"requests/{case.number}.xml",
        "requests.json",
        "requests.xml",
    ):
        body = o311.get(path, api_key=key).content.decode()
        assert case.number in body
        for secret in (PHONE, "王建国", "建国", "wang@example.com", "dev-1", "acc-7"):
            assert secret not in body, (path, secret)
        assert "https://example.com/photo.jpg" in body


@pytest.mark.django_db
def test_numbers_typed_into_the_description_are_masked_on_reading(o311, issue):
    key = issue(TOWNSHIP_1)
    case = file(
        o311, key, description=f"王女士(电话{PHONE})反映邻居占用楼道堆放杂物。", address_string="幸福小区3栋"
    )
    assert PHONE in case.description  # stored as given, for the staff
    for path in (f"requests/{case.number}.json", f"requests/{case.number}.xml"):
        body = o311.get(path, api_key=key).content.decode()
        assert PHONE not in body and "139****5678" in body


@pytest.mark.django_db
def test_client_id_makes_a_post_idempotent(o311, issue, town1_point):
    key = issue(TOWNSHIP_1)
    client_id = str(uuid.uuid4())
    first = o311.post(**fields(key, town1_point[:2], client_id=client_id))
    again = o311.post(**fields(key, town1_point[:2], client_id=client_id))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Case.objects.filter(client_id=client_id).count() == 1
    other = o311.post(**fields(issue(TOWNSHIP_1), town1_point[:2], client_id=client_id))
    assert other.status_code == 400 and "client_id" in error_descriptions(other)


# ---------------------------------------------------------------------------------------- GET


def file(o311, key, point=None, **overrides):
    if point is None:
        overrides.setdefault("address_string", "测试地址")
    response = o311.post(**fields(key, point, **overrides))
    assert response.status_code == 201, response.content
    return Case.objects.get(number=response.json()[0]["service_request_id"])


REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.mark.django_db
def test_get_one_request_in_json_and_xml(o311, issue, town1_point):
    key = issue(TOWNSHIP_1)
    case = file(o311, key, town1_point[:2], description="井盖<缺失>&路灯不亮,夜里有人摔倒")
    [request] = o311.get(f"requests/{case.number}.json", api_key=key).json()
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == case.number
    assert request["status"] == "open" and request["status_notes"] == "待受理"
    assert request["service_code"] == "neighbour" and request["service_name"] == "邻里纠纷"
    assert request["description"] == "井盖<缺失>&路灯不亮,夜里有人摔倒"
    assert request["agency_responsible"] == case.handling_unit.name
    assert request["requested_datetime"].endswith("+08:00")
    assert request["expected_datetime"].endswith("+08:00")
    assert (request["lat"], request["long"]) == (case.lat, case.lng)

    response = o311.get(f"requests/{case.number}.xml", api_key=key)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    [element] = root.findall("request")
    assert [child.tag for child in element] == REQUEST_FIELDS
    assert element.findtext("description") == "井盖<缺失>&路灯不亮,夜里有人摔倒"
    assert element.findtext("status") == "open"

    missing = o311.get("requests/990102-20000101-0001.json", api_key=key)
    assert missing.status_code == 404 and "service_request_id" in error_descriptions(missing)


@pytest.mark.django_db
def test_reads_need_a_key_and_stay_inside_its_region(o311, issue, town1_point, town2_point):
    town1_key, town2_key, county_key = issue(TOWNSHIP_1), issue(TOWNSHIP_2), issue(COUNTY)
    mine = file(o311, town1_key, town1_point[:2])
    theirs = file(o311, town2_key, town2_point[:2])

    assert o311.get("requests.json").status_code == 403
    assert o311.get(f"requests/{mine.number}.json").status_code == 403
    assert o311.get(f"requests/{mine.number}.json", api_key="wrong").status_code == 403

    assert o311.get(f"requests/{theirs.number}.json", api_key=town1_key).status_code == 404
    listed = {r["service_request_id"] for r in o311.get("requests.json", api_key=town1_key).json()}
    assert mine.number in listed and theirs.number not in listed
    ids = f"{mine.number},{theirs.number}"
    by_ids = o311.get("requests.json", api_key=town1_key, service_request_id=ids).json()
    assert [r["service_request_id"] for r in by_ids] == [mine.number]

    county = {r["service_request_id"] for r in o311.get("requests.json", api_key=county_key).json()}
    assert {mine.number, theirs.number} <= county
    # The key may also come as a header.
    response = o311.client.get(f"/open311/v2/requests/{mine.number}.json", HTTP_X_API_KEY=town1_key)
    assert response.status_code == 200


@pytest.mark.django_db
def test_filters_service_code_status_and_dates(o311, issue, users):
    key = issue(TOWNSHIP_1)
    neighbour = file(o311, key, service_code="neighbour")
    wages = file(o311, key, service_code="labour_wages", description="工地老板拖欠我们十几个人三个月工资。")
    rejected = file(o311, key, service_code="consumer", description="买的电器坏了商家不给退。")
    take_action(  # consumer matters are routed to the county's market regulator
        rejected, users["county"], "reject", note="不属于本中心受理范围,已告知当事人向市场监管部门反映。"
    )
    with clock.at(timezone.now() - timedelta(days=200)):
        old = file(o311, key, service_code="neighbour")

    def numbers(**params):
        response = o311.get("requests.json", api_key=key, **params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    recent = numbers()
    assert set(recent) >= {neighbour.number, wages.number, rejected.number}
    assert old.number not in recent  # default window: the last 90 days
    assert recent == sorted(recent, key=lambda n: Case.objects.get(number=n).reported_at, reverse=True)

    assert neighbour.number in numbers(service_code="neighbour")
    assert wages.number not in numbers(service_code="neighbour")
    assert set(numbers(service_code="neighbour,labour_wages")) >= {neighbour.number, wages.number}

    closed = numbers(status="closed")
    assert rejected.number in closed and neighbour.number not in closed
    opened = numbers(status="open")
    assert neighbour.number in opened and rejected.number not in opened

    day = timezone.localtime(old.reported_at).date()
    assert numbers(start_date=str(day - timedelta(days=1)), end_date=str(day + timedelta(days=1))) == [
        old.number
    ]
    start = (old.reported_at - timedelta(hours=1)).isoformat()
    assert old.number in numbers(start_date=start)
    assert old.number in numbers(end_date=(old.reported_at + timedelta(days=10)).isoformat())
    # an unescaped "+" of the offset arrives as a space
    assert old.number in numbers(start_date=start.replace("+", " "))
    # ids override every other filter
    assert numbers(service_request_id=old.number, service_code="labour_wages") == [old.number]

    for params, field in [
        ({"status": "pending"}, "status"),
        ({"service_code": "potholes"}, "service_code"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2025-01-01", "end_date": "2025-12-31"}, "90 days"),
        ({"start_date": "2025-03-01", "end_date": "2025-02-01"}, "end_date"),
    ]:
        response = o311.get("requests.json", api_key=key, **params)
        assert response.status_code == 400, params
        assert field in error_descriptions(response)


@pytest.mark.django_db
def test_a_closed_case_reads_closed(o311, issue, users):
    key = issue(TOWNSHIP_1)
    case = file(o311, key, address_string="东风村三组12号")
    take_action(case, users["town1"], "accept")
    take_action(case, users["town1"], "start")
    take_action(case, users["town1"], "resolve", note="双方达成协议,共同清理排水沟。")
    [request] = o311.get(f"requests/{case.number}.json", api_key=key).json()
    assert request["status"] == "open"  # resolved, not yet verified and closed
    take_action(case, users["county"], "verify")
    take_action(case, users["town1"], "close", satisfaction=5)
    [request] = o311.get(f"requests/{case.number}.json", api_key=key).json()
    assert request["status"] == "closed" and request["status_notes"] == "已结案"
    root = ET.fromstring(o311.get(f"requests/{case.number}.xml", api_key=key).content)
    assert root.findtext("request/status") == "closed"
    assert case.number in [
        r["service_request_id"] for r in o311.get("requests.json", api_key=key, status="closed").json()
    ]


@pytest.mark.django_db
def test_other_methods_are_not_allowed(o311, issue):
    assert o311.client.put("/open311/v2/requests.json").status_code == 405
    assert o311.client.post("/open311/v2/services.json").status_code == 405
