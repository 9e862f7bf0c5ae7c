"""Text messages through a pluggable gateway, with the SmsMessage table as the outbox.

    queue(...)      in the caller's transaction: one outbox row per message (phone encrypted, shown
                    masked), and an on-commit hook that sends them; a rolled-back transaction leaves
                    neither rows nor messages.
    deliver(ids)    claims each row (attempts + 1), hands it to the backend and records the outcome.
                    Never raises. After a failure the rest of the batch is left for the sweep, so a
                    dead gateway costs a request one timeout, not one per recipient.
    retry_due(at)   the sweeper (registered as "sms"): queued rows nobody sent within a minute and
                    failed rows, while attempts < SMS_MAX_ATTEMPTS.

A backend is `send(phone, text, reference="") -> (ok, provider_id, error)`; settings.SMS_BACKEND
names it: "database" (default: the outbox row and one log line are the message — demo and tests),
"http" (HttpBackend below, configured by the SMS_HTTP_* settings, see the README), or the dotted
path of a class of your own.
"""

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.module_loading import import_string

from fengqiao import clock as wallclock
from fengqiao.people import crypto
from fengqiao.people.validation import InvalidPersonalData, mask_phone, normalise_phone

from .models import SmsMessage

logger = logging.getLogger("fengqiao.notices.sms")

RETRY_AFTER = timedelta(minutes=1)
ERROR_MAX = 1000


def max_attempts() -> int:
    return getattr(settings, "SMS_MAX_ATTEMPTS", 3)


# ---------------------------------------------------------------------------------------- backends


class SmsBackend:
    name = "base"

    def send(self, phone: str, text: str, reference: str = "") -> tuple[bool, str, str]:
        raise NotImplementedError


class DatabaseBackend(SmsBackend):
    """No gateway: the outbox row is the message, and one log line says so."""

    name = "database"

    def send(self, phone, text, reference=""):
        logger.info("SMS #%s to %s (%d chars): %s", reference, mask_phone(phone), len(text), text[:70])
        return True, f"db-{reference}", ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer we do not understand: urllib raises HTTPError


_PLACEHOLDER = re.compile(r"\{(phone|phone_national|text|id)\}")


