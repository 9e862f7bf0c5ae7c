"""Every petition clock with time-machine: acceptance 15 days, handling 60 days plus one extension
of at most 30, review asked within 30 days of the answer and answered within 30, re-review likewise;
the documents of each step; repeat petitions linked."""

import io
from datetime import timedelta

import pytest
import time_machine
from docx import Document

from fengqiao import clock as wallclock
from fengqiao.cases import actions as case_actions
from fengqiao.cases.actions import Intake, PartyInput
from fengqiao.cases.sweep import sweep
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.petitions import actions, documents

pytestmark = pytest.mark.django_db
PHONE = "13900139000"


@pytest.fixture
def petition_case(users, grid_point):
    def make():
        lat, lng, _ = grid_point("990102001")
        case, _ = case_actions.create_case(
            Intake(
                channel="petition_bureau",
                description="反映村集体土地补偿款分配不公,要求依法处理",
                category="petition",
                lat=lat,
                lng=lng,
                parties=[PartyInput("孙五", "applicant", PHONE)],
            ),
            actor=users["county"],
        )
        return case

    return make


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_acceptance_clock_is_fifteen_days(petition_case, users):
    start = wallclock.now()
    with time_machine.travel(start, tick=False):
        petition = actions.register(petition_case(), users["county"])
        assert petition.case.deadline_at == start + timedelta(days=15)
    with time_machine.travel(start + timedelta(days=15, minutes=1), tick=False):
        sweep()
        petition.case.refresh_from_db()
        assert petition.case.overdue and petition.case.level == "county" or petition.case.overdue


def test_non_acceptance_needs_written_reason(petition_case, users):
    petition = actions.register(petition_case(), users["county"])
    with pytest.raises(FieldError):
        actions.decide(petition, users["admin"], accept=False, reason=" ")
    actions.decide(petition, users["admin"], accept=False, reason="属于诉讼程序解决的事项,请向人民法院起诉")
    text = _text(documents.document(petition, "non_acceptance"))
    assert "不予受理" in text and "向人民法院起诉" in text


def test_handling_sixty_days_one_extension_then_review_and_re_review(petition_case, users):
    start = wallclock.now()
    admin = users["admin"]
    with time_machine.travel(start, tick=False):
        petition = actions.register(petition_case(), users["county"])
        actions.decide(petition, admin, accept=True, reason="属于本机关职责范围")
        petition.case.refresh_from_db()
        assert petition.case.deadline_at == start + timedelta(days=60)
        actions.transfer(petition, admin, unit_code="990102-natural_resources", note="请依法办理")
        case_actions.take_action(petition.case, admin, "start")  # the unit signs for it at once
    with time_machine.travel(start + timedelta(days=50), tick=False):
        with pytest.raises(FieldError):
            actions.extend(petition, admin, days=31, reason="情况复杂")
        actions.extend(petition, admin, days=30, reason="需要实地测量")
        petition.case.refresh_from_db()
        assert petition.case.deadline_at == start + timedelta(days=90)
        with pytest.raises(ActionRefused):
            actions.extend(petition, admin, days=5, reason="再延")  # only once
    with time_machine.travel(start + timedelta(days=61), tick=False):
        sweep()
        petition.case.refresh_from_db()
        assert not petition.case.overdue  # the extension moved the limit
        handle = petition.case.clocks.get(stage="handle")
        assert handle.outcome == "running" and handle.due_at == start + timedelta(days=90)
    answered = start + timedelta(days=80)
    with time_machine.travel(answered, tick=False):
        actions.answer(petition, admin, text="经核查,补偿款已按村民会议决议重新分配。")
        actions.evaluate(petition, "unsatisfied", admin)
    text = _text(documents.document(petition, "answer"))
    assert "重新分配" in text and "30日内" in text
    assert {"receipt", "acceptance", "transfer", "extension", "answer"} <= set(
        documents.available_steps(petition)
    )

    # review: asked within 30 days of the answer, answered within 30 days
    with time_machine.travel(answered + timedelta(days=29), tick=False):
        review = actions.request_review(petition, kind="review", reason="补偿标准不公", user=admin)
        assert review.due_at == answered + timedelta(days=59)
        assert review.unit.code == "9901-centre"  # one level above the county
    with time_machine.travel(answered + timedelta(days=29 + 26), tick=False):
        assert sweep().others["petition_reviews"] == 1  # the warning
    with time_machine.travel(answered + timedelta(days=29 + 30, minutes=1), tick=False):
        sweep()
        review.refresh_from_db()
        assert review.overdue_at == review.due_at
        assert sweep().others["petition_reviews"] == 0  # idempotent
        actions.answer_review(review, admin, text="维持原处理意见", outcome="upheld")
    assert "复查意见书" in _text(documents.document(petition, "review"))

    # re-review: the window closes 30 days after the review's answer
    with time_machine.travel(review.answered_at + timedelta(days=31), tick=False):
        with pytest.raises(ActionRefused) as late:
            actions.request_review(petition, kind="re_review", reason="仍不服", user=admin)
        assert "30 days" in late.value.message


