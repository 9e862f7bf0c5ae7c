"""Demo data for the petition procedure (a step of `fengqiao loaddemo`): every petition case of the
year of history gets its procedure, registered through `actions.register` at the moment it arrived
(so repeat petitions are linked) and filled from what the case's own timeline says happened
(acceptance, transfer, extension, answer, the petitioner's rating); a few unsatisfied petitioners
then ask for review, through `actions.request_review` at that moment."""

import random
from datetime import timedelta

from fengqiao import clock
from fengqiao.accounts.models import User
from fengqiao.cases.models import Case
from fengqiao.regions.codes import subtree_q

from . import actions
from .models import Petition

COUNTY = "990102"
COUNTY_CODE = "990102000000"
SEED = 20261131
EVALUATION = {5: "satisfied", 4: "satisfied", 3: "basic", 2: "unsatisfied", 1: "unsatisfied"}


def _fill_from_timeline(petition: Petition) -> None:
    case = petition.case
    for entry in case.timeline.filter(
        kind__in=["accept", "reject", "dispatch", "extend", "resolve"]
    ).order_by("at", "pk"):
        if entry.kind in ("accept", "reject") and petition.accepted is None:
            petition.accepted = entry.kind == "accept"
            petition.decided_at, petition.decision_reason = entry.at, entry.note or "经审查,依法决定。"
        elif entry.kind == "dispatch" and petition.transferred_at is None and case.assignments.exists():
            lead = case.assignments.order_by("pk").select_related("unit").first()
            petition.transferred_to, petition.transferred_at = lead.unit, entry.at
        elif entry.kind == "extend" and not petition.extended_days:
            petition.extended_days = entry.data.get("days") or 30
            petition.extension_reason = entry.note
        elif entry.kind == "resolve" and petition.answered_at is None:
            petition.answer, petition.answered_at, petition.answered_by_id = (
                entry.note,
                entry.at,
                entry.actor_id,
            )
    if petition.answered_at and case.satisfaction:
        petition.evaluation = EVALUATION.get(case.satisfaction, "basic")
        petition.evaluated_at = petition.answered_at + timedelta(days=3)
    petition.save()


def load_demo_petitions(history: bool) -> str:
    if not history:
        return "skipped (needs the case history)"
    cases = Case.objects.filter(
        subtree_q("region_id", COUNTY_CODE), category="petition", petition__isnull=True
    )
    if Petition.objects.exists() or not cases.exists():
        return "already present"
    rng = random.Random(SEED)
    registrar = User.objects.get(username="county")
    now = clock.now()
    reviews, total = 0, cases.count()
    for case in cases.order_by("reported_at", "pk"):
        with clock.at(case.reported_at):
            petition = actions.register(case, registrar)
        _fill_from_timeline(petition)
        asks = petition.answered_at and (petition.evaluation == "unsatisfied" or rng.random() < 0.08)
        moment = petition.answered_at + timedelta(days=rng.randint(3, 25)) if petition.answered_at else None
        if asks and moment < now:
            with clock.at(moment):
                actions.request_review(petition, kind="review", reason="对处理意见不服,请求复查")
            reviews += 1
    return f"{total} petitions, {reviews} asking for review"
