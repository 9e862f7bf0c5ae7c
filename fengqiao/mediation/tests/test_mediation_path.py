"""The whole mediation path: choice, acceptance, session, agreement documents, the judicial
confirmation clock and the follow-up visit; and a declined mediator handing the case back."""

import io
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from docx import Document

from fengqiao import clock as wallclock
from fengqiao.cases.models import Assignment
from fengqiao.cases.sweep import sweep
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.mediation import actions, documents, stats
from fengqiao.mediation.models import JudicialConfirmation, Mediation, MediatorChoice
from fengqiao.notices.models import Notice

from .conftest import MEDIATION_1

pytestmark = pytest.mark.django_db


def _mediation(case) -> Mediation:
    return Mediation.objects.get(case=case)


def _docx_text(content: bytes) -> str:
    return "\n".join(paragraph.text for paragraph in Document(io.BytesIO(content)).paragraphs)


def test_suitable_mediators_follow_category_and_place(make_case, mediators):
    case = make_case()
    names = {mediator.name for mediator in actions.suitable_mediators(case)}
    assert names == {"王调解", "赵律师"}  # 钱交通 only takes traffic disputes
    with pytest.raises(FieldError) as error:
        actions.choose_mediator(case, mediators["traffic"], by="portal")
    assert error.value.field == "mediator"


def test_whole_path_from_choice_to_follow_up(make_case, mediators, users, tmp_path):
    start = wallclock.now()
    with time_machine.travel(start, tick=False):
        case = make_case()
        choice = actions.choose_mediator(case, mediators["wang"], by="staff", user=users["town1"])
        asked = Notice.objects.get(recipient=users["mediator1"], case=case)
        assert asked.kind == "mediator_chosen" and asked.title == f"请确认是否接受调解:{case.number}"
        actions.respond(choice, users["mediator1"], accept=True)
        case.refresh_from_db()
        # town1 assigned the mediator, so the committee's unit now holds the case.
        assert case.handling_unit.code == MEDIATION_1
        assert Assignment.objects.filter(case=case, unit__code=MEDIATION_1, state="pending").exists()
        mediation = _mediation(case)
        assert mediation.mediator == mediators["wang"]

        actions.record_session(
            mediation,
            users["mediator1"],
            held_at=start,
            place="一号镇调解室",
            participants="张三、李四、王调解",
            notes="双方同意共同出资疏通排水沟",
            outcome="agreement",
        )
        perform_by = (start + timedelta(days=10)).astimezone(documents.LOCAL).date()
        agreement = actions.record_agreement(
            mediation,
            users["mediator1"],
            facts="两家共用排水沟堵塞,雨水倒灌李四院内,引发争吵。",
            terms=["张三、李四各承担疏通费用500元", "张三于每年汛期前清理排水沟"],
            performance="现金当面支付,双方签字确认",
            perform_by=perform_by,
        )
        actions.sign_agreement(agreement, users["mediator1"])
        confirmation = agreement.confirmation
        assert confirmation.due_at == start + timedelta(days=30)

        text = _docx_text(documents.agreement_docx(agreement))
        for expected in ("人民调解协议书", "张三", "李四", "各承担疏通费用500元", "现金当面支付", "王调解"):
            assert expected in text
        assert perform_by.strftime("%Y年%m月%d日") in text
        assert (start + timedelta(days=30)).astimezone(documents.LOCAL).strftime("%Y年%m月%d日") in text
        application = _docx_text(documents.confirmation_docx(confirmation))
        assert (
            "司法确认申请书" in application and "人民法院" in application and agreement.number in application
        )

        pdf = documents.agreement_pdf(agreement)
        assert pdf.startswith(b"%PDF")
        (tmp_path / "agreement.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                str(tmp_path / "agreement.pdf"),
                str(tmp_path / "page"),
            ],
            check=True,
        )
        pages = list(tmp_path.glob("page*.png"))
        assert pages and pages[0].stat().st_size > 1000
        pdf_text = subprocess.run(
            ["pdftotext", str(tmp_path / "agreement.pdf"), "-"], capture_output=True, text=True
        ).stdout
        if pdf_text:  # poppler-utils' pdftotext: the PDF carries the same content
            assert "张三" in pdf_text and "各承担疏通费用500元" in pdf_text

    with time_machine.travel(start + timedelta(days=24), tick=False):
        sweep()
        confirmation.refresh_from_db()
        assert confirmation.warned_at is not None and confirmation.state == "open"
        warned = Notice.objects.get(recipient=users["mediator1"], title__contains="司法确认")
        assert warned.kind == "judicial_confirmation_due" and "前申请司法确认" in warned.body
        sweep()  # idempotent
        assert Notice.objects.filter(recipient=users["mediator1"], title__contains="司法确认").count() == 1

    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        sweep()
        confirmation.refresh_from_db()
        assert confirmation.state == JudicialConfirmation.State.LAPSED
        with pytest.raises(ActionRefused):
            actions.apply_for_confirmation(confirmation, users["mediator1"])

    visit = mediation.visits.get()
    assert visit.due_at.astimezone(documents.LOCAL).date() == perform_by + timedelta(days=1)
    with time_machine.travel(visit.due_at, tick=False):
        actions.record_visit(visit, users["mediator1"], fulfilment="full", note="费用已付清")
    record = stats.mediator_record(mediators["wang"])
    assert record["cases"] == 1 and record["success_rate"] == 1.0 and record["fulfilment_rate"] == 1.0


