"""Intake answers a new case from what it wrote, without reading the case back: the 201 must be,
byte for byte, what GET /api/v1/cases/{number} gives right after. And what intake now computes
before the case's INSERT (risk, the clocks' limits in one read) must equal the one-by-one answers."""

import json
import uuid

import pytest

from fengqiao.cases import deadlines
from fengqiao.cases.actions import _NewClocks
from fengqiao.cases.models import Case, Clock, DeadlineRule, SkipLevelRule
from fengqiao.cases.tests.test_cases_api import VALID_ID
from fengqiao.cases.tests.test_cases_api import body as api_body
from fengqiao.triage import risk
from fengqiao.triage.service import risk_signals

OTHER_ID = "110105198001010016"


def body(**overrides):
    """test_cases_api's case, with a client id of its own."""
    return api_body(**{"client_id": str(uuid.uuid4()), **overrides})


def assert_same_as_get(client, payload):
    created = client.post("/cases", payload)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    fetched = client.get(f"/cases/{number}")
    assert fetched.status_code == 200
    if created.content != fetched.content:  # show where, then fail on the bytes
        assert created.json() == fetched.json()
    assert created.content == fetched.content
    return created.json()


@pytest.mark.django_db
def test_the_201_is_what_a_get_gives_right_after(api, grid_point):
    town1, county = api("town1"), api("county")
    lat, lng, _ = grid_point("990102001")
    SkipLevelRule.objects.create(name="命案越级", keywords=["命案"], notify_levels=["county", "city"])
    DeadlineRule.objects.create(stage=Clock.Stage.HANDLE, category="neighbour", amount=5, yellow_after=2)
    seen = {}

    # Region code, an ID-numbered party (the first intake files the person, later ones find them).
    seen["plain"] = assert_same_as_get(town1, body())
    # A position inside a grid, a local-time occurred_at, an address, two parties.
    seen["position"] = assert_same_as_get(
        town1,
        body(
            region_code=None,
            location={"lat": lat, "lng": lng},
            occurred_at="2026-11-20T21:30:00+08:00",
            address="东门老街3号",
            parties=[
                {"name": "李四", "role": "applicant", "phone": "13912345678", "id_number": VALID_ID},
                {"name": "王五", "role": "respondent", "phone": "13700001111", "id_number": OTHER_ID},
            ],
        ),
    )
    # The same parties and text again: related-case links, a "linked" entry, a history risk.
    seen["linked"] = assert_same_as_get(
        town1,
        body(parties=[{"name": "李四", "role": "applicant", "id_number": VALID_ID}]),
    )
    # High risk (a warning and its notices), the crisis path's entry written by a signal
    # receiver, and a skip-level rule firing.
    seen["crisis"] = assert_same_as_get(
        county,
        body(
            description="当事人扬言要拿菜刀报复邻居,还说活不下去想自杀,怕出命案,请立即处置。",
            category="neighbour",
        ),
    )
    # Assisting units from a routing rule (joint handling), a petition (the statutory
    # acceptance clock only), the classifier's choice.
    seen["assisting"] = assert_same_as_get(
        county, body(category="marriage_family", description="夫妻因抚养孩子问题长期争吵,女方要求调解。")
    )
    seen["petition"] = assert_same_as_get(
        county, body(category="petition", description="群众来信反映征地补偿款迟迟未发放,要求给个说法。")
    )
    seen["classified"] = assert_same_as_get(
        county, body(category=None, description="我家承包的责任田被邻村的人强行占用种树,要求处理。")
    )

    # The scenarios did exercise what they are there for.
    assert seen["position"]["grid_code"] and seen["position"]["occurred_at"]
    assert seen["linked"]["related"] and "linked" in [e["kind"] for e in seen["linked"]["timeline"]]
    kinds = {entry["kind"] for entry in seen["crisis"]["timeline"]}
    assert {"risk_warning", "skip_level", "crisis_opened"} <= kinds, kinds
    assert any(clock["rule"] != deadlines.DEFAULTS["handle"].source for clock in seen["plain"]["clocks"])
    assert Case.objects.get(number=seen["assisting"]["number"]).assignments.exists()
    assert [clock["stage"] for clock in seen["petition"]["clocks"]] == ["accept"]


