"""Every write of the analytics app: warnings raised from findings (addressed, notified, queued for
webhooks), acknowledged and followed up; analysis runs; briefings stored."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from fengqiao import clock
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.cases.actions import centre_for
from fengqiao.cases.codes import Level
from fengqiao.regions import codes as region_codes
from fengqiao.regions.models import Region

from . import detection, periods
from .models import AnalysisRun, Delivery, FollowUp, Warning, Webhook

NOTICE_EVENT = "analysis_warning"
REMINDER_EVENT = "analysis_warning_reminder"
# Roles that may acknowledge and follow up warnings (leaders read them).
HANDLING_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_WORKER})


REMIND_AFTER = timedelta(hours=24)


class WarningRefused(Exception):
    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def responsible_unit(region_code: str) -> Unit | None:
    """The centre that answers for a place: its township's centre below the township, else the
    centre of the region itself (a county's finding goes to the county centre)."""
    kind = region_codes.kind_of(region_code)
    if kind in ("township", "village", "grid", "compound", "building"):
        return centre_for(region_code, Level.TOWN) or centre_for(region_code, Level.COUNTY)
    level = {"county": Level.COUNTY}.get(kind, Level.CITY)
    return centre_for(region_code, level)


def grid_workers(grid_code: str | None):
    """The grid workers of a grid: accounts homed in it and those posted to it."""
    if not grid_code:
        return User.objects.none()
    from fengqiao.grid.models import GridAssignment, StaffRole

    posted = (
        GridAssignment.objects.current()
        .filter(grid_id=grid_code, user__isnull=False, role__in=[StaffRole.CHIEF, StaffRole.WORKER])
        .values("user_id")
    )
    return User.objects.filter(
        Q(role=Role.GRID_WORKER, region_id=grid_code) | Q(pk__in=posted), is_active=True
    )


def recipients_for(unit: Unit | None, grid_code: str | None) -> list[User]:
    people = list(grid_workers(grid_code))
    if unit is not None:
        people += list(User.objects.filter(unit=unit, is_active=True).exclude(role=Role.LEADER))
    return list({user.pk: user for user in people}.values())


def raise_warnings(findings: list[detection.Finding], cycle: str, period: periods.Period) -> list[Warning]:
    """New warnings for the findings not raised before (the fingerprint says), each addressed,
    notified and queued for the webhooks of its region."""
    from fengqiao.notices.actions import notify_event

    created = []
    for finding in findings:
        if Warning.objects.filter(fingerprint=finding.fingerprint).exists():
            continue
        unit = responsible_unit(finding.region_code)
        try:
            with transaction.atomic():
                warning = Warning.objects.create(
                    kind=finding.kind,
                    cycle=cycle,
                    severity=finding.severity,
                    region_id=finding.region_code,
                    category=finding.category,
                    title=finding.title[:200],
                    detail=finding.detail,
                    evidence=finding.evidence,
                    fingerprint=finding.fingerprint,
                    period_start=period.start,
                    period_end=period.end,
                    detected_at=clock.now(),
                    unit=unit,
                )
                warning.cases.set(finding.case_ids)
                people = recipients_for(unit, finding.grid_code)
                warning.recipients.set(people)
                _queue_deliveries(warning)
                notify_event(
                    NOTICE_EVENT,
                    people,
                    subject=warning.title,
                    detail=warning.detail,
                    severity=warning.get_severity_display(),
                    kind=warning.get_kind_display(),
                )
        except IntegrityError:  # raised by a concurrent run in the meantime
            continue
        created.append(warning)
    return created


def _queue_deliveries(warning: Warning) -> None:
    hooks = Webhook.objects.filter(active=True)
    for hook in hooks:
        if hook.region_id and not region_codes.in_subtree(warning.region_id, hook.region_id):
            continue
        Delivery.objects.create(webhook=hook, warning=warning, next_attempt_at=clock.now())


def run_analysis(region: Region, cycle: str, period: periods.Period, record: bool = True) -> list[Warning]:
    """Analyse a region for one period and raise what is found. With `record`, the run is noted
    (the sweep's idempotence); on demand runs may repeat."""
    findings = detection.analyse(region, period)
    warnings = raise_warnings(findings, cycle, period)
    if record:
        AnalysisRun.objects.update_or_create(
            region=region,
            cycle=cycle,
            period_start=period.start,
            defaults={"findings": len(findings), "at": clock.now()},
        )
    return warnings


def remind_unacknowledged(at) -> int:
    """Remind the recipients (and the responsible centre) once of each warning still not
    acknowledged REMIND_AFTER after it was raised; the number of warnings reminded."""
    from fengqiao.notices.actions import notify_event

    due = Warning.objects.filter(
        state=Warning.State.OPEN, reminded_at__isnull=True, detected_at__lte=at - REMIND_AFTER
    )
    reminded = 0
    for warning in due.select_related("unit"):
        with transaction.atomic():
            # Claimed by the update itself: a second sweep running at once finds nothing to do.
            if not Warning.objects.filter(pk=warning.pk, reminded_at__isnull=True).update(reminded_at=at):
                continue
            people = recipients_for(warning.unit, None) + list(warning.recipients.all())
            notify_event(
                REMINDER_EVENT,
                people,
                subject=warning.title,
                severity=warning.get_severity_display(),
                hours=int((at - warning.detected_at).total_seconds() // 3600),
            )
        reminded += 1
    return reminded


def may_handle(user, warning: Warning) -> bool:
    if user.role not in HANDLING_ROLES and not user.is_superuser:
        return False
    return (
        user.is_superuser
        or warning.recipients.filter(pk=user.pk).exists()
        or (
            user.role in (Role.ADMIN, Role.CENTRE_STAFF)
            and bool(user.unit_id)
            and user.unit_id == warning.unit_id
        )
        or (user.role in (Role.ADMIN, Role.CENTRE_STAFF) and _above(user, warning))
    )


def _above(user, warning) -> bool:
    return bool(user.region_id) and region_codes.in_subtree(warning.region_id, user.region_id)


def acknowledge(warning: Warning, user) -> Warning:
    if not may_handle(user, warning):
        raise WarningRefused("只有预警的接收人或责任中心可以签收", 403)
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if locked.state == Warning.State.OPEN:
            locked.state = Warning.State.ACKNOWLEDGED
            locked.acknowledged_at = clock.now()
            locked.acknowledged_by = user
            locked.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    return locked


def follow_up(warning: Warning, user, note: str, closes: bool = False) -> FollowUp:
    note = (note or "").strip()
    if not note:
        raise WarningRefused("请填写处置情况", 422)
    if not may_handle(user, warning):
        raise WarningRefused("只有预警的接收人或责任中心可以填报处置情况", 403)
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if locked.state == Warning.State.CLOSED:
            raise WarningRefused("该预警已处置完毕")
        entry = FollowUp.objects.create(
            warning=locked, by=user, note=note[:5000], closes=closes, at=clock.now()
        )
        now = clock.now()
        if locked.state == Warning.State.OPEN:
            locked.acknowledged_at, locked.acknowledged_by = now, user
        locked.state = Warning.State.CLOSED if closes else Warning.State.ACKNOWLEDGED
        if closes:
            locked.closed_at = now
        locked.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "closed_at"])
    return entry
