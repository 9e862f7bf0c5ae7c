"""The one write path for supervision letters and the supervision ledger: acknowledge and answer a
letter (members of the addressed unit), put a matter on a ledger and take it off (centre staff).
Each validates, writes the row and the case's timeline entry in one transaction."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit
from fengqiao.accounts.roles import STAFF_ROLES, Role
from fengqiao.accounts.scoping import access_case, access_region, region_scope_q, visible_cases
from fengqiao.cases.actions import _log
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.regions.models import Region

from .models import LedgerItem, SupervisionNotice

LEDGER_LEVEL_OF_KIND = {
    Region.Kind.TOWNSHIP: LedgerItem.Level.TOWN,
    Region.Kind.COUNTY: LedgerItem.Level.COUNTY,
    Region.Kind.CITY: LedgerItem.Level.CITY,
}
MAX_TEXT = 4000


def is_staff(user) -> bool:
    """Supervision is staff business: citizens (and anonymous callers) see none of it."""
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in STAFF_ROLES)


def _is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


# ---------------------------------------------------------------------------------------- letters


def visible_notices(user):
    """Letters on cases the user may see, and letters addressed to the user's unit or to them."""
    from django.db.models import Q

    if not is_staff(user):
        return SupervisionNotice.objects.none()
    condition = Q(case__in=visible_cases(user)) | Q(leader_id=user.pk)
    if user.unit_id:
        condition |= Q(unit_id=user.unit_id)
    return SupervisionNotice.objects.filter(condition)


def access_notice(user, pk: int) -> SupervisionNotice:
    notice = visible_notices(user).select_related("case", "unit", "leader").filter(pk=pk).first()
    if notice is None:
        raise Http404("no such supervision notice")
    return notice


def may_answer(notice: SupervisionNotice, user) -> bool:
    return bool(user.unit_id) and user.unit_id == notice.unit_id and not user.is_read_only


def _authorise_answer(notice: SupervisionNotice, user) -> None:
    if not may_answer(notice, user):
        raise ActionRefused("only members of the addressed unit may acknowledge or answer a letter", 403)


@transaction.atomic
def acknowledge(notice: SupervisionNotice, user) -> SupervisionNotice:
    _authorise_answer(notice, user)
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at is None:
        now = wallclock.now()
        notice.acknowledged_at, notice.acknowledged_by = now, user
        notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
        _log(
            notice.case,
            user,
            "supervision_acknowledged",
            note=f"{notice.get_letter_display()}({notice.document_number})已签收",
            at=now,
            data={"notice": notice.pk, "letter": notice.letter},
        )
    return notice


@transaction.atomic
def answer(notice: SupervisionNotice, user, text: str) -> SupervisionNotice:
    _authorise_answer(notice, user)
    text = (text or "").strip()
    if not text:
        raise FieldError("answer", "required")
    if len(text) > MAX_TEXT:
        raise FieldError("answer", f"at most {MAX_TEXT} characters")
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.answered_at is not None:
        raise ActionRefused("this letter has already been answered", 409)
    now = wallclock.now()
    if notice.acknowledged_at is None:  # answering is also signing for it
        notice.acknowledged_at, notice.acknowledged_by = now, user
    notice.answered_at, notice.answered_by, notice.answer = now, user, text
    notice.save()
    _log(
        notice.case,
        user,
        "supervision_answered",
        note=f"{notice.get_letter_display()}({notice.document_number})回复:{text}",
        at=now,
        data={"notice": notice.pk, "letter": notice.letter},
    )
    return notice


# ---------------------------------------------------------------------------------------- ledger


def visible_ledger(user):
    if not is_staff(user):
        return LedgerItem.objects.none()
    return LedgerItem.objects.filter(region_scope_q(user, "region_id"))


def access_ledger_item(user, pk: int) -> LedgerItem:
    item = visible_ledger(user).filter(pk=pk).first()
    if item is None:
        raise Http404("no such ledger item")
    return item


def may_manage_ledger(user) -> bool:
    return _is_admin(user) or user.role == Role.CENTRE_STAFF


@transaction.atomic
def list_on_ledger(
    user,
    *,
    region_code: str,
    title: str,
    responsible_leader: str,
    due_date: date,
    case_number: str | None = None,
    unit_code: str | None = None,
) -> LedgerItem:
    """Put a matter on the ledger of a township, county or city (the level follows the region)."""
    if not may_manage_ledger(user):
        raise ActionRefused(f"role '{user.role}' may not put matters on a supervision ledger", 403)
    try:
        region = access_region(user, region_code)
    except Http404:
        raise FieldError("region_code", "unknown region") from None
    level = LEDGER_LEVEL_OF_KIND.get(region.kind)
    if level is None:
        raise FieldError("region_code", "a ledger is kept by a township, county or city")
    title = (title or "").strip()
    if not title:
        raise FieldError("title", "required")
    leader = (responsible_leader or "").strip()
    if not leader:
        raise FieldError("responsible_leader", "required")
    now = wallclock.now()
    if due_date < timezone.localdate(now):
        raise FieldError("due_date", "in the past")
    case = None
    if case_number:
        try:
            case = access_case(user, case_number)
        except Http404:
            raise FieldError("case", "unknown case") from None
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code, active=True).first()
        if unit is None:
            raise FieldError("responsible_unit", "unknown unit")
    item = LedgerItem.objects.create(
        level=level,
        region=region,
        case=case,
        title=title[:200],
        responsible_leader=leader[:50],
        responsible_unit=unit,
        due_date=due_date,
        listed_at=now,
        listed_by=user,
    )
    if case is not None:
        _log(
            case,
            user,
            "ledger_listed",
            note=f"列入{item.get_level_display()}督办(包案领导:{item.responsible_leader},时限 {due_date})",
            at=now,
            data={"ledger_item": item.pk, "level": level},
        )
    return item


@transaction.atomic
def close_ledger_item(item: LedgerItem, user, note: str) -> LedgerItem:
    if not may_manage_ledger(user):
        raise ActionRefused(f"role '{user.role}' may not close a ledger item", 403)
    note = (note or "").strip()
    if not note:
        raise FieldError("note", "required")
    item = LedgerItem.objects.select_for_update().get(pk=item.pk)
    if item.closed_at is not None:
        raise ActionRefused("this ledger item is already closed", 409)
    now = wallclock.now()
    item.closed_at, item.closed_by, item.close_note = now, user, note[:MAX_TEXT]
    item.save(update_fields=["closed_at", "closed_by", "close_note"])
    if item.case_id:
        _log(item.case, user, "ledger_closed", note=f"销账:{note}", at=now, data={"ledger_item": item.pk})
    return item
