"""Reads for the supervision pages and the home panel, always through the scoping functions."""

from django.utils import timezone

from fengqiao import clock as wallclock

from . import actions, risk
from .models import MajorDecision
from .presenters import ledger_summary


def home_panel(user) -> dict:
    """Letters waiting for the user's unit, the ledgers at a glance, decisions awaiting assessment."""
    waiting = 0
    if user.unit_id:
        waiting = actions.visible_notices(user).filter(unit_id=user.unit_id, answered_at__isnull=True).count()
    today = timezone.localdate(wallclock.now())
    open_items = list(actions.visible_ledger(user).filter(closed_at__isnull=True))
    return {
        "supervision_summary": {
            "letters_waiting": waiting,
            "ledger": ledger_summary(open_items, today),
            "unassessed": risk.visible_decisions(user).filter(status=MajorDecision.Status.REGISTERED).count(),
        }
    }
