import logging

import pytest
from django.db import transaction

from fengqiao.notices import sms
from fengqiao.notices.actions import notify, notify_event
from fengqiao.notices.models import Notice, SmsMessage
from fengqiao.people import crypto


@pytest.mark.django_db
def test_the_database_backend_records_the_message_only_after_commit(
    users, case, with_phone, django_capture_on_commit_callbacks, caplog
):
    town1 = with_phone("town1", "138 0013 8001")
    with caplog.at_level(logging.INFO, logger="fengqiao.notices.sms"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notify_event("new_work", [town1], case=case, note="请尽快上门")
            message = SmsMessage.objects.get(recipient=town1)
            # In the outbox with the notice, but nothing sent while the transaction is open.
            assert (message.status, message.attempts, message.sent_at) == (SmsMessage.Status.QUEUED, 0, None)
            assert not [record for record in caplog.records if record.name == "fengqiao.notices.sms"]
        assert len(callbacks) == 1
        callbacks[0]()
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT and message.attempts == 1
    assert message.backend == "database" and message.provider_id == f"db-{message.pk}"
    assert message.event == "new_work" and message.case == case and message.sent_at is not None
    assert message.text.startswith("【枫桥】新任务交办:" + case.number)
    # Stored masked and encrypted, never in clear.
    assert message.phone_masked == "138****8001"
    assert crypto.decrypt(message.phone_encrypted) == "+8613800138001"
    assert "13800138001" not in message.phone_encrypted
    lines = [record.getMessage() for record in caplog.records if record.name == "fengqiao.notices.sms"]
    assert len(lines) == 1 and "138****8001" in lines[0] and "13800138001" not in lines[0]


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(users, case, with_phone, django_capture_on_commit_callbacks):
    town1 = with_phone("town1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify_event("returned", [town1], case=case, note="不属于本单位")
                raise RuntimeError("the action fails after notifying")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert not Notice.objects.filter(kind="returned", recipient=town1).exists()


@pytest.mark.django_db
def test_users_without_a_phone_get_only_the_inbox_notice(
    users, case, with_phone, django_capture_on_commit_callbacks
):
    with_phone("town1")
    with django_capture_on_commit_callbacks(execute=True):
        told = notify_event(
            "instruction", [users["town1"], users["town2"], users["town1"]], case=case, note="抓紧"
        )
    assert told == 2  # deduplicated
    assert Notice.objects.filter(kind="instruction", recipient__username__in=["town1", "town2"]).count() == 2
    assert list(SmsMessage.objects.values_list("recipient__username", flat=True)) == ["town1"]


@pytest.mark.django_db
def test_inactive_users_get_nothing(users, case, with_phone, django_capture_on_commit_callbacks):
    town1 = with_phone("town1")
    town1.is_active = False
    town1.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_event("red_card", [town1], case=case) == 0
        assert notify([town1], Notice.Kind.OVERDUE, "超期", case=case) == 0
    assert not Notice.objects.filter(recipient=town1).exists()
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_notify_still_works_and_its_text_message_follows_the_event_template(
    users, case, with_phone, django_capture_on_commit_callbacks
):
    with_phone("police1")
    with django_capture_on_commit_callbacks(execute=True):
        told = notify(
            [users["police1"], users["mediator1"]],
            Notice.Kind.WARNING,
            f"越级上报:{case.number}",
            "涉稳",
            case=case,
        )
    assert told == 2
    notice = Notice.objects.get(recipient=users["police1"], kind="warning")
    assert (notice.title, notice.body, notice.case) == (f"越级上报:{case.number}", "涉稳", case)
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert message.text.startswith(f"【枫桥】越级上报:{case.number}。涉稳")


@pytest.mark.django_db
def test_notify_without_phones_sends_no_text_and_truncates_long_titles(users):
    assert notify([users["county"]], "new_work", "很长的标题" * 100) == 1
    assert len(Notice.objects.get(recipient=users["county"]).title) == 200
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_a_phone_number_that_is_not_one_is_recorded_as_failed_for_good(
    users, case, with_phone, django_capture_on_commit_callbacks
):
    with_phone("town1", "12345")
    with django_capture_on_commit_callbacks(execute=True):
        notify_event("new_work", [users["town1"]], case=case)
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.FAILED and "无效" in message.error
    assert message.attempts >= sms.max_attempts()
    assert sms.retry_due() == 0


@pytest.mark.django_db
def test_a_failing_outbox_never_breaks_the_callers_transaction(users, case, with_phone, monkeypatch):
    with_phone("town1")

    def broken(*args, **kwargs):
        raise RuntimeError("encryption keys missing")

    monkeypatch.setattr(sms, "queue", broken)
    with transaction.atomic():
        assert notify_event("new_work", [users["town1"]], case=case) == 1
        case.refresh_from_db()  # the transaction is still usable
    assert Notice.objects.filter(recipient=users["town1"], kind="new_work").exists()


@pytest.mark.django_db
def test_a_backend_that_raises_is_recorded_as_a_failure(
    users, case, with_phone, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "fengqiao.notices.tests.test_sms.ExplodingBackend"
    with_phone("town1")
    with django_capture_on_commit_callbacks(execute=True):
        notify_event("new_work", [users["town1"]], case=case)
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.FAILED and "boom" in message.error
    assert message.backend == "exploding" and message.attempts == 1


class ExplodingBackend(sms.SmsBackend):
    name = "exploding"

    def send(self, phone, text, reference=""):
        raise ConnectionError("boom")


@pytest.mark.django_db
def test_the_high_risk_warning_goes_through_the_warning_event(users, with_phone):
    from fengqiao.cases.actions import Intake, create_case

    with_phone("grid1")
    case, _ = create_case(
        Intake(
            channel="window",
            description="张某扬言要拿刀砍死邻居,说要同归于尽,双方已经打伤住院,纠纷拖了十几年",
            category="neighbour",
            region_code=users["grid1"].region_id,
        ),
        actor=users["town1"],
    )
    notice = Notice.objects.get(case=case, kind="warning", recipient=users["grid1"])
    assert notice.title == f"高风险事项 {case.number}(风险 {case.risk})"
    assert notice.body == ";".join(case.risk_reasons)
    assert SmsMessage.objects.filter(case=case, recipient=users["grid1"], event="warning").exists()
