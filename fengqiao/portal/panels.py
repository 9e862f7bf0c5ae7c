"""The home-page panel for centre staff and leaders: what citizens sent and said through the portal
in their region over the last 30 days, with the dissatisfied answers to look at."""

from datetime import timedelta

from fengqiao import clock as wallclock
from fengqiao.accounts.scoping import visible_cases

from .models import Rating

DAYS = 30


def home_panel(user) -> dict:
    since = wallclock.now() - timedelta(days=DAYS)
    cases = visible_cases(user)
    ratings = Rating.objects.filter(case__in=cases, at__gte=since)
    unhappy = (
        (ratings.filter(score__lte=Rating.Score.DISSATISFIED) | ratings.filter(settled=False))
        .select_related("case")
        .order_by("-at")[:5]
    )
    scores = list(ratings.values_list("score", flat=True))
    return {
        "portal_summary": {
            "days": DAYS,
            "received": cases.filter(channel="portal", reported_at__gte=since).count(),
            "rated": len(scores),
            "satisfied": sum(1 for score in scores if score >= Rating.Score.FAIR),
            "unhappy": list(unhappy),
        }
    }
