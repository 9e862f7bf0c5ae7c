"""The demo history: a month of cases run through the real write path, in time order."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction

from fengqiao.cases.codes import OPEN_STATUSES
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Case, TimelineEntry
from fengqiao.demo import history
from fengqiao.demo.history import create_demo_history
from fengqiao.people.validation import normalise_id_number, normalise_phone

# A fixed end, so that the month (before the 2026 Spring Festival) is the same whenever the test runs.
END = datetime(2026, 2, 10, 19, 30, tzinfo=LOCAL)


@pytest.mark.django_db
def test_a_month_of_history_runs_the_whole_loop_and_only_once(users):
    report = {}
    created = create_demo_history(days=30, scale=0.6, end=END, report=report)

    cases = Case.objects.all()
    assert created == cases.count() > 80
    assert report["refused"] == []
    assert cases.values("number").distinct().count() == created
    assert all(END - timedelta(days=31) <= at <= END for at in cases.values_list("reported_at", flat=True))

    channels = Counter(cases.values_list("channel", flat=True))
    categories = Counter(cases.values_list("category", flat=True))
    statuses = Counter(cases.values_list("status", flat=True))
    assert len(channels) >= 5 and channels.most_common(1)[0][0] == "grid"
    assert len(categories) >= 15
    assert statuses["closed"] > created / 2
    assert len(set(statuses) & OPEN_STATUSES) >= 3, statuses
    assert cases.filter(overdue=True).exists()
    assert cases.filter(escalations__gt=0).exists()
    assert cases.filter(parties__person__id_number_hash__isnull=False).exists()

    entries: dict[int, list[TimelineEntry]] = {}
    for entry in TimelineEntry.objects.order_by("at", "id"):
        entries.setdefault(entry.case_id, []).append(entry)
    assert all(timeline[0].kind == "reported" for timeline in entries.values())
    for case in cases.filter(status="closed"):
        kinds = [entry.kind for entry in entries[case.pk]]
        resolver = [entry.actor_id for entry in entries[case.pk] if entry.kind == "resolve"][-1]
        verifier = [entry.actor_id for entry in entries[case.pk] if entry.kind == "verify"][-1]
        assert kinds.index("resolve") < kinds.index("verify") < kinds.index("close")
        assert resolver is not None and verifier is not None and resolver != verifier
        assert case.satisfaction in (1, 2, 3, 4, 5)

    # The demo accounts carry their share of the work.
    actors = set(TimelineEntry.objects.exclude(actor=None).values_list("actor__username", flat=True))
    assert {"town1", "town2", "county", "mediator1"} <= actors

    timeline = TimelineEntry.objects.count()
    assert create_demo_history(days=30, scale=0.6, end=END) == 0
    assert Case.objects.count() == created and TimelineEntry.objects.count() == timeline


@pytest.mark.django_db
def test_the_same_days_give_the_same_cases(users):
    def run():
        with transaction.atomic():
            create_demo_history(days=4, end=END)
            rows = list(
                Case.objects.order_by("reported_at", "id").values_list(
                    "number", "channel", "category", "status", "description", "grid_code"
                )
            )
            transaction.set_rollback(True)
        return rows

    first = run()
    assert first and run() == first


@pytest.mark.django_db
def test_wage_arrears_peak_before_the_spring_festival(users):
    run = history._History(
        start=datetime(2025, 11, 1, tzinfo=LOCAL), end=datetime(2026, 10, 31, tzinfo=LOCAL), scale=1.0, seed=1
    )
    arrivals = run.arrivals()
    assert 2200 < len(arrivals) < 3100
    wages = [a.at.astimezone(LOCAL).date() for a in arrivals if a.category == "labour_wages"]
    before = sum(date(2026, 1, 20) <= day < date(2026, 2, 14) for day in wages)
    summer = sum(date(2026, 6, 20) <= day < date(2026, 7, 15) for day in wages)
    assert before > 2 * summer
    by_weekday = Counter(a.at.astimezone(LOCAL).weekday() for a in arrivals if a.channel == "window")
    assert by_weekday[2] > 5 * by_weekday[6]


def test_generated_people_have_valid_numbers():
    import random

    rng = random.Random(7)
    for _ in range(300):
        person = history.make_person(rng, id_share=1.0)
        assert normalise_id_number(person.id_number) == person.id_number
        if person.phone:
            assert normalise_phone(person.phone) == "+86" + person.phone
