"""Webhook delivery of warnings: run by the sweep (never in a request), each POST with a timeout,
each attempt recorded on its Delivery, failures retried with a growing pause up to MAX_ATTEMPTS."""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import connection, transaction

from fengqiao import clock

from .models import Delivery, Warning

logger = logging.getLogger(__name__)
BATCH = 50


def payload(warning: Warning) -> dict:
    from .selectors import warning_fields

    return {
        **warning_fields(warning),
        "unit": warning.unit.code if warning.unit_id else None,
        "cases": list(warning.cases.values_list("number", flat=True)),
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class DeliveryFailed(Exception):
    pass


def post(url: str, body: bytes, headers: dict, timeout: float) -> int:
    """POST the body; the HTTP status (any status, 4xx and 5xx included), or DeliveryFailed when
    no answer came (refused, unreachable, timed out)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (admin-set URL)
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code
    except (OSError, ValueError) as problem:  # URLError, timeouts and connection errors are OSErrors
        raise DeliveryFailed(f"{type(problem).__name__}: {problem}") from problem


def _claim(at) -> list[int]:
    due = Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=at).order_by(
        "next_attempt_at"
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = [delivery.pk for delivery in due[:BATCH]]
        # Pushed forward while this process sends: another sweep will not pick them up meanwhile.
        Delivery.objects.filter(pk__in=claimed).update(next_attempt_at=at + timedelta(minutes=10))
    return claimed


def deliver_due(at=None) -> int:
    """Send the deliveries due at `at`; the number sent successfully."""
    at = at or clock.now()
    sent = 0
    for pk in _claim(at):
        delivery = Delivery.objects.select_related("webhook", "warning__unit").get(pk=pk)
        if _send(delivery, at):
            sent += 1
    return sent


def _send(delivery: Delivery, at) -> bool:
    hook = delivery.webhook
    body = json.dumps(payload(delivery.warning), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Fengqiao-Event": "warning"}
    if hook.secret:
        headers["X-Fengqiao-Signature"] = signature(hook.secret, body)
    delivery.attempts += 1
    try:
        delivery.status_code = post(hook.url, body, headers, hook.timeout_seconds)
        ok = 200 <= delivery.status_code < 300
        delivery.error = "" if ok else f"HTTP {delivery.status_code}"
    except DeliveryFailed as problem:
        ok = False
        delivery.error = str(problem)[:300]
    if ok:
        delivery.state, delivery.sent_at = Delivery.State.SENT, at
    elif delivery.attempts >= Delivery.MAX_ATTEMPTS:
        delivery.state = Delivery.State.FAILED
        logger.warning("analytics: webhook %s gave up on warning %s", hook.pk, delivery.warning_id)
    else:
        delivery.next_attempt_at = at + timedelta(minutes=5 * 2 ** (delivery.attempts - 1))
    delivery.save(update_fields=["attempts", "status_code", "error", "state", "sent_at", "next_attempt_at"])
    return ok
