"""Demo data for mediation (a step of `fengqiao loaddemo`): the demo county's mediation bodies and
mediators, then, over the year of case history, mediations run through the real actions at the
moment they happened (choice, acceptance, sessions, agreement, signature, judicial confirmation,
return visits), and referrals between institutions for the court, police and petition-bureau cases.

Only with the case history: without it there is nothing to mediate, and the test database (which
loads the demo without history) keeps an empty directory for the tests to fill."""

import random
from datetime import timedelta

from django.db import transaction

from fengqiao import clock
from fengqiao.accounts.models import Unit, User
from fengqiao.cases.codes import Status
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Case
from fengqiao.regions.codes import subtree_q

from . import actions
from .models import Mediation, MediationBody, Mediator, Referral

COUNTY = "990102"
COUNTY_CODE = "990102000000"
SEED = 20261130
MEDIATIONS = 90
EXTERNAL = [
    ("杨国华", Mediator.Kind.ROOM_HOST, "老杨调解工作室", ["neighbour", "homestead_housing", "land_forest"]),
    ("陈律师", Mediator.Kind.LAWYER, None, ["contract_debt", "business", "labour_wages"]),
    ("刘心怡", Mediator.Kind.PSYCHOLOGIST, None, ["marriage_family"]),
    ("周法官", Mediator.Kind.INVITED, None, ["traffic", "damages", "medical"]),
    ("吴公证", Mediator.Kind.NOTARY, None, ["contract_debt", "homestead_housing"]),
]
TOWN_MEDIATORS = ["李秀兰", "王建国", "张桂芳", "赵德明", "孙丽华", "钱志强", "郑玉梅", "冯长春"]
TERMS = [
    "被申请人于{d}前一次性支付申请人赔偿款{m}元",
    "双方按原有界址恢复通行,各自拆除超出部分",
    "申请人撤回其他主张,双方就此事再无争议",
    "被申请人向申请人赔礼道歉,保证今后不再发生类似行为",
    "排水沟由双方共同出资{m}元疏通,费用各半",
]


def _directory() -> list[Mediator]:
    """A body per mediation unit of the demo county, two mediators each (mediator1 in township 1),
    and the county's named rooms and professionals."""
    mediators = []
    for unit in Unit.objects.filter(subtree_q("region_id", COUNTY_CODE), kind=Unit.Kind.MEDIATION).order_by(
        "code"
    ):
        body, _ = MediationBody.objects.get_or_create(
            name=unit.name,
            region_id=unit.region_id,
            defaults={"kind": MediationBody.Kind.PEOPLES, "unit": unit},
        )
        names = TOWN_MEDIATORS[(len(mediators) * 2) % len(TOWN_MEDIATORS) :][:2] or TOWN_MEDIATORS[:2]
        if unit.code == "990102001-mediation":
            account = User.objects.filter(username="mediator1").first()
            if account is not None:
                mediators.append(
                    Mediator.objects.create(
                        name=account.get_full_name() or "调解员一",
                        user=account,
                        body=body,
                        region_id=unit.region_id,
                        kind=Mediator.Kind.FULL_TIME,
                        specialities=["neighbour", "marriage_family", "homestead_housing", "damages"],
                        introduction="镇人民调解委员会专职调解员,擅长邻里、婚姻家庭纠纷。",
                    )
                )
                names = names[:1]
        for name in names:
            mediators.append(
                Mediator.objects.create(name=name, body=body, region_id=unit.region_id, specialities=[])
            )
    for name, kind, room, specialities in EXTERNAL:
        body = None
        if room:
            body, _ = MediationBody.objects.get_or_create(
                name=room,
                region_id="990102001000",
                defaults={"kind": MediationBody.Kind.PERSONAL_ROOM, "address": "一号镇综治中心一楼"},
            )
        mediators.append(
            Mediator.objects.create(
                name=name,
                kind=kind,
                body=body,
                region_id=body.region_id if body else f"{COUNTY}000000",
                specialities=specialities,
                introduction=f"{Mediator.Kind(kind).label},擅长:" + "、".join(specialities),
            )
        )
    return mediators


