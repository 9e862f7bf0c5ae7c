"""The emergencies part of the sweep: an open step past its time is flagged overdue once, with a
timeline entry on the case and the `overdue` notice to the step's unit and the coordinating centre.

Idempotent and safe in several processes: each step is claimed by a conditional update (overdue
false -> true), and only the process whose update changed the row writes the entry.
"""

from datetime import datetime

from django.db import transaction

from fengqiao import clock as wallclock
from fengqiao.cases.actions import _log, centre_for

from .models import EmergencyStep

BATCH = 500


def flag_overdue_steps(at: datetime | None = None) -> int:
    """Flag the open steps due by `at`; the number flagged."""
    from fengqiao.accounts.models import User
    from fengqiao.notices.actions import notify_event

    at = at or wallclock.now()
    due = EmergencyStep.objects.filter(status=EmergencyStep.Status.OPEN, overdue=False, due_at__lte=at)
    flagged = 0
    while ids := list(due.order_by("due_at", "id").values_list("pk", flat=True)[:BATCH]):
        for pk in ids:
            with transaction.atomic():
                claimed = EmergencyStep.objects.filter(
                    pk=pk, status=EmergencyStep.Status.OPEN, overdue=False
                ).update(overdue=True)
                if not claimed:
                    continue  # done, skipped or flagged by another process meanwhile
                step = EmergencyStep.objects.select_related("case", "unit").get(pk=pk)
                case = step.case
                _log(
                    case,
                    None,
                    "emergency_step_overdue",
                    note=f"{step.unit.name if step.unit_id else ''}:{step.title}",
                    at=step.due_at,  # when it fell due, as the case sweep dates its entries
                    data={
                        "step": step.pk,
                        "title": step.title,
                        "unit": step.unit.code if step.unit_id else None,
                        "due_at": step.due_at.isoformat(),
                    },
                )
                centre = centre_for(case.region_id, case.level)
                units = {unit.pk for unit in (step.unit, centre) if unit is not None}
                notify_event(
                    "overdue",
                    User.objects.filter(unit_id__in=units, is_active=True),
                    case=case,
                    unit=step.unit,
                    what=f"应急处置步骤「{step.title}」",
                    due_at=step.due_at,
                )
                flagged += 1
    return flagged
