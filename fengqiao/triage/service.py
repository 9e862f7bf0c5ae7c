"""Triage at intake, in the case's own transaction: route it, link related cases, score the risk
and warn the people responsible when it is high."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

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
        today=timezone.localdate(case.reported_at),
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


_AT_PLACE = "(SELECT count(*) FROM cases_case WHERE category = %s AND {place} = %s AND id <> %s)"
_COUNTS = (
    """
SELECT
    """
    + _AT_PLACE
    + """,
    (SELECT count(DISTINCT c.id) FROM cases_case c JOIN cases_party p ON p.case_id = c.id
     WHERE p.person_id IN ({people}) AND c.id <> %s AND c.category = 'petition'),
    (SELECT count(*) FROM (
        SELECT case_id FROM cases_party WHERE person_id IN ({people}) AND case_id <> %s
        GROUP BY case_id HAVING count(DISTINCT person_id) >= %s) AS shared)
"""
)


def intake_risk_signals(case: Case, person_ids: list[int], birth_dates: list[date]) -> risk.RiskSignals:
    """risk_signals in one statement (the three counts as scalar subqueries), as intake runs it;
    tests/test_related_fast.py checks that it gives what risk_signals gives."""
    from django.db import connection

    place, where = ("grid_code", case.grid_code) if case.grid_code else ("region_code", case.region_id)
    # A case not inserted yet has no row to leave out: id <> 0 leaves out nothing (ids start at 1).
    own = case.pk if case.pk is not None else 0
    if person_ids:
        people = ", ".join(["%s"] * len(person_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                _COUNTS.format(place=place, people=people),
                [case.category, where, own, *person_ids, own, *person_ids, own]
                + [2 if len(set(person_ids)) >= 2 else 1],
            )
            at_place, petitions, between = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + _AT_PLACE.format(place=place), [case.category, where, own])
            at_place, petitions, between = cursor.fetchone()[0], 0, 0
    return risk.RiskSignals(
        earlier_between_parties=between,
        earlier_at_place=at_place,
        earlier_petitions=petitions,
        party_birth_dates=birth_dates,
        party_ids=person_ids,
        today=timezone.localdate(case.reported_at),
    )


def assess(case: Case, person_ids: list[int], birth_dates: list[date]) -> Assessment:
    hashvalues = related.signature(case.description)
    numbers = related.relate(case, person_ids, hashvalues)
    scored = risk.score(case.description, intake_risk_signals(case, person_ids, birth_dates))
    return Assessment(related_numbers=numbers, risk=scored)


def risk_of_new(case: Case, person_ids: list[int], birth_dates: list[date]) -> risk.RiskScore:
    """The risk of a case about to be inserted (its parties not written yet), so that intake
    writes it with the case's own INSERT: the same score assess gives once the case and its
    parties are stored, since every count leaves the case itself out."""
    return risk.score(case.description, intake_risk_signals(case, person_ids, birth_dates))


def relate_new(case: Case, person_ids: list[int]) -> list[str]:
    """assess's related-case links for a stored case, without the risk (see risk_of_new)."""
    return related.relate(case, person_ids, related.signature(case.description))
