"""Evaluation of townships and departments on a fixed data set: the figures, the weighted score
and the ranking match values computed by hand; the Excel export opens and its totals match the API."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from fengqiao.accounts.models import Unit
from fengqiao.cases.models import Case, FollowUp
from fengqiao.evaluation.models import ChecklistItem
from fengqiao.supervision.models import SupervisionNotice

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}
TOWN1, TOWN2 = "990102001000", "990102002000"
POLICE = "990102-public_security"


def settle(case, **fields):
    fields.setdefault("reported_at", datetime(2026, 1, 10, 2, tzinfo=UTC))
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


@pytest.fixture
def january(make_case):
    """Township 1: four cases (two closed, one resolved at the county by the police, one late and
    open), one letter; township 2: one closed case. Nothing else happened in January 2026."""
    police = Unit.objects.get(code=POLICE)
    c1 = settle(make_case(), status="closed", level="village", satisfaction=5)
    c2 = settle(make_case(), status="closed", level="town", satisfaction=3, overdue=True)
    c3 = settle(make_case(), status="resolved", level="county", handling_unit=police)
    c4 = settle(make_case(), status="in_progress", level="town", overdue=True)
    settle(make_case("town2", township="990102002"), status="closed", level="village", satisfaction=4)
    FollowUp.objects.create(
        case=c1,
        due_at=datetime(2026, 1, 20, tzinfo=UTC),
        token="t" * 43,
        asked_at=datetime(2026, 1, 20, tzinfo=UTC),
        answered_at=datetime(2026, 1, 21, tzinfo=UTC),
        settled=True,
    )
    SupervisionNotice.objects.create(
        case=c4,
        letter="supervision",
        year=2026,
        serial=1,
        unit=c4.handling_unit,
        reason="已超过办理时限",
        issued_at=datetime(2026, 1, 18, tzinfo=UTC),
        reply_due_at=datetime(2026, 1, 21, tzinfo=UTC),
    )
    return [c1, c2, c3, c4]


def test_township_scores_match_the_hand_computed_values(api, january):
    item = ChecklistItem.objects.get(name="不发生群体性事件")  # 10 points, from the demo checklist
    filled = api("county").post(
        "/evaluation/checklist",
        {
            "item": item.pk,
            "region_code": TOWN1,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "passed": False,
        },
    )
    assert filled.status_code == 201, filled.content

    result = api("county").get("/evaluation", kind="township", **JANUARY).json()
    rows = {row["code"]: row for row in result["rows"]}
    one, two = rows[TOWN1], rows[TOWN2]
    assert (one["received"], one["resolved"], one["overdue"], one["notices"]) == (4, 3, 2, 1)
    assert one["resolution_rate"] == 0.75
    assert one["on_time_rate"] == 0.6667  # c1 and c3 of three settled
    assert one["satisfaction"] == 4.0  # (5 + 3) / 2
    assert one["follow_up_rate"] == 0.5  # one of two closed
    assert one["grassroots_share"] == 0.6667  # c1 (village), c2 (town) of three settled
    # (30·75 + 25·66.67 + 15·80 + 10·50 + 20·66.67) / 100 = 69.5015; − 2 overdue − 0.5 letter − 10 checklist
    assert one["score"] == 57.0
    assert one["checklist_failed"] == ["不发生群体性事件"]
    # (30·100 + 25·100 + 15·80 + 10·0 + 20·100) / 100
    assert two["score"] == 87.0
    assert (two["rank"], one["rank"]) == (1, 2)
    others = [row for code, row in rows.items() if code not in (TOWN1, TOWN2)]
    assert all(row["received"] == 0 and row["score"] is None and row["rank"] is None for row in others)
    assert result["totals"] == {
        "received": 5,
        "resolved": 4,
        "resolution_rate": 0.8,
        "on_time_rate": 0.75,
        "satisfaction": 4.0,
        "follow_up_rate": 0.3333,
        "grassroots_share": 0.75,
        "overdue": 2,
        "notices": 1,
        "yellow_cards": 0,
        "red_cards": 0,
    }


def test_cards_given_in_the_period_count_against_the_township_and_the_unit_that_held_the_clock(api, january):
    from fengqiao.cases.models import Card, Clock

    c3 = january[2]  # township 1's case the police resolved
    before = {
        row["code"]: row
        for row in api("county").get("/evaluation", kind="township", **JANUARY).json()["rows"]
    }
    at = datetime(2026, 1, 15, tzinfo=UTC)
    clock = Clock.objects.create(
        case=c3, stage="handle", level="county", unit=c3.handling_unit, started_at=at, due_at=at, yellow_at=at
    )
    Card.objects.create(case=c3, clock=clock, unit=c3.handling_unit, colour="yellow", stage="handle", at=at)
    Card.objects.create(case=c3, clock=clock, unit=c3.handling_unit, colour="red", stage="handle", at=at)
    late = Clock.objects.create(
        case=c3, stage="handle", level="county", unit=c3.handling_unit, started_at=at, due_at=at, yellow_at=at
    )
    february = datetime(2026, 2, 3, tzinfo=UTC)
    Card.objects.create(case=c3, clock=late, unit=c3.handling_unit, colour="red", stage="handle", at=february)

    township = api("county").get("/evaluation", kind="township", **JANUARY).json()
    one = next(row for row in township["rows"] if row["code"] == TOWN1)
    assert (one["yellow_cards"], one["red_cards"]) == (1, 1)  # February's card is not January's
    assert one["score"] == pytest.approx(before[TOWN1]["score"] - 0.2 - 0.5)  # the default card weights
    assert (township["totals"]["yellow_cards"], township["totals"]["red_cards"]) == (1, 1)
    department = api("county").get("/evaluation", kind="department", **JANUARY).json()
    police = next(row for row in department["rows"] if row["code"] == POLICE)
    assert (police["yellow_cards"], police["red_cards"]) == (1, 1)


def test_department_scores_leave_out_rates_without_a_denominator(api, january):
    result = api("county").get("/evaluation", kind="department", **JANUARY).json()
    police = next(row for row in result["rows"] if row["code"] == POLICE)
    assert (police["received"], police["resolved"]) == (1, 1)
    assert police["satisfaction"] is None and police["follow_up_rate"] is None
    assert police["grassroots_share"] == 0.0
    # (30·100 + 25·100 + 20·0) / 75
    assert police["score"] == 73.33 and police["rank"] == 1


def test_the_excel_export_opens_and_its_totals_match_the_api(api, january, client, users):
    expected = api("county").get("/evaluation", kind="township", **JANUARY).json()
    response = api("county").get("/evaluation.xlsx", kind="township", **JANUARY)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    last = {header[index]: cell.value for index, cell in enumerate(sheet[sheet.max_row])}
    assert last["排名"] == "合计"
    totals = expected["totals"]
    assert (last["受理数"], last["化解数"], last["超期件数"], last["督办函数"]) == (
        totals["received"],
        totals["resolved"],
        totals["overdue"],
        totals["notices"],
    )
    assert last["化解率"] == totals["resolution_rate"]
    body = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row - 1)]
    assert sum(row[header.index("受理数")] for row in body) == totals["received"]

    client.force_login(users["county"])
    page = client.get("/evaluation/", {"kind": "township", **JANUARY})
    assert page.status_code == 200
    assert "督查考核" in page.content.decode() and "导出 Excel" in page.content.decode()
    same = client.get("/evaluation/export.xlsx", {"kind": "township", **JANUARY})
    assert load_workbook(BytesIO(same.content)).active.max_row == sheet.max_row


def test_weights_are_set_by_admins(api, january):
    from fengqiao.evaluation.models import ScoringWeights

    ScoringWeights.objects.create(
        resolution_rate=100,
        on_time_rate=0,
        satisfaction=0,
        follow_up_rate=0,
        grassroots_share=0,
        overdue_penalty=0,
        notice_penalty=0,
    )
    rows = {row["code"]: row for row in api("county").get("/evaluation", **JANUARY).json()["rows"]}
    assert rows[TOWN1]["score"] == 75.0 and rows[TOWN2]["score"] == 100.0


def test_scope_and_roles(api, january):
    town1 = api("town1").get("/evaluation", **JANUARY).json()
    assert [row["code"] for row in town1["rows"]] == [TOWN1]
    item = ChecklistItem.objects.first()
    body = {
        "item": item.pk,
        "region_code": TOWN2,
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "passed": False,
    }
    assert api("town1").post("/evaluation/checklist", body).status_code == 422  # not theirs
    assert api("leader").post("/evaluation/checklist", body).status_code == 403
    assert api("county").get("/evaluation", kind="nonsense").status_code == 422
    assert api("county").get("/evaluation", **{"from": "2026-02-01", "to": "2026-01-01"}).status_code == 422
