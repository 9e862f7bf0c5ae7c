"""Sending notices. Called inside the transaction of the action that causes them, so a notice
exists exactly when its cause does; text messages go out only once that transaction commits
(sms.py), and nothing about them ever raises into the caller.

    notify_event(event, users, case=None, **context)   the wording from the event's template
    notify(users, kind, title, body="", case=None)     the caller's own wording (the text message,
                                                        if any, still from the event's SMS template)
    text_number(event, phone, case=None, **context)   a text message only, to someone with no account
"""

import logging

from django.db import transaction
from django.db.models import Q

from fengqiao import clock as wallclock
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role

from . import events, sms, templating
from .models import MessageTemplate, Notice

logger = logging.getLogger("fengqiao.notices")


def _recipients(users) -> list:
    """Active users, each once, in the order given."""
    unique = {}
    for user in users:
        if user is not None and user.is_active and user.pk not in unique:
            unique[user.pk] = user
    return list(unique.values())


def _override(event: str):
    return MessageTemplate.objects.filter(event=event).first()


def _create_notices(recipients, kind: str, title: str, body: str, case) -> None:
    now = wallclock.now()
    Notice.objects.bulk_create(
        Notice(
            recipient=user,
            kind=kind,
            title=title[: templating.TITLE_MAX],
            body=body,
            case=case,
            created_at=now,
        )
        for user in recipients
    )


def _queue_sms(recipients, event: str, text: str, case) -> None:
    with_phone = [(user, text) for user in recipients if (user.phone or "").strip()]
    if not with_phone or not text:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's work intact
            sms.queue(with_phone, event, case)
    except Exception:
        logger.exception("notices: could not queue %d text message(s) for %s", len(with_phone), event)


def notify_event(event: str, users, case=None, **context) -> int:
    """Tell `users` (active ones, each once) about `event` (a code of events.EVENTS) in the words
    of its template, with `case`, `unit`, `actor` and any other `context` as template variables;
    queue the text message when the template says so and the user has a phone number. The number
    of users told."""
    events.get(event)  # an unknown event is a bug even when nobody is to be told
    recipients = _recipients(users)
    if not recipients:
        return 0
    return notify_event_many(event, [(recipients, case, context)])


def notify_event_many(event: str, items) -> int:
    """notify_event for many cases at once (the deadline sweep's batches): `items` is
    [(users, case, context)]; each is told exactly as notify_event would tell it, with the inbox
    rows of all of them written in one statement. The number of users told."""
    spec = events.get(event)
    override = _override(event)
    notices, texts, told = [], [], 0
    now = wallclock.now()
    for users, case, context in items:
        recipients = _recipients(users)
        if not recipients:
            continue
        variables = templating.build_context(spec, case, **context)
        try:
            rendered = templating.render(event, variables, override)
        except templating.TemplateProblem:
            logger.exception("notices: the default template of %s does not render", event)
            number = variables["case"]["number"]
            rendered = templating.Rendered(f"{spec.name}:{number}" if number else spec.name, "", "", False)
        notices.extend(
            Notice(
                recipient=user,
                kind=event,
                title=rendered.title[: templating.TITLE_MAX],
                body=rendered.body,
                case=case,
                created_at=now,
            )
            for user in recipients
        )
        if rendered.send_sms:
            texts.append((recipients, rendered.sms, case))
        told += len(recipients)
    Notice.objects.bulk_create(notices)
    for recipients, text, case in texts:
        _queue_sms(recipients, event, text, case)
    return told


def text_number(event: str, phone: str, case=None, **context) -> bool:
    """Text someone who has no account (a case's applicant) about `event`, in the words of its
    text-message template, through the same outbox (no recipient, the number stored encrypted) and
    only once the caller's transaction commits. No inbox notice: there is no inbox. True when a
    message was queued; False without a number, when the template sends none, or on failure."""
    if not (phone or "").strip():
        return False
    spec = events.get(event)
    variables = templating.build_context(spec, case, **context)
    try:
        rendered = templating.render(event, variables, _override(event))
    except templating.TemplateProblem:
        logger.exception("notices: the default template of %s does not render", event)
        return False
    if not rendered.send_sms or not rendered.sms:
        return False
    try:
        with transaction.atomic():  # a savepoint, as in _queue_sms
            return bool(sms.queue_numbers([(None, phone, rendered.sms)], event, case))
    except Exception:
        logger.exception("notices: could not queue a text message to a number for %s", event)
        return False


def notify(users, kind: str, title: str, body: str = "", case=None) -> int:
    """Tell `users` (active ones, each once) with the caller's own title and body. The text
    message follows the event's template (its `title` and `body` are these)."""
    recipients = _recipients(users)
    if not recipients:
        return 0
    _create_notices(recipients, kind, title, body, case)
    spec = events.EVENTS.get(kind)
    if spec is not None and any((user.phone or "").strip() for user in recipients):
        try:
            text, wanted = templating.sms_for(
                kind, title, body, templating.build_context(spec, case), _override(kind)
            )
        except Exception:
            logger.exception("notices: no text message for %s: its template does not render", kind)
            text, wanted = "", False
        if wanted:
            _queue_sms(recipients, kind, text, case)
    return len(recipients)


def responsible_people(case):
    """Who answers for a case: the staff of the unit holding it and the grid workers of its grid."""
    condition = Q(pk__in=[])
    if case.handling_unit_id:
        condition |= Q(unit_id=case.handling_unit_id)
    if case.grid_code:
        condition |= Q(role=Role.GRID_WORKER, region_id=case.grid_code)
    return User.objects.filter(condition, is_active=True).exclude(role=Role.LEADER)


def mark_read(user, notice_ids=None) -> int:
    unread = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    return unread.update(read_at=wallclock.now())


def unread_count(user) -> int:
    """The user's unread notices (0 for an anonymous visitor), for the navigation's badge."""
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()
