"""The services' demo step: accounts that can log in, someone on duty now, and with the history a
year of records whose figures add up; loading it again changes nothing."""

import pytest

from fengqiao import clock
from fengqiao.services import demo, stats
from fengqiao.services.actions import counsellors_on_duty
from fengqiao.services.models import Consultation, Provider, Screening

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_counsellor_on_duty_and_loads_its_history_once(api):
    assert api("counsellor1").get("/services/on-duty").status_code == 200  # the account logs in
    assert [p.user.username for p in counsellors_on_duty("990102001001", clock.now())] == ["counsellor1"]

    demo.create_demo_services(history=True)
    counts = (Provider.objects.count(), Consultation.objects.count(), Screening.objects.count())
    assert demo.create_demo_services(history=True).endswith(" 0 records")
    assert (Provider.objects.count(), Consultation.objects.count(), Screening.objects.count()) == counts

    figures = api("leader").get("/services/stats").json()
    assert figures["legal"]["consultations"] == Consultation.objects.count()
    for code, row in figures["psychological"]["by_instrument"].items():
        assert (
            sum(row["by_band"].values())
            == row["screened"]
            == Screening.objects.filter(instrument=code).count()
        )
    assert stats.figures("990102000000", clock.now(), clock.now())["legal"]["consultations"] == 0


def test_crises_the_case_history_opened_before_any_counsellor_are_settled(users):
    from datetime import timedelta

    from fengqiao.services.models import Crisis, FollowUp

    opened = clock.now() - timedelta(days=90)
    old = Crisis.objects.create(region_id="990102001000", source="case", reasons=["x"], opened_at=opened)
    FollowUp.objects.create(crisis=old, due_at=opened + timedelta(days=1))
    recent = Crisis.objects.create(
        region_id="990102001000", source="case", reasons=["x"], opened_at=clock.now()
    )
    demo.create_demo_services(history=False)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "closed" and not old.follow_ups.filter(done_at__isnull=True).exists()
    assert recent.status == "open" and recent.counsellor.user.username == "counsellor1"
