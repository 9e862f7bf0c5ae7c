"""Figures of the services for a region subtree and a period: counts only, no person, so every
staff role (leaders included) may read them for the regions they see."""

from datetime import datetime

from django.db.models import Count, F, Q

from fengqiao import clock as wallclock
from fengqiao.regions import codes

from . import scoring
from .models import (
    Consultation,
    CounsellingSession,
    Crisis,
    FollowUp,
    LegalAidApplication,
    Provider,
    Screening,
    VillageAdviser,
)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _by(queryset, field: str) -> dict:
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk")).order_by(field)}


def figures(region_code: str, start: datetime, end: datetime) -> dict:
    """Everything between `start` (inclusive) and `end` (exclusive) in the region's subtree."""
    here = codes.subtree_q("region_id", region_code)
    consultations = Consultation.objects.filter(here, asked_at__gte=start, asked_at__lt=end)
    aid = LegalAidApplication.objects.filter(here, applied_at__gte=start, applied_at__lt=end)
    decided = aid.filter(decided_at__isnull=False)
    sessions = CounsellingSession.objects.filter(here, held_at__gte=start, held_at__lt=end)
    screenings = Screening.objects.filter(here, administered_at__gte=start, administered_at__lt=end)
    crises = Crisis.objects.filter(here, opened_at__gte=start, opened_at__lt=end)
    now = wallclock.now()
    follow_ups = FollowUp.objects.filter(crisis__in=crises, due_at__lt=min(now, end))
    concluded = aid.filter(status=LegalAidApplication.Status.CONCLUDED)
    supported = concluded.filter(
        outcome__in=[
            LegalAidApplication.Outcome.UPHELD,
            LegalAidApplication.Outcome.SETTLED,
            LegalAidApplication.Outcome.PARTLY,
        ]
    ).count()
    by_instrument = {}
    for code, instrument in scoring.INSTRUMENTS.items():
        done = screenings.filter(instrument=code)
        total = done.count()
        by_instrument[code] = {
            "screened": total,
            "positive": done.filter(positive=True).count(),
            "positive_rate": _rate(done.filter(positive=True).count(), total),
            "by_band": {band.code: done.filter(band=band.code).count() for band in instrument.bands},
        }
    villages = VillageAdviser.objects.filter(here)
    village_count = _village_count(region_code)
    complete = (
        villages.values("region_id").annotate(posts=Count("post", distinct=True)).filter(posts=4).count()
    )
    return {
        "region_code": region_code,
        "from": start,
        "to": end,
        "legal": {
            "consultations": consultations.count(),
            "by_topic": _by(consultations, "topic"),
            "by_channel": _by(consultations, "channel"),
            "by_referral": _by(consultations, "referral"),
            "aid_applications": aid.count(),
            "aid_granted": decided.exclude(status=LegalAidApplication.Status.REFUSED).count(),
            "aid_refused": decided.filter(status=LegalAidApplication.Status.REFUSED).count(),
            "aid_decided_on_time_rate": _rate(
                decided.filter(decided_at__lte=F("decision_due")).count(), decided.count()
            ),
            "aid_awaiting_decision": aid.filter(status=LegalAidApplication.Status.SUBMITTED).count(),
            "aid_concluded": concluded.count(),
            "aid_by_outcome": _by(concluded, "outcome"),
            "aid_supported_rate": _rate(supported, concluded.count()),
            "lawyers": Provider.objects.filter(
                Q(here) | Q(region_id__in=_above(region_code)), kind__in=Provider.LEGAL_KINDS, active=True
            ).count(),
            "villages": village_count,
            "villages_with_all_four": complete,
            "villages_with_adviser": villages.filter(post=VillageAdviser.Post.LAWYER).count(),
        },
        "psychological": {
            "sessions": sessions.count(),
            "session_hours": round(sum(sessions.values_list("minutes", flat=True)) / 60, 1),
            "by_kind": _by(sessions, "kind"),
            "by_issue": _by(sessions, "issue"),
            "screenings": screenings.count(),
            "by_instrument": by_instrument,
            "crises": crises.count(),
            "crises_open": Crisis.objects.filter(here, status=Crisis.Status.OPEN).count(),
            "crises_reached_on_duty_rate": _rate(crises.filter(on_duty=True).count(), crises.count()),
            "follow_ups_due": follow_ups.count(),
            "follow_ups_done": follow_ups.filter(done_at__isnull=False).count(),
            "follow_ups_overdue": follow_ups.filter(
                done_at__isnull=True, crisis__status=Crisis.Status.OPEN
            ).count(),
        },
    }


def _above(region_code: str) -> list[str]:
    from .selectors import ancestor_codes

    return [code for code in ancestor_codes(region_code) if code != region_code]


def _village_count(region_code: str) -> int:
    from fengqiao.regions.models import Region

    return Region.objects.filter(codes.subtree_q("code", region_code), kind=Region.Kind.VILLAGE).count()