def fill(template, values: dict):
    """SMS_HTTP_TEMPLATE with {phone}, {phone_national}, {text} and {id} replaced in every string
    (in one pass: a placeholder inside the text stays as it is)."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    return template


def http_template() -> dict:
    try:
        template = json.loads(settings.SMS_HTTP_TEMPLATE)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"SMS_HTTP_TEMPLATE is not JSON: {error}") from None
    if not isinstance(template, dict):
        raise ImproperlyConfigured("SMS_HTTP_TEMPLATE must be a JSON object")
    return template


class HttpBackend(SmsBackend):
    """POSTs each message to SMS_HTTP_URL: the fields of SMS_HTTP_TEMPLATE, as JSON or as a form
    (SMS_HTTP_FORMAT), with SMS_HTTP_AUTH ("Header: value", {token} = SMS_HTTP_TOKEN) when a token
    is set. Any 2xx answer is success (the provider's id is read from a JSON answer's "id",
    "message_id", "msgid" or "sid"); anything else, a redirect included, is a failure."""

    name = "http"
    ID_FIELDS = ("id", "message_id", "msgid", "sid")

    def payload(self, phone: str, text: str, reference: str) -> tuple[bytes, str]:
        try:
            national = normalise_phone(phone).removeprefix("+86")
        except InvalidPersonalData:
            national = phone
        fields = fill(
            http_template(), {"phone": phone, "phone_national": national, "text": text, "id": reference}
        )
        if getattr(settings, "SMS_HTTP_FORMAT", "json") == "form":
            flat = {
                key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for key, value in fields.items()
            }
            return urllib.parse.urlencode(flat).encode(), "application/x-www-form-urlencoded; charset=utf-8"
        return json.dumps(fields, ensure_ascii=False).encode(), "application/json; charset=utf-8"

    def headers(self, content_type: str) -> dict:
        headers = {"Content-Type": content_type, "Accept": "application/json", "User-Agent": "fengqiao-sms/1"}
        token = getattr(settings, "SMS_HTTP_TOKEN", "")
        auth = getattr(settings, "SMS_HTTP_AUTH", "Authorization: Bearer {token}")
        if token and ":" in auth:
            name, value = auth.split(":", 1)
            headers[name.strip()] = value.strip().replace("{token}", token)
        return headers

    def send(self, phone, text, reference=""):
        url = settings.SMS_HTTP_URL
        if not url:
            return False, "", "SMS_HTTP_URL is not set"
        data, content_type = self.payload(phone, text, reference)
        request = urllib.request.Request(url, data=data, method="POST", headers=self.headers(content_type))
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=getattr(settings, "SMS_HTTP_TIMEOUT", 5)) as response:
                answer = response.read(65536)
                status = response.status
        except urllib.error.HTTPError as error:
            body = error.read(500).decode("utf-8", "replace") if error.fp else ""
            return False, "", f"HTTP {error.code}: {body}".strip()
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return False, "", f"{type(error).__name__}: {reason}"
        if not 200 <= status < 300:
            return False, "", f"HTTP {status}"
        return True, self._provider_id(answer), ""

    def _provider_id(self, answer: bytes) -> str:
        try:
            data = json.loads(answer)
        except ValueError:
            return ""
        if isinstance(data, dict):
            for key in self.ID_FIELDS:
                if data.get(key) not in (None, ""):
                    return str(data[key])[:100]
        return ""


BACKENDS = {"database": DatabaseBackend, "http": HttpBackend}


def get_backend() -> SmsBackend:
    name = getattr(settings, "SMS_BACKEND", "database") or "database"
    backend = BACKENDS.get(name)
    if backend is None:
        try:
            backend = import_string(name)
        except ImportError as error:
            raise ImproperlyConfigured(f"SMS_BACKEND {name!r}: {error}") from None
    return backend()


# ------------------------------------------------------------------------------------------ outbox


def queue(messages, event: str, case=None) -> list[int]:
    """Record `messages` [(user, text)] in the outbox and send them once the transaction commits.
    The ids recorded. A phone number that is not a valid one is recorded as failed for good."""
    return queue_numbers([(user, user.phone, text) for user, text in messages], event, case)


def queue_numbers(messages, event: str, case=None) -> list[int]:
    """As queue(), for [(user or None, phone, text)]: None for someone with no account (a case's
    applicant), whose number is given directly."""
    now = wallclock.now()
    rows = []
    for user, raw, text in messages:
        raw = (raw or "").strip()
        if not raw or not text:
            continue
        try:
            phone, error = normalise_phone(raw), ""
        except InvalidPersonalData:
            phone, error = raw, "手机号码无效,不发送"
        rows.append(
            SmsMessage(
                recipient=user,
                event=event,
                case=case,
                phone_masked=mask_phone(phone)[:32],
                phone_encrypted=crypto.encrypt(phone),
                text=text,
                created_at=now,
                # An invalid number is failed with no attempts left: nothing will ever send it.
                status=SmsMessage.Status.FAILED if error else SmsMessage.Status.QUEUED,
                attempts=max_attempts() if error else 0,
                error=error,
            )
        )
    if not rows:
        return []
    if connection.features.can_return_rows_from_bulk_insert:
        SmsMessage.objects.bulk_create(rows)
    else:
        for row in rows:
            row.save()
    ids = [row.pk for row in rows if row.status == SmsMessage.Status.QUEUED]
    if ids:
        transaction.on_commit(lambda: send_after_commit(ids), robust=True)
    return ids


def send_after_commit(ids: list[int]) -> None:
    try:
        deliver(ids)
    except Exception:
        logger.exception("SMS: sending %d message(s) failed; the sweep will retry", len(ids))


def deliver(ids, give_up_after: int = 1) -> int:
    """Send the outbox rows `ids` still to be sent; the number of attempts made. Stops after
    `give_up_after` failures (the sweep takes the rest later)."""
    backend = get_backend()
    attempted = failures = 0
    limit = max_attempts()
    pending = SmsMessage.objects.filter(
        pk__in=list(ids), status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED], attempts__lt=limit
    )
    for message in pending.order_by("pk"):
        now = wallclock.now()
        claimed = SmsMessage.objects.filter(
            pk=message.pk, status=message.status, attempts=message.attempts
        ).update(attempts=F("attempts") + 1, last_attempt_at=now, backend=backend.name)
        if not claimed:
            continue  # sent or being sent by another process
        attempted += 1
        phone = ""
        try:
            phone = crypto.decrypt(message.phone_encrypted)
            ok, provider_id, error = backend.send(phone, message.text, str(message.pk))
        except Exception as exc:  # a backend of one's own that raises, a key that is gone
            ok, provider_id, error = False, "", f"{type(exc).__name__}: {exc}"
        error = _scrub(error or "", phone, message.phone_masked)
        if ok:
            SmsMessage.objects.filter(pk=message.pk).update(
                status=SmsMessage.Status.SENT,
                provider_id=(provider_id or "")[:100],
                error="",
                sent_at=wallclock.now(),
            )
            continue
        failures += 1
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsMessage.Status.FAILED, error=(error or "failed")[:ERROR_MAX]
        )
        logger.warning(
            "SMS #%s to %s failed (attempt %d): %s",
            message.pk,
            message.phone_masked,
            message.attempts + 1,
            error,
        )
        if failures >= give_up_after:
            break
    return attempted


def _scrub(error: str, phone: str, masked: str) -> str:
    """A gateway's error message may quote the number: keep it masked there too."""
    if phone:
        for form in sorted(
            {phone, phone.removeprefix("+"), phone.removeprefix("+86")}, key=len, reverse=True
        ):
            if len(form) >= 5:
                error = error.replace(form, masked)
    return error


def retry_due(at=None) -> int:
    """The sweeper: send again, while attempts are left, what failed or is still queued, a minute
    after its last chance; the number of attempts made. Never raises (the sweep goes on)."""
    at = at or wallclock.now()
    cutoff = at - RETRY_AFTER
    due = SmsMessage.objects.filter(
        Q(last_attempt_at__lte=cutoff) | Q(last_attempt_at__isnull=True, created_at__lte=cutoff),
        status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED],
        attempts__lt=max_attempts(),
    )
    try:
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:500])
        return deliver(ids, give_up_after=3) if ids else 0
    except Exception:
        logger.exception("SMS: the retry sweep failed")
        return 0
