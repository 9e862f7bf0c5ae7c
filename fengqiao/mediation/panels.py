"""The mediator's home panel: choices waiting for my answer, the mediations I hold, return visits
and judicial-confirmation deadlines coming up, and my availability switch."""

from datetime import timedelta

from django.db.models import Q

from fengqiao import clock as wallclock

from .models import FollowUpVisit, JudicialConfirmation, Mediation, Mediator, MediatorChoice

SOON_DAYS = 7


def my_mediators(user):
    """The directory entries a user answers for: their own, else those of their mediation body."""
    condition = Q(user=user)
    if user.unit_id:
        condition |= Q(user__isnull=True, body__unit_id=user.unit_id)
    return Mediator.objects.filter(condition, active=True).select_related("body")


def mediator_panel(user) -> dict:
    mediators = list(my_mediators(user))
    now = wallclock.now()
    soon = now + timedelta(days=SOON_DAYS)
    open_mediations = (
        Mediation.objects.filter(mediator__in=mediators, outcome=Mediation.Outcome.OPEN)
        .select_related("case", "mediator")
        .order_by("started_at")
    )
    return {
        "mediation_panel": {
            "mediators": mediators,
            "pending": MediatorChoice.objects.filter(
                mediator__in=mediators, state=MediatorChoice.State.PENDING
            )
            .select_related("mediation__case", "mediator")
            .order_by("chosen_at")[:20],
            "open": open_mediations[:20],
            "open_count": open_mediations.count(),
            "visits": FollowUpVisit.objects.filter(
                mediation__mediator__in=mediators, visited_at__isnull=True, due_at__lte=soon
            )
            .select_related("mediation__case")
            .order_by("due_at")[:20],
            "confirmations": JudicialConfirmation.objects.filter(
                agreement__mediation__mediator__in=mediators,
                state=JudicialConfirmation.State.OPEN,
                due_at__gt=now,
                due_at__lte=soon,
            )
            .select_related("agreement__mediation__case")
            .order_by("due_at")[:20],
            "now": now,
        }
    }