def _mediate(case: Case, rng: random.Random, chooser: User) -> str | None:
    """One mediation through the actions, at the moments it happened; its outcome or None."""
    start = case.reported_at + timedelta(hours=rng.uniform(2, 30))
    now = clock.now()
    with clock.at(start):
        suited = actions.suitable_mediators(case)
        if not suited:
            return None
        mediator = suited[rng.randrange(min(3, len(suited)))]
        by = rng.choice(["staff", "staff", "window", "portal"])
        actions.choose_mediator(case, mediator, by=by, user=chooser if by == "staff" else None)
    unit = mediator.unit
    answerer = mediator.user or (User.objects.filter(unit=unit).first() if unit else None) or chooser
    with clock.at(start + timedelta(hours=3)):
        choice = case.mediation.choices.get(state="pending")
        actions.respond(choice, answerer, accept=True)
    mediation = Mediation.objects.get(case=case)  # fresh: respond() set its mediator
    held = start + timedelta(days=rng.randint(1, 5))
    place = f"{case.region.name}人民调解室"
    failed = rng.random() < 0.1
    with clock.at(held):
        actions.record_session(
            mediation,
            answerer,
            held_at=held,
            place=place,
            participants="申请人、被申请人、调解员",
            notes="听取双方陈述,释法说理,分别做双方工作。",
            outcome="failed" if failed else "agreement",
            next_step="告知当事人可依法向人民法院起诉" if failed else "",
        )
    if failed:
        return "failed"
    with clock.at(held + timedelta(hours=1)):
        perform_by = (held + timedelta(days=rng.choice([7, 15, 30]))).astimezone(LOCAL).date()
        terms = [
            term.format(d=perform_by.isoformat(), m=rng.randrange(5, 200) * 100)
            for term in rng.sample(TERMS, rng.randint(1, 3))
        ]
        agreement = actions.record_agreement(
            mediation,
            answerer,
            facts=case.description[:300],
            terms=terms,
            performance="当面交付或银行转账" if "元" in "".join(terms) else "双方自行履行",
            perform_by=perform_by,
        )
    signed = held + timedelta(hours=2)
    with clock.at(signed):
        actions.sign_agreement(agreement, answerer)
    confirmation = agreement.confirmation
    if rng.random() < 0.3 and signed + timedelta(days=10) < now:
        with clock.at(signed + timedelta(days=rng.randint(2, 10))):
            actions.apply_for_confirmation(confirmation, answerer)
    for visit in list(mediation.visits.all()):
        moment = visit.due_at + timedelta(hours=rng.uniform(0, 48))
        if moment >= now:
            break
        fulfilment = rng.choices(["full", "partial", "none"], [80, 13, 7])[0]
        with clock.at(moment):
            actions.record_visit(visit, answerer, fulfilment=fulfilment, note="电话回访当事人")
        if fulfilment != "full":
            later = mediation.visits.filter(visited_at__isnull=True).first()
            if later is not None and later.due_at + timedelta(days=1) < now:
                again = rng.choice(["full", "partial"]) if fulfilment == "partial" else "none"
                with clock.at(later.due_at + timedelta(hours=10)):
                    actions.record_visit(later, answerer, fulfilment=again, note="再次回访")
    return "agreement"


REFERRAL_KINDS = {"court": "court", "police": "police", "petition_bureau": "petition"}
SENDERS = {"court": "990102-court", "police": "990102-public_security", "petition_bureau": "990102-petition"}


def _referrals(rng: random.Random) -> int:
    """The court, police and petition-bureau cases that went to a mediation body, as referrals
    whose outcome follows the case's."""
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=SENDERS.values())}
    made = []
    cases = (
        Case.objects.filter(
            subtree_q("region_id", COUNTY_CODE),
            channel__in=list(REFERRAL_KINDS),
            handling_unit__kind=Unit.Kind.MEDIATION,
        )
        .select_related("handling_unit")
        .order_by("reported_at")
    )
    for case in cases:
        sender = units.get(SENDERS[case.channel])
        if sender is None:
            continue
        closed = case.status in (Status.RESOLVED, Status.VERIFIED, Status.CLOSED, Status.REJECTED)
        settled = case.status != Status.REJECTED and rng.random() < 0.85
        outcome = (
            Referral.Outcome.PENDING
            if not closed
            else Referral.Outcome.SETTLED
            if settled
            else rng.choice([Referral.Outcome.FAILED, Referral.Outcome.RETURNED])
        )
        made.append(
            Referral(
                kind=REFERRAL_KINDS[case.channel],
                case=case,
                sender=sender,
                receiver=case.handling_unit,
                region_id=case.region_id,
                summary=case.title or case.description[:60],
                sent_at=case.reported_at,
                received_at=case.reported_at + timedelta(hours=4),
                outcome=outcome,
                closed_at=(case.resolved_at or case.closed_at or case.reported_at) if closed else None,
                result_note="调解成功,已签订协议" if outcome == Referral.Outcome.SETTLED else "",
            )
        )
    Referral.objects.bulk_create(made, batch_size=500)
    return len(made)


def load_demo_mediation(history: bool) -> str:
    if not history:
        return "skipped (needs the case history)"
    if Mediator.objects.filter(user__username="mediator1").exists():
        return "already present"
    from fengqiao.notices.models import Notice

    rng = random.Random(SEED)
    last_notice = Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        mediators = _directory()
    chooser = User.objects.get(username="county")
    cutoff = clock.now() - timedelta(days=20)
    candidates = list(
        Case.objects.filter(
            subtree_q("region_id", COUNTY_CODE),
            track="mediation",
            handling_unit__kind=Unit.Kind.MEDIATION,
            status__in=[Status.RESOLVED, Status.VERIFIED, Status.CLOSED],
            reported_at__lt=cutoff,
            mediation__isnull=True,
        )
        .select_related("region")
        .order_by("reported_at")
    )
    picked = rng.sample(candidates, min(MEDIATIONS, len(candidates)))
    outcomes = []
    for case in sorted(picked, key=lambda case: case.reported_at):
        with transaction.atomic():
            outcomes.append(_mediate(case, rng, chooser))
    referrals = _referrals(rng)
    # Old news: the notices these past events sent are marked read, so that inboxes show today's.
    Notice.objects.filter(pk__gt=last_notice, read_at__isnull=True).update(read_at=clock.now())
    settled = outcomes.count("agreement")
    return (
        f"{len(mediators)} mediators, {len([o for o in outcomes if o])} mediations "
        f"({settled} agreements), {referrals} referrals"
    )
