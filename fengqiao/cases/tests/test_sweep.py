import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fengqiao.cases.models import Case, Clock, TimelineEntry
from fengqiao.cases.sweep import sweep
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def village_case(make_case, users):
    return make_case("grid1", channel="grid", category="neighbour", region_code=users["grid1"].region_id)


@pytest.mark.django_db
def test_an_unsettled_case_rises_through_all_four_levels(village_case):
    start = village_case.reported_at
    grid = village_case.grid_code
    expected = [
        ("town", f"{grid[:9]}-centre"),
        ("county", "990102-centre"),
        ("city", "9901-centre"),
    ]
    for step, (level, unit) in enumerate(expected, start=1):
        assert sweep(start + 7 * step * DAY - MINUTE).escalated == 0
        result = sweep(start + 7 * step * DAY + MINUTE)
        assert result.escalated == 1
        case = Case.objects.get(pk=village_case.pk)
        assert (case.level, case.handling_unit.code) == (level, unit)
        assert case.overdue
        assert case.deadline_at == start + 7 * (step + 1) * DAY
    # At the top there is nowhere to go: the case stays overdue at the city centre.
    result = sweep(start + 29 * DAY)
    assert result.escalated == 0
    case = Case.objects.get(pk=village_case.pk)
    assert case.level == "city" and case.escalations == 3
    assert not case.clocks.filter(outcome="running").exists()
    escalations = TimelineEntry.objects.filter(case=case, kind="escalate")
    assert [e.data["to_level"] for e in escalations.order_by("at")] == ["town", "county", "city"]
    assert all(e.actor is None for e in escalations)


@pytest.mark.django_db
def test_a_late_sweep_catches_up_as_a_timely_one_would_have(village_case):
    result = sweep(village_case.reported_at + 22 * DAY)
    assert result.escalated == 3
    case = Case.objects.get(pk=village_case.pk)
    assert case.level == "city"
    at = list(
        TimelineEntry.objects.filter(case=case, kind="escalate").order_by("at").values_list("at", flat=True)
    )
    assert at == [village_case.reported_at + n * 7 * DAY for n in (1, 2, 3)]


@pytest.mark.django_db
def test_sweeping_twice_changes_nothing_the_second_time(village_case):
    at = village_case.reported_at + 8 * DAY
    first = sweep(at)
    timeline = TimelineEntry.objects.count()
    clocks = list(Clock.objects.values_list("id", "outcome", "due_at"))
    second = sweep(at)
    assert first.escalated == 1 and second.escalated == 0 and second.cases == 0
    assert TimelineEntry.objects.count() == timeline
    assert list(Clock.objects.values_list("id", "outcome", "due_at")) == clocks


@pytest.mark.django_db
def test_settled_cases_are_left_alone(village_case, act):
    act(act(village_case, "grid1", "start"), "grid1", "resolve", note="已调解")
    assert sweep(village_case.reported_at + 30 * DAY).escalated == 0
    assert Case.objects.get(pk=village_case.pk).level == "village"


@pytest.mark.django_db
def test_the_command_takes_an_iso_time(village_case):
    at = (village_case.reported_at + 8 * DAY).isoformat()
    call_command("sweep", "--at", at, verbosity=0)
    assert Case.objects.get(pk=village_case.pk).level == "town"


@pytest.mark.django_db
def test_a_per_category_rule_sets_the_limit(make_case):
    from fengqiao.cases.models import DeadlineRule

    DeadlineRule.objects.create(category="traffic", level="town", amount=3)
    case = make_case("town1", category="traffic", description="两车刮擦,双方就赔偿争执")
    assert case.deadline_at == case.reported_at + 3 * DAY
    other = make_case("town1")
    assert other.deadline_at == other.reported_at + 7 * DAY


@pytest.mark.django_db
def test_working_day_rule_skips_the_national_day_holiday(make_case):
    from fengqiao.cases.models import DeadlineRule

    DeadlineRule.objects.create(category="", level="town", amount=5, counting="working")
    # Friday 2026-09-25 10:00 local; the Mid-Autumn and National Day holidays follow (10-10 is a
    # make-up working day): the count follows chinese-calendar's arrangement.
    import chinese_calendar

    from fengqiao.cases.deadlines import LOCAL

    with time_machine.travel(timezone.datetime(2026, 9, 25, 10, 0, tzinfo=LOCAL), tick=False):
        case = make_case("town1")
    day = timezone.datetime(2026, 9, 25).date()
    counted = 0
    while counted < 5:
        day += DAY
        counted += chinese_calendar.is_workday(day)
    assert case.deadline_at.astimezone(LOCAL).date() == day
    assert day > timezone.datetime(2026, 10, 7).date()


@pytest.mark.django_db
def test_petition_limits(make_case, act):
    petition = make_case("county", category="petition", description="多次来信反映村集体土地补偿款分配不公")
    assert petition.track == "petition"
    # 15 days to decide on acceptance; missing it flags the petition without changing its level
    assert petition.deadline_at == petition.reported_at + 15 * DAY
    with pytest.raises(ActionRefused):
        act(petition, "county", "start")
    with time_machine.travel(petition.reported_at + 10 * DAY, tick=False):
        petition = act(petition, "county", "accept")
        accepted_at = timezone.now()
    assert petition.deadline_at == accepted_at + 60 * DAY
    with pytest.raises(FieldError):
        act(petition, "county", "extend", days=31, note="情况复杂")
    petition = act(petition, "county", "extend", days=30, note="需多部门会商")
    assert petition.deadline_at == accepted_at + 90 * DAY
    with pytest.raises(ActionRefused) as again:
        act(petition, "county", "extend", days=5, note="再延")
    assert "only once" in again.value.message
    result = sweep(accepted_at + 91 * DAY)
    petition = Case.objects.get(pk=petition.pk)
    assert result.escalated == 0 and petition.overdue and petition.level == "county"


@pytest.mark.django_db
def test_a_late_acceptance_decision_flags_the_petition(make_case):
    petition = make_case("county", category="petition", description="反映征地补偿问题")
    sweep(petition.reported_at + 16 * DAY)
    petition = Case.objects.get(pk=petition.pk)
    assert petition.overdue and petition.status == "reported" and petition.escalations == 0


@pytest.mark.django_db
def test_non_petitions_take_no_direct_extension(make_case, act):
    with pytest.raises(ActionRefused):
        act(make_case("town1"), "town1", "extend", days=3, note="x")


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not ON_POSTGRES, reason="SKIP LOCKED between processes is a PostgreSQL matter; SQLite has one writer"
)
def test_two_sweep_processes_at_once_escalate_each_case_exactly_once(make_case):
    cases = [make_case("town1", region_code="990102001000") for _ in range(60)]
    at = (cases[-1].reported_at + 8 * DAY).isoformat()
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "fengqiao.cli", "sweep", "--at", at]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    per_case = TimelineEntry.objects.filter(kind="escalate", case__in=cases).values_list("case_id", flat=True)
    assert sorted(per_case) == sorted(case.pk for case in cases)
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("level", flat=True)) == {
        "county"
    }


@pytest.mark.django_db
def test_an_escalated_petition_keeps_its_statutory_limit(make_case, act):
    petition = act(
        make_case("county", category="petition", description="反映村干部处理纠纷不公"), "county", "accept"
    )
    due = petition.clocks.get(stage="handle", outcome="running").due_at
    petition = act(petition, "county", "escalate", note="涉及市级部门")
    handle = petition.clocks.get(stage="handle", outcome="running")
    assert handle.due_at == due and handle.unit.code == "9901-centre"
    assert petition.deadline_at == due
