"""The bulk path of the cases ledger (ledgers.bulk): for the same sheet it stores exactly what the
row-by-row intake path stores, refuses the same bad rows with nothing written, never duplicates,
and keeps historical matters as the ledger records them."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection, transaction

from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Case, CaseSequence, CaseText, Clock, TimelineEntry
from fengqiao.ledgers.imports import ImportRejected, import_ledger
from fengqiao.notices.models import Notice
from fengqiao.people.models import Person
from fengqiao.regions.models import Region
from fengqiao.triage.models import TextBand, TextSignature

from .conftest import TOWN1, TOWN2, workbook

pytestmark = pytest.mark.django_db

HEADERS = [
    "来源渠道",
    "事项类别",
    "标题",
    "事项描述",
    "发生时间",
    "发生地点",
    "区划代码",
    "申请人",
    "申请人电话",
    "申请人身份证号",
    "被申请人",
    "被申请人电话",
]
HISTORY_HEADERS = [*HEADERS, "登记时间", "办理状态", "办结时间", "结案时间"]
ID_NUMBER = "11010519491231002X"  # a valid GB 11643 checksum, born 1949: over 75


def row(**fields):
    values = {
        "来源渠道": "窗口受理",
        "事项类别": "邻里纠纷",
        "事项描述": "两户因院墙滴水发生争执,要求村里调解",
        "发生地点": "城关镇东街12号",
        "区划代码": TOWN1,
        "申请人": "王五",
        "申请人电话": "13700137000",
        "被申请人": "赵六",
    }
    values.update(fields)
    return values


def mixed_sheet(grid: str):
    """Rows that exercise every step of intake: classification by the model, routing, person files
    matched and filled across rows, shared parties, same place, near-duplicate text, high risk, a
    repeated row."""
    return [
        row(),
        row(
            事项类别="", 事项描述="工地夜间施工噪音扰民,多次反映没人管", 申请人="", 申请人电话="", 被申请人=""
        ),
        row(申请人身份证号=ID_NUMBER, 事项描述="两户因院墙滴水又发生争执,要求村里调解处理"),
        row(
            区划代码=grid,
            事项类别="山林土地纠纷",
            事项描述="两家为山林界址争吵多年,扬言要拿刀砍人,已经打伤一位独居老人",
        ),
        row(
            区划代码=grid,
            事项类别="山林土地纠纷",
            事项描述="两家为山林界址争吵多年,一直没解决",
            申请人="钱八",
        ),
        row(
            区划代码=TOWN2,
            事项类别="劳动争议纠纷(含欠薪)",
            事项描述="工地拖欠30名工人工资共25万元",
            申请人="孙七",
        ),
        row(事项类别="信访事项", 事项描述="反映小区外道路多年未修", 被申请人=""),
        row(),  # the first row again: the same case, counted once
        row(
            申请人="王五",
            申请人电话="13700137000",
            被申请人电话="13900139000",
            事项描述="王五与赵六再次因排水起争执",
        ),
    ]


def snapshot() -> dict:
    """Everything an import writes, keyed by what does not depend on row ids."""
    cases = {}
    for case in Case.objects.order_by("number").select_related("handling_unit"):
        cases[case.number] = {
            "fields": {
                name: getattr(case, name)
                for name in [
                    "client_id",
                    "channel",
                    "title",
                    "description",
                    "category",
                    "track",
                    "level",
                    "status",
                    "region_id",
                    "grid_code",
                    "address",
                    "occurred_at",
                    "reported_at",
                    "deadline_at",
                    "risk",
                    "risk_reasons",
                    "classification",
                    "needs_triage",
                    "resolved_at",
                    "closed_at",
                    "created_by_id",
                    "overdue",
                ]
            },
            "handler": case.handling_unit.code if case.handling_unit else None,
            "parties": sorted(
                (
                    (p.role, p.person.name, p.person.id_number_hash, p.person.phone_hash, p.person.region_id)
                    for p in case.parties.select_related("person")
                ),
                key=repr,
            ),
            "timeline": sorted(
                (
                    (e.kind, e.note, repr(sorted(e.data.items())), e.actor_id, e.at)
                    for e in case.timeline.all()
                ),
                key=repr,
            ),
            "links": sorted(
                (link.other.number, link.reason, link.score) for link in case.links.select_related("other")
            ),
            "clocks": sorted(
                (
                    (c.stage, c.level, c.unit_id, c.started_at, c.due_at, c.yellow_at, c.rule)
                    for c in Clock.objects.filter(case=case)
                ),
                key=repr,
            ),
            "assignments": sorted((a.unit_id, a.lead, a.state, a.note) for a in case.assignments.all()),
            "bands": sorted(TextBand.objects.filter(case=case).values_list("band", "county", "reported_at")),
            "signature": bytes(TextSignature.objects.get(case=case).hashvalues),
            # the text search's copy (PostgreSQL's triggers; none on SQLite)
            "text": list(CaseText.objects.filter(case=case).values_list("title", "description")),
        }
    people = sorted(
        (
            (p.name, p.name_pinyin, p.id_number_hash, p.phone_hash, p.region_id, p.id_number, p.phone)
            for p in Person.objects.all()
        ),
        key=repr,
    )
    notices = sorted(Notice.objects.values_list("recipient_id", "kind", "title", "case__number"), key=repr)
    return {"cases": cases, "people": people, "notices": notices}


class Discard(Exception):
    pass


def imported(sheet_rows, user, bulk, headers=HEADERS):
    """(result, what the database holds afterwards), then everything rolled back."""
    try:
        with transaction.atomic():
            result = import_ledger("cases", workbook(headers, sheet_rows), user, bulk=bulk)
            seen = snapshot()
            raise Discard
    except Discard:
        pass
    return result, seen


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL), tick=False)
def test_the_bulk_path_stores_what_the_intake_path_stores(users):
    grid = Region.objects.filter(code__startswith="990102001", kind="grid").values_list("code", flat=True)[0]
    sheet = mixed_sheet(grid)
    slow, by_rows = imported(sheet, users["county"], bulk=False)
    fast, by_bulk = imported(sheet, users["county"], bulk=True)
    all_cases = by_rows["cases"].values()
    assert fast.created == slow.created and fast.existing == slow.existing
    assert len(slow.created) == 8 and len(slow.existing) == 1
    assert by_bulk["people"] == by_rows["people"]
    assert by_bulk["notices"] == by_rows["notices"]
    assert by_bulk["cases"].keys() == by_rows["cases"].keys()
    for number, stored in by_rows["cases"].items():
        assert by_bulk["cases"][number] == stored, number
    if connection.vendor == "postgresql":
        assert all(c["text"] == [(c["fields"]["title"], c["fields"]["description"])] for c in all_cases)
    # the sheet really exercised the steps compared above
    assert any(c["fields"]["classification"]["source"] == "model" for c in all_cases)
    assert any(c["fields"]["risk"] >= 70 for c in all_cases)
    assert any(c["links"] for c in all_cases)
    assert any(c["assignments"] for c in all_cases)
    assert any("imported" in {entry[0] for entry in c["timeline"]} for c in all_cases)


def test_bad_rows_are_named_and_nothing_is_stored(users):
    before = (
        Case.objects.count(),
        Person.objects.count(),
        list(CaseSequence.objects.values_list("key", "value")),
    )
    sheet = workbook(
        HISTORY_HEADERS,
        [
            row(),
            row(申请人身份证号="110105194912310021"),
            row(申请人电话="12345", 事项类别="打架"),
            row(区划代码="990102999000"),
            row(事项描述=""),
            row(办理状态="已结案", 登记时间="2025-03-01"),
            row(办理状态="办理中"),
        ],
    )
    with pytest.raises(ImportRejected) as error:
        import_ledger("cases", sheet, users["town1"], bulk=True)
    found = {(e.row, e.column) for e in error.value.errors}
    assert {(3, "申请人身份证号"), (4, "申请人电话"), (4, "事项类别"), (6, "事项描述")} <= found
    assert {(7, "结案时间"), (8, "办理状态")} <= found
    # the region outside one's own is found at the next stage, also before anything is written
    with pytest.raises(ImportRejected) as error:
        import_ledger("cases", workbook(HEADERS, [row(), row(区划代码=TOWN2)]), users["town1"], bulk=True)
    assert [(e.row, e.column, e.reason) for e in error.value.errors] == [
        (3, "区划代码", "没有此区划或不在您的管辖区划内")
    ]
    after = (
        Case.objects.count(),
        Person.objects.count(),
        list(CaseSequence.objects.values_list("key", "value")),
    )
    assert after == before


def test_the_same_sheet_again_creates_nothing_whichever_path_took_it_first(users):
    sheet = [row(), row(事项描述="楼上漏水淹了楼下厨房", 申请人="周九")]
    first = import_ledger("cases", workbook(HEADERS, sheet), users["town1"])
    cases, people, entries = Case.objects.count(), Person.objects.count(), TimelineEntry.objects.count()
    again = import_ledger("cases", workbook(HEADERS, sheet), users["town1"], bulk=True)
    assert again.created == [] and sorted(again.existing) == sorted(first.created)
    third = import_ledger("cases", workbook(HEADERS, sheet), users["town1"], bulk=True)
    assert third.existing == again.existing
    assert (Case.objects.count(), Person.objects.count(), TimelineEntry.objects.count()) == (
        cases,
        people,
        entries,
    )


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL), tick=False)
def test_historical_matters_keep_their_dates_and_status(users):
    sheet = workbook(
        HISTORY_HEADERS,
        [
            row(登记时间="2024-05-06 09:00", 办理状态="已结案", 办结时间="2024-05-10", 结案时间="2024-05-12"),
            row(登记时间="2024-05-06 15:00", 办理状态="已办结待核查", 办结时间="2024-05-20", 申请人="吴十"),
            row(登记时间="2026-10-01", 事项描述="村道被占用堆放建材,通行困难", 申请人="郑一"),
        ],
    )
    # the row-by-row path takes current matters only
    with pytest.raises(ImportRejected) as error:
        import_ledger("cases", sheet, users["town1"])
    assert {e.column for e in error.value.errors} == {"登记时间", "办理状态", "办结时间", "结案时间"}
    sheet.seek(0)
    result = import_ledger("cases", sheet, users["town1"], bulk=True)
    closed, resolved, still_open = (Case.objects.get(number=n) for n in result.created)
    assert closed.number.startswith("990102-20240506-") and resolved.number.startswith("990102-20240506-")
    assert closed.number != resolved.number
    assert (closed.status, resolved.status, still_open.status) == ("closed", "resolved", "reported")
    assert closed.closed_at.astimezone(LOCAL).date().isoformat() == "2024-05-12"
    assert closed.resolved_at.astimezone(LOCAL).date().isoformat() == "2024-05-10"
    assert not closed.clocks.exists() and not resolved.clocks.exists() and closed.deadline_at is None
    assert still_open.clocks.filter(outcome="running").count() == 2 and still_open.deadline_at is not None
    notes = list(closed.timeline.values_list("kind", "note"))
    assert ("imported", "由《矛盾纠纷排查化解台账》第 2 行导入,台账记载:已结案") in notes
    reported = closed.timeline.get(kind="reported")
    assert reported.at == closed.reported_at


def test_the_api_and_the_page_take_the_bulk_path(client, api, users):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api('county').token}"}
    history = [row(登记时间="2025-03-01 09:00", 办理状态="已结案", 结案时间="2025-03-20")]
    response = client.post(
        "/api/v1/ledgers/cases/import?bulk=true", {"file": workbook(HISTORY_HEADERS, history)}, **headers
    )
    assert response.status_code == 200
    (number,) = response.json()["created"]
    assert Case.objects.get(number=number).status == "closed"
    bad = workbook(HISTORY_HEADERS, [row(申请人电话="123", 办理状态="已结案")])
    response = client.post("/api/v1/ledgers/cases/import?bulk=true", {"file": bad}, **headers)
    assert response.status_code == 422
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {
        (2, "申请人电话"),
        (2, "结案时间"),
    }
    client.force_login(users["town1"])
    assert "批量导入历史台账" in client.get("/ledgers/").content.decode()
    sheet = workbook(
        HISTORY_HEADERS, [row(登记时间="2025-04-01", 办理状态="已办结待核查", 办结时间="2025-04-09")]
    )
    response = client.post("/ledgers/cases/import/", {"file": sheet, "bulk": "1"})
    assert response.status_code == 200 and "导入完成" in response.content.decode()


def test_a_clash_while_writing_is_reported_and_nothing_is_kept(users, monkeypatch):
    from django.db import IntegrityError

    from fengqiao.ledgers import bulk

    def clashing(new):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(bulk, "_file_people", clashing)
    before = (Case.objects.count(), TimelineEntry.objects.count())
    with pytest.raises(ImportRejected) as error:
        import_ledger("cases", workbook(HEADERS, [row()]), users["town1"], bulk=True)
    assert [(e.row, e.reason) for e in error.value.errors] == [(0, "保存时与其他操作冲突,请重新导入")]
    assert (Case.objects.count(), TimelineEntry.objects.count()) == before


@time_machine.travel(datetime(2026, 9, 29, 16, 0, tzinfo=LOCAL), tick=False)
def test_with_deadline_and_routing_rules_the_bulk_path_still_stores_what_intake_stores(users):
    """The bulk path reads the routing version once per sheet (routing.route_many) and every
    deadline rule once (deadlines.limits): with admin rules in play — a unit's own limit, working
    days over National Day onto the make-up Saturday, a township's routing rule — its clocks and
    routes are still intake's."""
    from fengqiao.accounts.models import Unit
    from fengqiao.cases.models import DeadlineRule
    from fengqiao.triage.models import RoutingRule

    mediation = Unit.objects.get(code="990102001-mediation")
    DeadlineRule.objects.bulk_create(
        [
            DeadlineRule(stage="handle", level="town", amount=5, counting="working"),
            DeadlineRule(stage="handle", category="neighbour", level="town", amount=3, counting="working"),
            DeadlineRule(stage="accept", unit=mediation, amount=2, counting="working", yellow_after=1),
            DeadlineRule(stage="accept", category="petition", amount=1),  # the statute wins
        ]
    )
    RoutingRule.objects.create(
        category="neighbour",
        region_id=TOWN1,
        name="城关镇邻里纠纷由镇调委会调解",
        level="town",
        track="mediation",
        lead_department="justice",
        lead_kind="mediation",
        reason="本镇规则",
    )
    grid = Region.objects.filter(code__startswith="990102001", kind="grid").values_list("code", flat=True)[0]
    sheet = mixed_sheet(grid)
    slow, by_rows = imported(sheet, users["county"], bulk=False)
    fast, by_bulk = imported(sheet, users["county"], bulk=True)
    assert fast.created == slow.created
    assert by_bulk == by_rows
    clocks = [clock for case in by_rows["cases"].values() for clock in case["clocks"]]
    assert any(rule.startswith("办理") and "工作日" in rule for *_, rule in clocks)
    assert any(unit == mediation.pk and stage == "accept" for stage, _, unit, *_ in clocks)
    assert any(
        c["fields"]["classification"]["routing"]["rule"] == "城关镇邻里纠纷由镇调委会调解"
        for c in by_rows["cases"].values()
    )
    # working-day limits run over National Day (1-7 October) and count the make-up Saturday
    due_days = {due.astimezone(LOCAL).date() for *_, due, _, rule in clocks if "工作日" in rule}
    assert due_days and not due_days & {datetime(2026, 10, day).date() for day in range(1, 8)}