@pytest.mark.django_db
def test_risk_written_with_the_insert_is_the_risk_of_the_stored_case(api):
    client = api("town1")
    for text in (
        "邻居扬言要砍死我,上次已经打伤过我,这个矛盾三年多了一直没解决。",
        "邻居扬言要砍死我,上次已经打伤过我,这个矛盾三年多了一直没解决。",
        "同一个地方又吵起来了,邻居说要报复。",
    ):
        answer = client.post("/cases", body(description=text))
        assert answer.status_code == 201
        case = Case.objects.get(number=answer.json()["number"])
        people = list(case.parties.values_list("person_id", flat=True))
        expected = risk.score(case.description, risk_signals(case, people, [deadlines_birth()]))
        assert (case.risk, case.risk_reasons) == (expected.score, expected.reasons)
        assert answer.json()["risk"] == expected.score


def deadlines_birth():
    from fengqiao.cases.actions import _birth_date

    return _birth_date(VALID_ID)


@pytest.mark.django_db
def test_one_read_of_the_limits_gives_what_limit_for_gives(users):
    unit = users["town1"].unit
    rules = [
        DeadlineRule(stage="handle", amount=9),
        DeadlineRule(stage="handle", category="neighbour", amount=6, yellow_after=3),
        DeadlineRule(stage="handle", level="township", amount=8),
        DeadlineRule(stage="handle", category="neighbour", level="township", amount=5),
        DeadlineRule(stage="accept", category="neighbour", amount=2, counting="hours"),
        DeadlineRule(stage="accept", unit=unit, amount=1),
        DeadlineRule(stage="handle", category="traffic", level="village", amount=4),
    ]
    DeadlineRule.objects.bulk_create(rules)
    for category in ("neighbour", "traffic", "petition", "environment"):
        for level in ("village", "township", "county"):
            for unit_id in (None, unit.pk):
                batch = _NewClocks()
                for stage in ("handle", "accept"):
                    assert batch.limit_for(stage, category, level, unit_id) == deadlines.limit_for(
                        stage, category, level, unit_id
                    ), (stage, category, level, unit_id)


def test_stored_json_orders_keys_as_jsonb():
    from fengqiao.cases.presenters import stored_json

    value = {"channel": "x", "level": 1, "routing": {"rule": "a", "reason": "b"}, "category": (1, 2)}
    assert list(stored_json(value, "postgresql")) == ["level", "channel", "routing", "category"]
    assert list(stored_json(value, "sqlite")) == ["channel", "level", "routing", "category"]
    assert json.dumps(stored_json(value, "sqlite")["category"]) == "[1, 2]"


@pytest.mark.django_db
def test_hand_written_lookups_give_the_orms_instances(api):
    from fengqiao.cases.actions import _case_with_client_id, rows_where
    from fengqiao.people.actions import _known_people
    from fengqiao.people.models import Person
    from fengqiao.regions.models import Region

    client_id = str(uuid.uuid4())
    answer = api("town1").post("/cases", body(client_id=client_id, occurred_at="2026-11-20T21:30:00+08:00"))
    assert answer.status_code == 201
    DeadlineRule.objects.create(stage="accept", category="neighbour", amount=2, counting="hours")

    def same(found, expected):
        assert [type(row) for row in found] == [type(row) for row in expected]
        for row, other in zip(found, expected, strict=True):
            for model_field in type(other)._meta.concrete_fields:
                mine, theirs = getattr(row, model_field.attname), getattr(other, model_field.attname)
                assert (mine, type(mine)) == (theirs, type(theirs)), model_field.name
            assert row._state.adding is False and row._state.db == other._state.db

    grid = Region.objects.filter(kind="grid", polygon__isnull=False).first()
    same(rows_where(Region, "code = %s", [grid.code]), [grid])
    same([_case_with_client_id(uuid.UUID(client_id))], [Case.objects.get(client_id=client_id)])
    assert _case_with_client_id(uuid.uuid4()) is None
    same(rows_where(DeadlineRule, "category IN (%s, '')", ["neighbour"]), list(DeadlineRule.objects.all()))
    person = Person.objects.get(id_number_hash__isnull=False, name="李四")
    pairs = {(person.name, person.phone_hash)}
    same(_known_people({person.id_number_hash}, pairs), [person])
    same(_known_people(set(), pairs), [person])
