"""deadlines.limits() (every rule read once, for a batch) gives limit_for's answer for every
lookup: the same rule chosen, the same defaults and petition limits, and so the same yellow and
due moments, over a holiday and onto a make-up working day."""

from datetime import date, datetime, timedelta
from itertools import product

import pytest

from fengqiao.accounts.models import Unit
from fengqiao.cases import deadlines
from fengqiao.cases.codes import Category, Level
from fengqiao.cases.models import Clock, DeadlineRule

# 28 September 2026 to 12 October 2026 in Shanghai: National Day 1–7 October, Saturday
# 10 October a make-up working day (调休), the weekends around them.
STARTS = [datetime(2026, 9, 28, 9, 30, tzinfo=deadlines.LOCAL) + timedelta(hours=13 * n) for n in range(28)]


@pytest.mark.django_db
def test_the_batch_gives_limit_for_answer_for_every_lookup():
    units = list(Unit.objects.order_by("pk")[:3])
    DeadlineRule.objects.bulk_create(
        [
            DeadlineRule(stage="handle", amount=9),
            DeadlineRule(stage="handle", category="neighbour", amount=6, yellow_after=3),
            DeadlineRule(stage="handle", level="town", amount=8, counting="working"),
            DeadlineRule(stage="handle", category="neighbour", level="town", amount=5, counting="working"),
            DeadlineRule(stage="handle", category="traffic", level="village", amount=4),
            DeadlineRule(stage="handle", category="petition", amount=20),  # the statute wins
            DeadlineRule(stage="accept", category="neighbour", amount=2, counting="hours"),
            DeadlineRule(stage="accept", unit=units[0], amount=1, counting="working"),
            DeadlineRule(stage="accept", level="county", amount=30, yellow_after=40, counting="hours"),
            DeadlineRule(stage="verify", unit=units[1], category="traffic", amount=2, counting="working"),
            DeadlineRule(stage="verify", level="village", amount=5),
        ]
    )
    batch = deadlines.limits()
    lookups = product(Clock.Stage.values, Category.values, Level.values, [None, *(unit.pk for unit in units)])
    compared = 0
    for stage, category, level, unit_id in lookups:
        expected = deadlines.limit_for(stage, category, level, unit_id)
        got = batch.limit_for(stage, category, level, unit_id)
        assert got == expected, (stage, category, level, unit_id)
        compared += 1
    assert compared > 1000
    # The answers differ from each other (the rules above are in play), and a working-day limit
    # counts over the holiday and the make-up day exactly as limit_for's does.
    working = {
        (stage, category, level, unit_id)
        for stage, category, level, unit_id in product(
            Clock.Stage.values,
            ["neighbour", "traffic", "consumer"],
            Level.values,
            [None, units[0].pk, units[1].pk],
        )
        if deadlines.limit_for(stage, category, level, unit_id).counting == "working"
    }
    assert len(working) >= 4
    due_days = set()
    for key, start in product(sorted(working, key=str), STARTS):
        expected, got = deadlines.limit_for(*key), batch.limit_for(*key)
        assert (got.yellow(start), got.due(start)) == (expected.yellow(start), expected.due(start))
        due_days.add(got.due(start).astimezone(deadlines.LOCAL).date())
    assert date(2026, 10, 10) in due_days  # the make-up working day is counted
    assert not due_days & {date(2026, 10, day) for day in range(1, 8)}  # the holiday is not


@pytest.mark.django_db
def test_with_no_rules_the_batch_gives_the_defaults_and_the_statute():
    DeadlineRule.objects.all().delete()
    batch = deadlines.limits()
    for stage, category in product(Clock.Stage.values, Category.values):
        assert batch.limit_for(stage, category, "village") == deadlines.limit_for(stage, category, "village")
    assert batch.limit_for("handle", "petition", "county") == deadlines.PETITION_LIMITS["handle"]
    assert batch.limit_for("handle", "neighbour", "village") == deadlines.DEFAULTS["handle"]
