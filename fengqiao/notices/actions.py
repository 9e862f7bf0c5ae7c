"""Sending notices. Called inside the transaction of the action that causes them, so a notice
exists exactly when its cause does."""

from django.db.models import Q

from fengqiao import clock as wallclock
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role

from .models import Notice


def notify(users, kind: str, title: str, body: str = "", case=None) -> int:
    now = wallclock.now()
    recipients = {user.pk: user for user in users if user.is_active}
    Notice.objects.bulk_create(
        Notice(recipient=user, kind=kind, title=title, body=body, case=case, created_at=now)
        for user in recipients.values()
    )
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
