"""Follow-up after closing (回访): N days after a case closes its applicant is asked whether the
matter is really settled, by SMS with a link to a public page, or by staff on the phone. "No"
reopens the case and counts against the unit that closed it."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from fengqiao import clock as wallclock

from .models import Case, FollowUp, UrgencyRule
from .notice_events import FOLLOW_UP_APPLICANT


def schedule(case: Case) -> FollowUp:
    days = UrgencyRule.current().follow_up_days
    return FollowUp.objects.create(
        case=case,
        unit=case.handling_unit,
        due_at=case.closed_at + timedelta(days=days),
        token=secrets.token_urlsafe(32),
    )


def applicant_phone(case: Case) -> str:
    party = case.parties.filter(role="applicant").select_related("person").first()
    return party.person.phone if party else ""


def ask_due(at: datetime) -> int:
    """The sweeper: ask every follow-up that has come due (once)."""
    from .actions import _log

    asked = 0
    for follow_up in FollowUp.objects.filter(asked_at__isnull=True, due_at__lte=at).select_related("case")[
        :1000
    ]:
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=follow_up.pk, asked_at__isnull=True).update(asked_at=at)
            if not claimed:
                continue
            case = follow_up.case
            sent = _ask_applicant(case, follow_up)
            _log(case, None, "follow_up_asked", at=at, data={"by_sms": sent})
            asked += 1
    return asked


def public_url(path: str) -> str:
    """An absolute address of a public page, for a text message: settings.PUBLIC_URL (the address
    citizens reach the platform at) when set, else the first named host of ALLOWED_HOSTS."""
    base = (getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        hosts = [host for host in settings.ALLOWED_HOSTS if host and host[0] not in ".*"]
        scheme = "https" if getattr(settings, "SECURE_SSL_REDIRECT", False) else "http"
        base = f"{scheme}://{hosts[0] if hosts else 'localhost'}"
    return base + path


def link(follow_up: FollowUp) -> str:
    return public_url(reverse("follow-up", args=[follow_up.token]))


def _ask_applicant(case: Case, follow_up: FollowUp) -> bool:
    """Text the applicant the link to the public follow-up page, and ask the centre that closed the
    case to follow it up (by phone when the applicant has no number or does not answer). True when
    a text message to the applicant was queued."""
    from fengqiao.notices.actions import notify_event, text_number

    from .actions import centre_for

    url = link(follow_up)
    sent = text_number(FOLLOW_UP_APPLICANT, applicant_phone(case), case=case, link=url)
    centre = centre_for(case.region_id, case.level)
    staff = centre.members.filter(is_active=True) if centre else []
    note = (
        f"已向申请人发送回访短信,回访页面:{url}" if sent else f"申请人无手机号码,请电话回访。回访页面:{url}"
    )
    notify_event("follow_up", staff, case=case, note=note)
    return sent


def answer(follow_up: FollowUp, settled: bool, note: str = "", user=None) -> Case:
    """Record the applicant's answer; "not settled" reopens the case (the unit that closed it is
    held to account in the evaluation through this row)."""
    from .actions import reopen_after_follow_up

    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.answered_at is not None:
            return follow_up.case
        follow_up.answered_at = wallclock.now()
        follow_up.settled = settled
        follow_up.answer = note
        follow_up.answered_by = user if user is not None and user.is_authenticated else None
        follow_up.save()
        return reopen_after_follow_up(follow_up, user, note) if not settled else follow_up.case