def test_application_within_the_window(make_case, mediators, users):
    case = make_case()
    choice = actions.choose_mediator(case, mediators["wang"], by="staff", user=users["town1"])
    actions.respond(choice, users["mediator1"], accept=True)
    agreement = actions.record_agreement(
        _mediation(case),
        users["mediator1"],
        facts="事实",
        terms=["条款一"],
        performance="当面履行",
        perform_by=timezone.localdate(wallclock.now()) + timedelta(days=3),
    )
    actions.sign_agreement(agreement, users["mediator1"])
    actions.apply_for_confirmation(agreement.confirmation, users["mediator1"])
    agreement.confirmation.refresh_from_db()
    assert agreement.confirmation.state == "applied"


def test_declined_mediator_hands_the_case_back(make_case, mediators, users):
    case = make_case()
    choice = actions.choose_mediator(case, mediators["wang"], by="portal")
    with pytest.raises(ActionRefused):
        actions.choose_mediator(case, mediators["zhao"], by="portal")  # one pending choice at a time
    with pytest.raises(ActionRefused) as refused:
        actions.respond(choice, users["town2"], accept=True)
    assert refused.value.status == 403
    with pytest.raises(FieldError):
        actions.respond(choice, users["mediator1"], accept=False)  # a reason is required
    actions.respond(choice, users["mediator1"], accept=False, reason="与当事人系亲属,需回避")
    choice.refresh_from_db()
    assert choice.state == MediatorChoice.State.DECLINED
    assert _mediation(case).mediator is None
    # the centre holding the case is told, and the applicant may choose again
    answered = Notice.objects.get(case=case, title__contains="未接受调解")
    assert answered.kind == "mediator_answered" and "与当事人系亲属" in answered.body
    assert "王调解" in answered.title and "已接受" not in answered.title
    second = actions.choose_mediator(case, mediators["zhao"], by="portal")
    assert second.state == "pending"
    assert case.timeline.filter(kind="mediator_declined").exists()


def test_failed_session_ends_with_next_step(make_case, mediators, users):
    case = make_case()
    actions.respond(
        actions.choose_mediator(case, mediators["wang"], by="staff", user=users["town1"]),
        users["mediator1"],
        accept=True,
    )
    with pytest.raises(FieldError) as error:
        actions.record_session(
            _mediation(case),
            users["mediator1"],
            held_at=wallclock.now(),
            place="调解室",
            participants="双方",
            notes="未达成",
            outcome="failed",
        )
    assert error.value.field == "next_step"
    actions.record_session(
        _mediation(case),
        users["mediator1"],
        held_at=wallclock.now(),
        video_link="https://meet.example.cn/abc",
        participants="双方",
        notes="分歧过大",
        outcome="failed",
        next_step="引导当事人向人民法院起诉",
    )
    assert _mediation(case).outcome == "failed"
    assert stats.mediator_record(mediators["wang"])["success_rate"] == 0.0