def test_re_review_after_review_and_its_clock(petition_case, users):
    admin = users["admin"]
    petition = actions.register(petition_case(), users["county"])
    with pytest.raises(ActionRefused):
        actions.request_review(petition, kind="review", reason="x", user=admin)  # no answer yet
    actions.decide(petition, admin, accept=True, reason="受理")
    actions.answer(petition, admin, text="处理意见")
    with pytest.raises(ActionRefused):
        actions.request_review(petition, kind="re_review", reason="x", user=admin)  # review first
    review = actions.request_review(petition, kind="review", reason="不服", user=admin)
    actions.answer_review(review, admin, text="维持", outcome="upheld")
    start = wallclock.now()
    with time_machine.travel(start, tick=False):
        again = actions.request_review(petition, kind="re_review", reason="仍不服", user=admin)
        assert again.due_at == start + timedelta(days=30)
    with time_machine.travel(start + timedelta(days=30, seconds=1), tick=False):
        sweep()
        again.refresh_from_db()
        assert again.overdue_at is not None
    actions.answer_review(again, admin, text="复核维持", outcome="upheld")
    assert "终结" in _text(documents.document(petition, "re_review"))


def test_repeat_petition_by_the_same_person_is_linked(petition_case, users):
    first = actions.register(petition_case(), users["county"])
    second = actions.register(petition_case(), users["county"])
    assert second.repeat_of == first
    assert "重复信访" in second.case.timeline.get(kind="petition_registered").note


def test_petition_api_scoped(petition_case, users, api):
    case = petition_case()
    actions.register(case, users["county"])
    assert api("county").get(f"/cases/{case.number}/petition").json()["documents"] == ["receipt"]
    assert api("town2").get(f"/cases/{case.number}/petition").status_code == 404
    response = api("admin").post(f"/cases/{case.number}/petition/steps", {"step": "decide", "accept": False})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"


def test_the_review_authority_is_told_by_its_own_events(petition_case, users):
    from fengqiao.accounts.models import Unit, User
    from fengqiao.notices.models import Notice

    admin = users["admin"]
    officer = User.objects.create_user(
        "city-petition-officer", password="x", unit=Unit.objects.get(code="9901-centre"), role="centre"
    )
    petition = actions.register(petition_case(), users["county"])
    actions.decide(petition, admin, accept=True, reason="受理")
    actions.answer(petition, admin, text="处理意见")
    start = wallclock.now()
    with time_machine.travel(start, tick=False):
        review = actions.request_review(petition, kind="review", reason="补偿标准不公", user=admin)
    assert review.unit == officer.unit
    with time_machine.travel(review.warn_at + timedelta(minutes=1), tick=False):
        sweep()
    with time_machine.travel(review.due_at + timedelta(minutes=1), tick=False):
        sweep()
        sweep()  # told once
    told = list(Notice.objects.filter(recipient=officer, case=petition.case).order_by("created_at", "pk"))
    assert [notice.kind for notice in told] == [
        "petition_review_requested",
        "petition_review_due_soon",
        "petition_review_overdue",
    ]
    assert told[0].title.startswith("信访事项复查申请") and "补偿标准不公" in told[0].body
    assert told[1].title.startswith("复查将超期") and told[2].title.startswith("复查超期")
    assert told[2].is_urgent and not told[1].is_urgent
