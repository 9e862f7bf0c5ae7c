"""Every stage clock (accept, handle, verify) turns yellow and then red at its thresholds, whichever
way its rule counts (natural days, working days, hours), as the sweep sees the time pass; and a
working-day limit steps over the National Day holiday and onto its make-up working day."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Card, DeadlineRule
from fengqiao.cases.sweep import sweep

MINUTE = timedelta(minutes=1)
# Tuesday 29 September 2026, 09:00 in Shanghai: National Day runs 1–7 October in the 2026
# arrangement, and Saturday 10 October is a make-up working day (调休).
START = datetime(2026, 9, 29, 9, 0, tzinfo=LOCAL)
EXPECTED = {
    # counting: (amount, yellow_after, yellow at, due at)
    "calendar": (3, 2, START + timedelta(days=2), START + timedelta(days=3)),
    "hours": (6, 4, START + timedelta(hours=4), START + timedelta(hours=6)),
    # Working days: 30 Sep, then over the holiday to 8 Oct (yellow after two) and 9 Oct (due).
    "working": (3, 2, datetime(2026, 10, 8, 9, 0, tzinfo=LOCAL), datetime(2026, 10, 9, 9, 0, tzinfo=LOCAL)),
}


def _clock_under_way(stage, make_case, act):
    """A case in town1's township whose `stage` clock started at START."""
    with time_machine.travel(START, tick=False):
        case = make_case("town1")
        if stage == "verify":
            case = act(act(case, "town1", "start"), "town1", "resolve", note="已调解")
    return case, case.clocks.get(stage=stage, outcome="running")


@pytest.mark.django_db
@pytest.mark.parametrize("counting", list(EXPECTED))
@pytest.mark.parametrize("stage", ["accept", "handle", "verify"])
def test_each_stage_clock_turns_yellow_then_red_at_its_thresholds(stage, counting, make_case, act):
    amount, yellow_after, yellow_at, due_at = EXPECTED[counting]
    DeadlineRule.objects.create(
        stage=stage, level="town", amount=amount, counting=counting, yellow_after=yellow_after
    )
    if stage != "handle":  # keep the case from escalating (and its clocks restarting) meanwhile
        DeadlineRule.objects.create(stage="handle", level="town", amount=60, counting="calendar")
    case, clock = _clock_under_way(stage, make_case, act)
    assert (clock.yellow_at, clock.due_at) == (yellow_at, due_at)

    def cards():
        return list(Card.objects.filter(clock=clock).order_by("at").values_list("colour", "at"))

    sweep(yellow_at - MINUTE)
    assert cards() == [] and clock.colour(yellow_at - MINUTE) == "green"
    sweep(yellow_at + MINUTE)
    assert cards() == [("yellow", yellow_at)] and clock.colour(yellow_at + MINUTE) == "yellow"
    sweep(due_at + MINUTE)
    assert cards() == [("yellow", yellow_at), ("red", due_at)]
    clock.refresh_from_db()
    assert clock.outcome == "breached" and clock.colour(due_at + MINUTE) == "red"
    kinds = set(case.timeline.filter(kind__in=["yellow_card", "red_card"]).values_list("kind", flat=True))
    assert kinds == {"yellow_card", "red_card"}


@pytest.mark.django_db
def test_a_working_day_limit_crosses_national_day_and_lands_on_the_make_up_day(make_case):
    DeadlineRule.objects.create(stage="handle", level="town", amount=4, counting="working", yellow_after=3)
    with time_machine.travel(datetime(2026, 9, 30, 9, 0, tzinfo=LOCAL), tick=False):
        case = make_case("town1")
    handle = case.clocks.get(stage="handle")
    # Working days after Wednesday 30 September: Thu 8, Fri 9, Sat 10 (调休, a working day), Mon 12.
    assert handle.yellow_at.astimezone(LOCAL).date() == date(2026, 10, 10)
    assert handle.due_at.astimezone(LOCAL).date() == date(2026, 10, 12)
    assert case.deadline_at == handle.due_at
