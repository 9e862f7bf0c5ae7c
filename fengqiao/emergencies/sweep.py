"""The emergencies part of the sweep: an open step past its time is flagged overdue once, with a
timeline entry on the case and the `overdue` notice to the step's unit and the coordinating centre.

Idempotent and safe in several processes: each step is claimed by a conditional update (overdue
false -> true), and only the process whose update changed the row writes the entry.
"""

from datetime import datetime

from fengqiao import clock as wallclock
from fengqiao.cases.actions import _log, centre_for
from fengqiao.cases.sweep import flag_overdue_once

from .models import EmergencyStep


def flag_overdue_steps(at: datetime | None = None) -> int:
    """Flag the open steps due by `at`; the number flagged."""
    return flag_overdue_once(EmergencyStep, at or wallclock.now(), _flagged, related=("unit",))


def _flagged(step: EmergencyStep) -> None:
    from fengqiao.accounts.models import User
    from fengqiao.notices.actions import notify_event

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
