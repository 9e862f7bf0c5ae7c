"""What base data tells other apps: the triage risk reason of a party on a special-group register,
and the care panel of the home page."""

from fengqiao import clock

from .access import may_see_sensitive, visible_plans
from .models import Entry

SPECIAL_GROUP_POINTS = 15
# Which register it is stays out of the reason: the case page is seen by roles that may not know.
SPECIAL_GROUP_REASON = "当事人属特殊人群重点关注对象"


def special_group_signal(person_ids: list[int]) -> list[tuple[int, str]]:
    """Triage (triage.risk): one reason when any party is on an active special-group register."""
    on_register = Entry.objects.filter(
        person_id__in=person_ids, register__special_group=True, register__active=True, active=True
    ).exists()
    return [(SPECIAL_GROUP_POINTS, SPECIAL_GROUP_REASON)] if on_register else []


def panel_context(user) -> dict:
    plans = visible_plans(user)
    if not may_see_sensitive(user):
        plans = plans.filter(entry__register__sensitive=False)
    now = clock.now()
    return {
        "care_plans": plans.count(),
        "care_overdue": plans.filter(next_due_at__lte=now).count(),
    }
