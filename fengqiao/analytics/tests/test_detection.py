"""Analysis finds a planted rise, a planted repeat at one place, repeat disputes between the same
people and a space-time cluster, and raises nothing on a flat history."""

import math
from datetime import timedelta

import pytest

from fengqiao.analytics import detection, periods
from fengqiao.analytics.models import Cycle, Warning

from .conftest import COUNTY, local

WEEK = periods.containing(Cycle.WEEKLY, local(2026, 6, 10).date())  # Mon 8 – Sun 14 June


@pytest.fixture
def county(db):
    from fengqiao.regions.models import Region

    return Region.objects.get(code=COUNTY)


def flat_history(plant, weeks=9, per_week=None):
    """The same number of cases of each category every week (the last week included), spread over
    the county, each at its own place and with its own people."""
    per_week = per_week or {"neighbour": 3, "labour_wages": 2, "environment": 2, "safety_hazard": 3}
    first_monday = WEEK.start - timedelta(weeks=weeks - 1)
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        for category, count in per_week.items():
            for i in range(count):
                day = monday + timedelta(days=(i * 2 + week) % 7)
                plant(
                    local(day.year, day.month, day.day, 9 + i),
                    category=category,
                    parties=[f"甲{week}{category}{i}"],
                )


def test_the_statistics():
    # P(X >= k) against values known independently.
    assert detection.binomial_upper_tail(0, 10, 0.3) == 1.0
    assert detection.binomial_upper_tail(10, 10, 0.5) == pytest.approx(0.5**10)
    assert detection.binomial_upper_tail(2, 3, 0.5) == pytest.approx(0.5)
    assert detection.poisson_upper_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-9)
    assert detection.poisson_upper_tail(30, 2.0) == pytest.approx(
        sum(2.0**i * 2.718281828459045**-2.0 / math.factorial(i) for i in range(30, 80)), rel=1e-6
    )
    # The same rate as before is unremarkable; five times the rate is not.
    assert detection.rise_test(3, 24, 8) > 0.3
    assert detection.rise_test(15, 24, 8) < 1e-4


def test_no_warning_on_a_flat_history(plant, county):
    flat_history(plant)
    for cycle in (Cycle.WEEKLY, Cycle.MONTHLY):
        period = WEEK if cycle == Cycle.WEEKLY else periods.containing(cycle, WEEK.end)
        assert detection.analyse(county, period) == []


def test_a_planted_rise_is_found_and_says_why(plant, county, grids):
    flat_history(plant)
    for i in range(12):  # wage arrears four times their weekly count, over the county
        day = WEEK.start + timedelta(days=i % 7)
        plant(local(day.year, day.month, day.day, 14), category="labour_wages", parties=[f"乙{i}"])
    findings = detection.analyse(county, WEEK)
    rises = [f for f in findings if f.kind == Warning.Kind.RISING_CATEGORY]
    assert [f.category for f in rises] == ["labour_wages"]
    finding = rises[0]
    assert finding.evidence["current"] == 14 and finding.evidence["expected"] == 2
    assert finding.evidence["p_value"] < detection.ALPHA
    assert "劳动争议" in finding.title and "p=" in finding.detail
    assert len(finding.case_ids) == 14
    # Nothing else stands out: the planted cases are spread out in place and people.
    assert {f.kind for f in findings} == {Warning.Kind.RISING_CATEGORY}


def test_a_new_installation_does_not_see_everything_rise(plant, county):
    for i in range(6):  # only this week's cases exist
        plant(local(2026, 6, 8 + i % 7, 10), category="neighbour")
    assert detection.rising(county, WEEK) == []


def test_repeats_at_one_place_and_between_the_same_people(plant, county, grids):
    flat_history(plant)
    grid = grids[3]
    spot = plant.point_in(grid)
    # Four disputes over the same drain within 60 m in three weeks, the last in the week analysed.
    for day in (local(2026, 5, 22, 9), local(2026, 5, 30, 9), local(2026, 6, 5, 9), local(2026, 6, 11, 9)):
        plant(day, grid=grid, point=plant.point_in(grid, near=spot, metres=60), category="village_affairs")
    # The same two families, three times in four months, in three different places.
    for day in (local(2026, 2, 20, 9), local(2026, 4, 2, 9), local(2026, 6, 12, 9)):
        plant(
            day, category="homestead_housing", parties=["王大林", "李春花"], risk=72 if day.month == 6 else 30
        )
    findings = detection.analyse(county, WEEK)
    kinds = {f.kind: f for f in findings}
    assert set(kinds) == {Warning.Kind.REPEAT_PLACE, Warning.Kind.REPEAT_PEOPLE}
    place = kinds[Warning.Kind.REPEAT_PLACE]
    assert place.category == "village_affairs" and len(place.case_ids) == 4 and place.grid_code == grid.code
    people = kinds[Warning.Kind.REPEAT_PEOPLE]
    assert len(people.case_ids) == 3
    assert people.severity == Warning.Severity.RED  # the latest is high-risk
    assert "王某某" in people.title and "李某某" in people.title and "王大林" not in people.detail


def test_a_cluster_in_space_and_time(plant, county, grids):
    flat_history(plant)
    grid = grids[10]
    centre = plant.point_in(grid)
    categories = ["public_security", "neighbour", "safety_hazard", "damages", "traffic", "public_service"]
    for i, category in enumerate(categories):  # six different matters within 300 m in three days
        plant(
            local(2026, 6, 12 + i % 3, 20),
            grid=grid,
            point=plant.point_in(grid, near=centre, metres=300),
            category=category,
        )
    clusters = detection.clusters(county, WEEK)
    assert len(clusters) == 1
    assert len(clusters[0].case_ids) == 6
    assert clusters[0].evidence["p_value"] < detection.ALPHA / 10
