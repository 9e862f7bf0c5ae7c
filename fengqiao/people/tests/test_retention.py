"""Retention: expired personal data anonymised, expired logs purged, every run audited, and
nothing still in use touched."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput
from fengqiao.cases.models import Case, Clock
from fengqiao.cases.sweep import sweep
from fengqiao.people import retention
from fengqiao.people.models import AccessLog, AppendOnlyError, Person, RetentionRun

YEAR = timedelta(days=365)


@pytest.fixture
def old_cases(users, grid_point):
    """Two cases filed six years ago, one since closed (its party is due), one still open."""
    lat, lng, _ = grid_point("990102001")
    made = {}
    with time_machine.travel(timezone.now() - 6 * YEAR):
        for label, phone in (("closed", "13900001111"), ("open", "13900002222")):
            case, _ = actions.create_case(
                Intake(
                    channel="window",
                    description=f"很久以前的事项 {label}",
                    category="village_affairs",
                    lat=lat,
                    lng=lng,
                    parties=[PartyInput(f"旧当事人{label}", "applicant", phone, "")],
                ),
                actor=users["town1"],
            )
            made[label] = case
        Case.objects.filter(pk=made["closed"].pk).update(status="closed", closed_at=timezone.now())
        Clock.objects.filter(case=made["closed"]).update(outcome="met", stopped_at=timezone.now())
        AccessLog.objects.create(user=users["county"], object_type="case", object_id=made["closed"].number)
    return {label: case.parties.get().person for label, case in made.items()}


@pytest.mark.django_db
def test_people_of_long_finished_cases_are_anonymised_and_no_one_else(old_cases, users):
    recent = Person.objects.exclude(pk__in=[p.pk for p in old_cases.values()]).count()
    done = retention.run()
    gone, kept = (Person.objects.get(pk=old_cases[key].pk) for key in ("closed", "open"))
    assert (gone.name, gone.phone, gone.phone_hash) == (retention.ANONYMOUS_NAME, "", None)
    assert kept.name == "旧当事人open" and kept.phone == "+8613900002222"
    assert done["personal_data"] == 1
    assert Person.objects.exclude(name=retention.ANONYMOUS_NAME).count() == recent + 1
    # The case stays as the record of the work.
    assert Case.objects.filter(parties__person=gone).exists()


@pytest.mark.django_db
def test_old_logs_are_purged_and_recent_ones_kept(old_cases, users):
    AccessLog.objects.create(user=users["county"], object_type="case", object_id="recent")
    retention.run()
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == ["recent"]
    with pytest.raises(AppendOnlyError):  # still append-only for everything else
        AccessLog.objects.all().delete()


@pytest.mark.django_db
def test_every_run_is_audited_and_a_dry_run_changes_nothing(old_cases, capsys):
    call_command("retention", "--dry-run")
    assert "personal_data: 1 would be" in capsys.readouterr().out
    assert Person.objects.get(pk=old_cases["closed"].pk).name == "旧当事人closed"
    assert not RetentionRun.objects.exists()
    call_command("retention")
    runs = {run.rule: run for run in RetentionRun.objects.all()}
    assert runs["personal_data"].count == 1 and runs["access_log"].count == 1
    assert runs["access_log"].days == 3 * 365


@pytest.mark.django_db
def test_settings_decide_and_logs_are_kept_at_least_six_months(old_cases, settings):
    settings.RETENTION_PERSONAL_DATA_DAYS = 0
    settings.RETENTION_ACCESS_LOG_DAYS = 30
    done = retention.run()
    assert "personal_data" not in done
    assert Person.objects.get(pk=old_cases["closed"].pk).name == "旧当事人closed"
    assert RetentionRun.objects.get(rule="access_log").days == retention.LOG_MINIMUM_DAYS


@pytest.mark.django_db
def test_the_sweep_applies_retention_once_a_day(old_cases):
    now = timezone.now()
    first = sweep(now)
    assert first.others["retention"] >= 2
    assert sweep(now + timedelta(hours=1)).others["retention"] == 0
    runs = RetentionRun.objects.count()
    sweep(now + timedelta(days=1, minutes=1))
    assert RetentionRun.objects.count() > runs
