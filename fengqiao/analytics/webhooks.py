"""Webhook delivery of warnings: run by the sweep (never in a request), each POST with a timeout,
each attempt recorded on its Delivery, failures retried with a growing pause up to MAX_ATTEMPTS."""

import hashlib
import hmac
import json
import logging
from datetime import timedelta

import requests
from django.db import connection, transaction

from fengqiao import clock

from .models import Delivery, Warning

logger = logging.getLogger(__name__)
BATCH = 50


def payload(warning: Warning) -> dict:
    return {
        "id": warning.pk,
        "kind": warning.kind,
        "kind_label": warning.get_kind_display(),
        "cycle": warning.cycle,
        "severity": warning.severity,
        "state": warning.state,
        "region_code": warning.region_id,
        "category": warning.category,
        "title": warning.title,
        "detail": warning.detail,
        "period": [warning.period_start.isoformat(), warning.period_end.isoformat()],
        "detected_at": warning.detected_at.isoformat(),
        "unit": warning.unit.code if warning.unit_id else None,
        "cases": list(warning.cases.values_list("number", flat=True)),
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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
        response = requests.post(hook.url, data=body, headers=headers, timeout=hook.timeout_seconds)
        delivery.status_code = response.status_code
        ok = 200 <= response.status_code < 300
        delivery.error = "" if ok else f"HTTP {response.status_code}"
    except requests.RequestException as problem:
        ok = False
        delivery.error = f"{type(problem).__name__}: {problem}"[:300]
    if ok:
        delivery.state, delivery.sent_at = Delivery.State.SENT, at
    elif delivery.attempts >= Delivery.MAX_ATTEMPTS:
        delivery.state = Delivery.State.FAILED
        logger.warning("analytics: webhook %s gave up on warning %s", hook.pk, delivery.warning_id)
    else:
        delivery.next_attempt_at = at + timedelta(minutes=5 * 2 ** (delivery.attempts - 1))
    delivery.save(update_fields=["attempts", "status_code", "error", "state", "sent_at", "next_attempt_at"])
    return ok
