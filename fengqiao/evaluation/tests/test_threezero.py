"""The three zeros: counts from the platform's cases plus reported events, the blue/yellow/orange/red
rating with admin-set thresholds, the warning ledger and compliance per area, on a fixed data set."""

from datetime import UTC, datetime

import pytest

from fengqiao.cases.models import Case
from fengqiao.evaluation.models import ThreeZeroRule, ThreeZeroUnit

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.fixture
def village(grid_point):
    _, _, grid = grid_point("990102001")
    return ThreeZeroUnit.objects.get(region_id=grid[:12])


@pytest.fixture
def enterprise():
    return ThreeZeroUnit.objects.get(name="城关镇建材有限公司")


@pytest.fixture
def january(make_case, api, village, enterprise):
    """In the village: a petition, a traffic accident and a criminal case on the platform, and a
    reported petition; in the enterprise: a reported criminal case."""
    for category in ("petition", "traffic", "public_security"):
        case = make_case(category=category)
        Case.objects.filter(pk=case.pk).update(reported_at=datetime(2026, 1, 12, 3, tzinfo=UTC))
    for unit, kind, reporter in ((village, "petition", "grid1"), (enterprise, "criminal", "town1")):
        response = api(reporter).post(
            f"/threezero/units/{unit.pk}/events",
            {"kind": kind, "occurred_on": "2026-01-15", "description": "登记测试事件"},
        )
        assert response.status_code == 201, response.content


def test_ratings_match_the_hand_computed_values(api, january, village, enterprise):
    report = api("county").get("/threezero", **JANUARY).json()
    units = {row["id"]: row for row in report["units"]}
    one = units[village.pk]
    # 2 petitions·1 + 1 accident·1 + 1 criminal·2 = 5 points: red from 5
    assert (one["petition"], one["accident"], one["criminal"], one["points"]) == (2, 1, 1, 5)
    assert one["rating"] == "red" and not one["compliant"]
    firm = units[enterprise.pk]
    assert (firm["petition"], firm["accident"], firm["criminal"], firm["points"]) == (0, 0, 1, 2)
    assert firm["rating"] == "yellow"  # 1 ≤ 2 < 3
    others = [row for key, row in units.items() if key not in (village.pk, enterprise.pk)]
    assert all(row["rating"] == "blue" and row["compliant"] for row in others)

    warnings = {row["id"]: row for row in report["warnings"]}
    assert set(warnings) == {village.pk, enterprise.pk}  # red, and yellow after blue in December
    assert warnings[enterprise.pk]["worsened"] and warnings[enterprise.pk]["previous_rating"] == "blue"

    town1 = next(area for area in report["areas"] if area["region_code"] == "990102001000")
    in_town1 = [row for row in report["units"] if row["region_code"].startswith("990102001")]
    assert town1["units"] == len(in_town1)
    assert town1["compliant"] == len(in_town1) - 2
    assert town1["compliance_rate"] == round((len(in_town1) - 2) / len(in_town1), 4)
    assert report["totals"]["compliant"] == len(report["units"]) - 2


def test_thresholds_are_set_by_admins(api, january, village):
    ThreeZeroRule.objects.create(criminal_weight=1, yellow_from=1, orange_from=4, red_from=10)
    report = api("county").get("/threezero", **JANUARY).json()
    one = next(row for row in report["units"] if row["id"] == village.pk)
    assert (one["points"], one["rating"]) == (4, "orange")


def test_events_need_a_reporting_role_and_scope(api, village):
    body = {"kind": "accident", "occurred_on": "2026-01-15", "description": "x"}
    assert api("leader").post(f"/threezero/units/{village.pk}/events", body).status_code == 403
    assert api("town2").post(f"/threezero/units/{village.pk}/events", body).status_code == 404
    future = {**body, "occurred_on": "2099-01-01"}
    assert api("grid1").post(f"/threezero/units/{village.pk}/events", future).status_code == 422


def test_the_page_shows_ratings_and_takes_events(client, users, january, village):
    client.force_login(users["county"])
    page = client.get("/threezero/", JANUARY).content.decode()
    assert "预警台账" in page and village.name in page and "红色" in page
    client.force_login(users["grid1"])
    response = client.post(
        "/threezero/events/",
        {"unit": village.pk, "kind": "accident", "occurred_on": "2026-01-20", "description": "农机伤人"},
        follow=True,
    )
    assert "已登记" in response.content.decode()
    assert village.events.filter(kind="accident").exists()
