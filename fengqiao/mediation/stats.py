"""Records and rates: per mediator (cases, success, fulfilment), fulfilment per area, and the
success rate of each kind of linkage per area. Callers pass rows already scoped to the user."""

from collections import defaultdict

from fengqiao.regions import codes as region_codes

from .models import FollowUpVisit, Mediation, Referral

ENDED = (Mediation.Outcome.AGREEMENT, Mediation.Outcome.PARTIAL, Mediation.Outcome.FAILED)
SETTLED = (Mediation.Outcome.AGREEMENT, Mediation.Outcome.PARTIAL)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _fulfilment_by_mediation(mediations) -> dict[int, str]:
    """The latest recorded visit's answer per mediation."""
    latest: dict[int, str] = {}
    visits = FollowUpVisit.objects.filter(mediation__in=mediations, visited_at__isnull=False).order_by(
        "visited_at", "id"
    )
    for mediation_id, fulfilment in visits.values_list("mediation_id", "fulfilment"):
        latest[mediation_id] = fulfilment
    return latest


def record(mediations) -> dict:
    """cases, ended, settled, success_rate (settled / ended), visited, fulfilled, fulfilment_rate
    (fully performed / agreements visited at least once)."""
    rows = list(mediations.values_list("pk", "outcome"))
    ended = sum(1 for _, outcome in rows if outcome in ENDED)
    settled = sum(1 for _, outcome in rows if outcome in SETTLED)
    answers = _fulfilment_by_mediation([pk for pk, _ in rows])
    fulfilled = sum(1 for answer in answers.values() if answer == FollowUpVisit.Fulfilment.FULL)
    return {
        "cases": len(rows),
        "open": sum(1 for _, outcome in rows if outcome == Mediation.Outcome.OPEN),
        "ended": ended,
        "settled": settled,
        "success_rate": rate(settled, ended),
        "visited": len(answers),
        "fulfilled": fulfilled,
        "fulfilment_rate": rate(fulfilled, len(answers)),
    }


def mediator_record(mediator) -> dict:
    return record(Mediation.objects.filter(mediator=mediator))


def area_of(code: str, region: str) -> str:
    """The child region of `region` that `code` lies in (itself when it lies at that level)."""
    parent_digits = len(region_codes.significant_prefix(region))
    child_digits = {2: 4, 4: 6, 6: 9, 9: 12, 12: 15, 15: 18, 18: 21}.get(parent_digits, parent_digits)
    head = code[:child_digits]
    return head.ljust(12, "0") if child_digits <= 12 else head


def fulfilment_by_area(mediations, region: str) -> dict[str, dict]:
    groups = defaultdict(list)
    for pk, region_code in mediations.values_list("pk", "case__region_id"):
        groups[area_of(region_code, region)].append(pk)
    return {area: record(Mediation.objects.filter(pk__in=pks)) for area, pks in sorted(groups.items())}


def _linkage(rows) -> dict:
    total = len(rows)
    closed = [outcome for outcome in rows if outcome != Referral.Outcome.PENDING]
    settled = sum(1 for outcome in closed if outcome == Referral.Outcome.SETTLED)
    return {
        "referred": total,
        "closed": len(closed),
        "settled": settled,
        "success_rate": rate(settled, len(closed)),
    }


def linkage_stats(referrals, region: str) -> dict:
    """Success rate (settled / closed) overall, per linkage kind and per area below `region`."""
    rows = list(referrals.values_list("kind", "region_id", "outcome"))
    by_kind, by_area = defaultdict(list), defaultdict(list)
    for kind, region_code, outcome in rows:
        by_kind[kind].append(outcome)
        by_area[area_of(region_code, region)].append(outcome)
    return {
        "region": region,
        "total": _linkage([outcome for _, _, outcome in rows]),
        "by_kind": {
            kind: {"label": Referral.Kind(kind).label, **_linkage(by_kind.get(kind, []))}
            for kind in Referral.Kind.values
        },
        "by_area": {area: _linkage(outcomes) for area, outcomes in sorted(by_area.items())},
    }
