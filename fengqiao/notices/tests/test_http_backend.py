import json
import urllib.parse
from datetime import timedelta

import pytest

from fengqiao import clock as wallclock
from fengqiao.cases.sweep import sweep
from fengqiao.notices import sms
from fengqiao.notices.actions import notify_event
from fengqiao.notices.models import SmsMessage


def send_one(users, case, with_phone, capture, event="new_work"):
    with_phone("town1", "13800138001")
    with capture(execute=True):
        notify_event(event, [users["town1"]], case=case, note="请尽快上门")
    return SmsMessage.objects.get(recipient=users["town1"])


@pytest.mark.django_db
def test_the_http_backend_posts_the_json_payload(
    users, case, with_phone, gateway, django_capture_on_commit_callbacks
):
    message = send_one(users, case, with_phone, django_capture_on_commit_callbacks)
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["path"] == "/send"
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    payload = json.loads(request["body"])
    assert payload == {"phone": "+8613800138001", "text": message.text, "id": str(message.pk)}
    assert "新任务交办" in payload["text"]
    assert (message.status, message.attempts, message.provider_id, message.backend) == (
        SmsMessage.Status.SENT,
        1,
        "gw-1",
        "http",
    )


@pytest.mark.django_db
def test_form_fields_and_a_header_of_ones_own_are_configurable(
    users, case, with_phone, gateway, settings, django_capture_on_commit_callbacks
):
    settings.SMS_HTTP_FORMAT = "form"
    settings.SMS_HTTP_TEMPLATE = json.dumps(
        {"mobile": "{phone_national}", "content": "{text}", "sign": "枫桥", "ext": {"ref": "{id}"}}
    )
    settings.SMS_HTTP_AUTH = "X-Api-Key: {token}"
    message = send_one(users, case, with_phone, django_capture_on_commit_callbacks)
    request = gateway.requests[0]
    assert request["headers"]["X-Api-Key"] == "secret-token" and "Authorization" not in request["headers"]
    assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = dict(urllib.parse.parse_qsl(request["body"].decode()))
    assert fields == {
        "mobile": "13800138001",
        "content": message.text,
        "sign": "枫桥",
        "ext": json.dumps({"ref": str(message.pk)}),
    }
    assert message.status == SmsMessage.Status.SENT


def test_a_gateways_error_never_shows_the_full_number():
    error = sms._scrub("HTTP 400: 13800138001 is blocked (+8613800138001)", "+8613800138001", "138****8001")
    assert error == "HTTP 400: 138****8001 is blocked (138****8001)"


def test_a_placeholder_inside_the_text_is_not_replaced_again():
    filled = sms.fill(
        {"t": "{text}", "p": "{phone}"}, {"text": "{phone}", "phone": "1", "phone_national": "", "id": ""}
    )
    assert filled == {"t": "{phone}", "p": "1"}


@pytest.mark.django_db
def test_a_500_is_recorded_as_a_failure_and_the_sweeper_retries(
    users, case, with_phone, gateway, django_capture_on_commit_callbacks
):
    gateway.statuses = [500, 200]
    message = send_one(users, case, with_phone, django_capture_on_commit_callbacks)
    assert message.status == SmsMessage.Status.FAILED and message.attempts == 1
    assert message.error.startswith("HTTP 500")
    # Not again at once: a minute after the last attempt, by the sweep.
    assert sms.retry_due(wallclock.now()) == 0
    result = sweep(wallclock.now() + timedelta(minutes=2))
    assert result.others["sms"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error, message.provider_id) == (
        SmsMessage.Status.SENT,
        2,
        "",
        "gw-2",
    )
    assert len(gateway.requests) == 2
    assert json.loads(gateway.requests[0]["body"]) == json.loads(gateway.requests[1]["body"])


@pytest.mark.django_db
def test_the_sweeper_gives_up_after_three_attempts(
    users, case, with_phone, gateway, django_capture_on_commit_callbacks
):
    gateway.statuses = [503]
    message = send_one(users, case, with_phone, django_capture_on_commit_callbacks)
    later = wallclock.now()
    for _ in range(4):
        later += timedelta(minutes=2)
        sms.retry_due(later)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsMessage.Status.FAILED, 3)
    assert len(gateway.requests) == 3


@pytest.mark.django_db
def test_a_dead_gateway_costs_one_attempt_per_batch(
    users, case, with_phone, gateway, settings, django_capture_on_commit_callbacks
):
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
    for username in ("town1", "county", "police1"):
        with_phone(username)
    with django_capture_on_commit_callbacks(execute=True):
        notify_event("emergency", [users["town1"], users["county"], users["police1"]], case=case)
    statuses = sorted(SmsMessage.objects.values_list("status", "attempts"))
    assert statuses == [("failed", 1), ("queued", 0), ("queued", 0)]
    assert "URLError" in SmsMessage.objects.get(status="failed").error
    # The queued ones are the sweep's once their minute has passed; the gateway is back.
    settings.SMS_HTTP_URL = gateway.url
    assert sms.retry_due(wallclock.now() + timedelta(minutes=2)) == 3
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_redirect_is_a_failure(users, case, with_phone, gateway, django_capture_on_commit_callbacks):
    gateway.statuses = [302]
    message = send_one(users, case, with_phone, django_capture_on_commit_callbacks)
    assert message.status == SmsMessage.Status.FAILED and message.error.startswith("HTTP 302")
    assert len(gateway.requests) == 1


def test_the_system_check_reports_an_unusable_http_configuration(settings):
    from fengqiao.notices.apps import check_sms_settings

    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = ""
    settings.SMS_HTTP_TEMPLATE = "[1, 2"
    assert {problem.id for problem in check_sms_settings()} == {"notices.E002", "notices.E003"}
    settings.SMS_BACKEND = "no.such.Backend"
    assert [problem.id for problem in check_sms_settings()] == ["notices.E001"]
    settings.SMS_BACKEND = "database"
    assert check_sms_settings() == []
