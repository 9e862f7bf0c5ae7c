"""The crisis-intervention path: a crisis score or a crisis case notifies the counsellor on duty at
once and schedules the follow-ups; the sweep reminds once; counsellors follow up and close."""

from datetime import timedelta

import pytest
import time_machine

from fengqiao import clock
from fengqiao.cases.actions import Intake, PartyInput, create_case, take_action
from fengqiao.cases.sweep import sweep
from fengqiao.notices.models import Notice
from fengqiao.services import actions
from fengqiao.services.models import Crisis, DutyShift, FollowUp, Provider

from .conftest import APPLICANT, gad7, phq9

pytestmark = pytest.mark.django_db


def crisis_notices(user):
    return Notice.objects.filter(recipient=user, kind="crisis")


def screen(api, answers, instrument="phq9", username="county", **extra):
    response = api(username).post(
        "/services/screenings", {"person": APPLICANT, "instrument": instrument, "answers": answers, **extra}
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_thoughts_of_self_harm_notify_the_counsellor_on_duty_at_once(api, counsellor):
    before = crisis_notices(counsellor).count()
    result = screen(api, phq9(3, item9=1))

    assert result["band"] == "minimal" and result["crisis"]
    notice = crisis_notices(counsellor).latest("pk")
    assert crisis_notices(counsellor).count() == before + 1
    assert "张" in notice.body and "张三" not in notice.body  # the name is masked in the notice
    crisis = api("counsellor1").get(f"/services/crises/{result['crisis']}").json()
    assert crisis["on_duty"] and crisis["notified"] == ["counsellor1"]
    assert crisis["counsellor"]["username"] == "counsellor1"
    assert len(crisis["follow_ups"]) == len(actions.FOLLOW_UP_AFTER)
    assert crisis["follow_ups"][0]["due_at"] > crisis["opened_at"]


def test_a_severe_total_opens_the_path_and_a_mild_one_does_not(api, counsellor):
    before = crisis_notices(counsellor).count()
    assert screen(api, gad7(9), instrument="gad7")["crisis"] is None
    assert screen(api, phq9(14))["crisis"] is None
    assert crisis_notices(counsellor).count() == before
    assert screen(api, gad7(15), instrument="gad7")["crisis"] is not None
    assert screen(api, phq9(20))["crisis"] is not None
    assert crisis_notices(counsellor).count() == before + 2


def test_only_the_counsellor_whose_shift_covers_the_moment_is_notified(users, counsellor, counsellor_profile):
    other = Provider.objects.get(name="郑安然")  # the demo's second counsellor, without an account
    other.user = users["town2"]
    other.save()
    now = clock.now()
    far = now + timedelta(days=400)  # beyond the demo roster: nobody on duty
    DutyShift.objects.create(
        provider=other,
        region_id="990102000000",
        place="热线",
        starts_at=far,
        ends_at=far + timedelta(hours=8),
    )
    with time_machine.travel(far + timedelta(hours=1), tick=False):
        crisis = actions.open_crisis(
            region=users["town1"].region, source=Crisis.Source.MANUAL, reasons=["测试"], actor=users["county"]
        )
    assert crisis.on_duty and crisis.notified == ["town2"]

    with time_machine.travel(far + timedelta(days=2), tick=False):
        nobody = actions.open_crisis(
            region=users["town1"].region, source=Crisis.Source.MANUAL, reasons=["测试"]
        )
    # Nobody on duty: every counsellor serving the area is told, so the alert never goes nowhere.
    assert not nobody.on_duty
    assert sorted(nobody.notified) == ["counsellor1", "town2"]


def test_a_case_that_speaks_of_suicide_opens_one_crisis_and_notifies(users, counsellor):
    before = crisis_notices(counsellor).count()
    case, _ = create_case(
        Intake(
            channel="window",
            description="李某因家庭矛盾多次说不想活了,家属担心其轻生,请求心理援助",
            category="psych_support",
            region_code="990102001000",
            parties=[PartyInput("李四", "applicant", "13900139000")],
        ),
        actor=users["town1"],
    )
    crisis = Crisis.objects.get(case=case)
    assert crisis.source == Crisis.Source.CASE and crisis.person.name == "李四"
    assert crisis_notices(counsellor).filter(case=case).count() == 1
    assert case.timeline.filter(kind="crisis_opened").exists()
    assert crisis_notices(counsellor).count() == before + 1

    again = actions.declare_crisis(users["county"], case_number=case.number, reason="再次报告")
    assert again.pk == crisis.pk  # one intervention per case
    assert crisis_notices(counsellor).count() == before + 1


def test_a_psychological_case_marked_urgent_becomes_a_crisis_case(users, counsellor):
    case, _ = create_case(
        Intake(
            channel="hotline",
            description="来电人长期失眠焦虑,情绪低落,希望得到心理疏导",
            category="psych_support",
            region_code="990102001000",
        ),
        actor=users["town1"],
    )
    assert not Crisis.objects.filter(case=case).exists()
    take_action(case, users["county"], "urge", note="来电人情绪失控")
    crisis = Crisis.objects.get(case=case)
    assert "来电人情绪失控" in crisis.reasons[0]
    assert crisis_notices(counsellor).filter(case=case).exists()


def test_an_ordinary_case_opens_nothing(users):
    case, _ = create_case(
        Intake(
            channel="window", description="邻居排水沟堵塞", category="neighbour", region_code="990102001000"
        ),
        actor=users["town1"],
    )
    assert not Crisis.objects.filter(case=case).exists()


def test_due_follow_ups_are_reminded_once_and_the_counsellor_closes_the_crisis(api, counsellor):
    crisis_id = screen(api, phq9(22, item9=2))["crisis"]
    crisis = Crisis.objects.get(pk=crisis_id)
    first = crisis.follow_ups.order_by("due_at").first()

    sweep(first.due_at - timedelta(minutes=1))
    assert not Notice.objects.filter(recipient=counsellor, kind="crisis_follow_up").exists()
    sweep(first.due_at + timedelta(minutes=1))
    sweep(first.due_at + timedelta(minutes=2))  # idempotent
    assert Notice.objects.filter(recipient=counsellor, kind="crisis_follow_up").count() == 1

    refused = api("county").post(f"/services/crises/{crisis_id}/follow-ups/{first.pk}", {"note": "电话随访"})
    assert refused.status_code == 403  # only counsellors follow up
    done = api("counsellor1").post(
        f"/services/crises/{crisis_id}/follow-ups/{first.pk}", {"note": "电话随访,情绪平稳"}
    )
    assert done.status_code == 200
    assert done.json()["follow_ups"][0]["done_at"] is not None
    assert FollowUp.objects.get(pk=first.pk).done_by == counsellor

    closed = api("counsellor1").post(f"/services/crises/{crisis_id}/close", {"note": "危机解除"})
    assert closed.json()["status"] == "closed"
    assert (
        api("counsellor1").post(f"/services/crises/{crisis_id}/close", {"note": "again"}).status_code == 409
    )
    # A closed crisis is not reminded any more.
    sweep(crisis.opened_at + timedelta(days=40))
    assert Notice.objects.filter(recipient=counsellor, kind="crisis_follow_up").count() == 1


def test_staff_declare_a_crisis_for_a_person_by_hand(api, counsellor):
    response = api("county").post(
        "/services/crises", {"reason": "来访时情绪激动,称要跳河", "person": APPLICANT}
    )
    assert response.status_code == 201
    assert response.json()["source"] == "manual"
    assert crisis_notices(counsellor).filter(title__contains=f"#{response.json()['id']}").exists()
    assert api("grid1").post("/services/crises", {"reason": "x", "person": APPLICANT}).status_code == 403


def test_the_counsellor_unmasks_the_phone_to_call_and_the_look_is_logged(api, counsellor):
    from fengqiao.people.models import AccessLog

    crisis_id = screen(api, phq9(5, item9=1))["crisis"]
    assert api("county").post(f"/services/crises/{crisis_id}/contact").status_code == 403
    before = AccessLog.objects.filter(user=counsellor).count()
    contact = api("counsellor1").post(f"/services/crises/{crisis_id}/contact").json()
    assert contact["phone"].endswith(APPLICANT["phone"])
    log = AccessLog.objects.filter(user=counsellor).latest("pk")
    assert (log.object_type, log.object_id, log.fields) == ("crisis", str(crisis_id), ["phone"])
    assert AccessLog.objects.filter(user=counsellor).count() == before + 1
