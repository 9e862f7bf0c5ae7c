"""Triage at intake, in the case's own transaction: route it, link related cases, score the risk
and warn the people responsible when it is high."""

from dataclasses import dataclass
from datetime import date

from fengqiao.cases.models import Case, Party

from . import related, risk
from .routing import Route, route


@dataclass
class Assessment:
    related_numbers: list[str]
    risk: risk.RiskScore


def routing_for(category: str, region) -> Route:
    return route(category, region.code, region.kind)


def risk_signals(case: Case, person_ids: list[int], birth_dates: list[date]) -> risk.RiskSignals:
    earlier = (
        Case.objects.filter(parties__person_id__in=person_ids).exclude(pk=case.pk)
        if person_ids
        else Case.objects.none()
    )
    place = {"grid_code": case.grid_code} if case.grid_code else {"region_id": case.region_id}
    return risk.RiskSignals(
        earlier_between_parties=_earlier_between_parties(case, person_ids),
        earlier_at_place=Case.objects.filter(category=case.category, **place).exclude(pk=case.pk).count(),
        earlier_petitions=earlier.filter(category="petition").distinct().count(),
        party_birth_dates=birth_dates,
        party_ids=person_ids,
        today=case.reported_at.date(),
    )


def _earlier_between_parties(case: Case, person_ids: list[int]) -> int:
    """Earlier matters sharing two or more of these people (with one person, any earlier matter)."""
    if not person_ids:
        return 0
    rows = (
        Party.objects.filter(person_id__in=person_ids).exclude(case=case).values_list("case_id", "person_id")
    )
    people_per_case: dict[int, set[int]] = {}
    for case_id, person_id in rows:
        people_per_case.setdefault(case_id, set()).add(person_id)
    needed = 2 if len(set(person_ids)) >= 2 else 1
    return sum(1 for people in people_per_case.values() if len(people) >= needed)


def assess(case: Case, person_ids: list[int], birth_dates: list[date]) -> Assessment:
    hashvalues = related.signature(case.description)
    found = related.find_related(case, person_ids, hashvalues)
    numbers = related.link(case, found)
    related.index_text(case, hashvalues)
    scored = risk.score(case.description, risk_signals(case, person_ids, birth_dates))
    return Assessment(related_numbers=numbers, risk=scored)
