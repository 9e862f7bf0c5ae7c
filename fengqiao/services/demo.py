"""Demo data of the services, idempotent: a lawyer and a counsellor with accounts (lawyer1,
counsellor1, same password as the other demo accounts), external lawyers and counsellors, a duty
roster around today, the three officials and one lawyer of every demo village; with the history,
a year of consultations, legal aid, sessions and screenings at the proportions of a county centre
(3,138 consultations and 429 sessions a year, here scaled down)."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.accounts.standard_units import department_code
from fengqiao.cases.deadlines import LOCAL
from fengqiao.regions import codes
from fengqiao.regions.models import Region

from . import scoring
from .models import (
    Consultation,
    CounsellingSession,
    Crisis,
    DutyShift,
    FollowUp,
    LegalAidApplication,
    LegalTopic,
    Provider,
    Screening,
    VillageAdviser,
)

COUNTY = "990102000000"
TOWNSHIP_1 = "990102001000"
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕春梅"
ROSTER_DAYS_BEFORE, ROSTER_DAYS_AFTER = 7, 14
HISTORY = {"consultations": 320, "aid": 36, "sessions": 60, "screenings": 90}


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _account(username: str, unit_code: str, display_name: str) -> User:
    """A department-staff account with the password of the other demo accounts (so --password holds)."""
    template = User.objects.get(username="county")
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role = Role.DEPARTMENT_STAFF
    user.region_id = COUNTY
    user.unit = Unit.objects.filter(code=unit_code).first()
    user.display_name = display_name
    user.is_active = True
    user.password = template.password
    user.save()
    return user


def _providers() -> dict[str, Provider]:
    lawyer = _account("lawyer1", department_code(COUNTY, "justice"), "值班律师一")
    counsellor = _account("counsellor1", department_code(COUNTY, "psychology"), "心理咨询师一")
    wanted = [
        ("lawyer1", Provider.Kind.LAWYER, "周明律", lawyer, COUNTY, "枫溪县明正律师事务所"),
        ("lawyer2", Provider.Kind.LAWYER, "陈思远", None, COUNTY, "枫溪县公正律师事务所"),
        ("lawyer3", Provider.Kind.LAWYER, "林静", None, COUNTY, "枫溪县明正律师事务所"),
        ("worker1", Provider.Kind.LEGAL_WORKER, "何建平", None, TOWNSHIP_1, "一镇法律服务所"),
        ("counsellor1", Provider.Kind.COUNSELLOR, "吴心怡", counsellor, COUNTY, "枫溪县心理服务中心"),
        ("counsellor2", Provider.Kind.COUNSELLOR, "郑安然", None, COUNTY, "枫溪县心理服务中心"),
    ]
    found = {}
    for key, kind, name, user, region, organisation in wanted:
        provider = Provider.objects.filter(name=name, kind=kind, region_id=region).first()
        if provider is None:
            provider = Provider.objects.create(
                kind=kind,
                name=name,
                user=user,
                region_id=region,
                organisation=organisation,
                licence_number=f"13306{len(found) + 1:012d}" if kind == Provider.Kind.LAWYER else "",
                phone="0575-8712" + str(len(found) + 1).zfill(4),
            )
        found[key] = provider
    return found


def _roster(providers: dict[str, Provider]) -> int:
    """Lawyers take turns at the county window on working hours; counsellor1 holds the 24-hour
    psychological-assistance line every day, so a crisis always reaches someone on duty."""
    today = timezone.localdate()
    lawyers = [providers["lawyer1"], providers["lawyer2"], providers["lawyer3"]]
    wanted = []
    for offset in range(-ROSTER_DAYS_BEFORE, ROSTER_DAYS_AFTER + 1):
        day = today + timedelta(days=offset)
        start = datetime.combine(day, time(0), tzinfo=LOCAL)
        wanted.append((providers["counsellor1"], "县心理援助热线(24小时)", start, start + timedelta(days=1)))
        if day.weekday() < 5:
            lawyer = lawyers[day.toordinal() % len(lawyers)]
            wanted.append(
                (
                    lawyer,
                    "县综治中心公共法律服务窗口",
                    datetime.combine(day, time(8, 30), tzinfo=LOCAL),
                    datetime.combine(day, time(17, 30), tzinfo=LOCAL),
                )
            )
    created = 0
    for provider, place, starts, ends in wanted:
        _, made = DutyShift.objects.get_or_create(
            provider=provider,
            starts_at=starts,
            defaults={"ends_at": ends, "place": place, "region_id": COUNTY},
        )
        created += made
    return created


def _village_advisers(providers: dict[str, Provider]) -> int:
    villages = list(
        Region.objects.filter(codes.subtree_q("code", COUNTY), kind=Region.Kind.VILLAGE).order_by("code")
    )
    have = set(VillageAdviser.objects.filter(region__in=villages).values_list("region_id", "post"))
    lawyers = [providers["lawyer1"], providers["lawyer2"], providers["lawyer3"], providers["worker1"]]
    rng = random.Random(13)
    rows = []
    for index, village in enumerate(villages):
        township = Region.objects.filter(code=village.parent_id).first() if village.parent_id else None
        town_name = township.name if township else ""
        lawyer = lawyers[index % len(lawyers)]
        posts = {
            VillageAdviser.Post.JUDGE: (_name(rng), f"{town_name}人民法庭"),
            VillageAdviser.Post.PROSECUTOR: (_name(rng), "枫溪县人民检察院"),
            VillageAdviser.Post.POLICE: (_name(rng), f"{town_name}派出所"),
            VillageAdviser.Post.LAWYER: (lawyer.name, lawyer.organisation),
        }
        # The last village of each ten has no prosecutor yet: the page shows the gap.
        if index % 10 == 9:
            posts.pop(VillageAdviser.Post.PROSECUTOR)
        for post, (name, organisation) in posts.items():
            if (village.code, post) in have:
                continue
            rows.append(
                VillageAdviser(
                    region=village,
                    post=post,
                    name=name,
                    organisation=organisation,
                    provider=lawyer if post == VillageAdviser.Post.LAWYER else None,
                )
            )
    VillageAdviser.objects.bulk_create(rows)
    return len(rows)


def _history(providers: dict[str, Provider]) -> int:
    """A year of records, built in bulk (scores through scoring.score, as the action does)."""
    from fengqiao.people.actions import find_or_create_person

    if Consultation.objects.exists():
        return 0
    rng = random.Random(1313)
    now = timezone.now()
    villages = list(
        Region.objects.filter(codes.subtree_q("code", COUNTY), kind=Region.Kind.VILLAGE).values_list(
            "code", flat=True
        )
    )
    people = []
    for number in range(80):
        people.append(
            find_or_create_person(
                _name(rng), phone=f"139{57000000 + number * 7919:08d}"[:11], region_code=rng.choice(villages)
            )
        )
    lawyers = [providers[key] for key in ("lawyer1", "lawyer2", "lawyer3", "worker1")]
    counsellors = [providers["counsellor1"], providers["counsellor2"]]

    def moment():
        return now - timedelta(days=rng.uniform(1, 360), hours=rng.uniform(0, 8))

    topics = LegalTopic.values
    consultations = []
    for _ in range(HISTORY["consultations"]):
        person = rng.choice(people)
        referral = rng.choices(Consultation.Referral.values, weights=(70, 8, 10, 5, 3, 3, 1), k=1)[0]
        topic = rng.choice(topics)
        consultations.append(
            Consultation(
                region_id=person.region_id,
                person=person if rng.random() < 0.8 else None,
                channel=rng.choices(Consultation.Channel.values, weights=(50, 30, 10, 10), k=1)[0],
                topic=topic,
                question=f"咨询{LegalTopic(topic).label}相关法律问题",
                answer="已释法说理,告知相关法律规定、维权途径和时效。",
                provider=rng.choice(lawyers),
                referral=referral,
                asked_at=moment(),
            )
        )
    Consultation.objects.bulk_create(consultations)

    applications = []
    for _ in range(HISTORY["aid"]):
        applied = moment()
        person = rng.choice(people)
        outcome_roll = rng.random()
        application = LegalAidApplication(
            region_id=person.region_id,
            applicant=person,
            topic=rng.choice(
                (LegalTopic.LABOUR, LegalTopic.MARRIAGE_FAMILY, LegalTopic.TORT, LegalTopic.TRAFFIC)
            ),
            matter="经济困难,申请法律援助",
            applied_at=applied,
            decision_due=applied + timedelta(days=LegalAidApplication.DECISION_DAYS),
            decided_at=applied + timedelta(days=rng.randint(1, 6)),
        )
        if outcome_roll < 0.1:
            application.status = LegalAidApplication.Status.REFUSED
            application.decision_note = "经审查不符合经济困难标准"
        else:
            application.status = LegalAidApplication.Status.CONCLUDED
            application.lawyer = rng.choice(lawyers)
            application.assignment_due = application.decided_at + timedelta(days=3)
            application.assigned_at = application.decided_at + timedelta(days=rng.randint(0, 2))
            application.outcome = rng.choices(
                LegalAidApplication.Outcome.values, weights=(45, 30, 12, 8, 5), k=1
            )[0]
            application.concluded_at = min(
                now, application.assigned_at + timedelta(days=rng.randint(20, 120))
            )
        applications.append(application)
    LegalAidApplication.objects.bulk_create(applications)

    sessions = []
    for _ in range(HISTORY["sessions"]):
        person = rng.choice(people)
        sessions.append(
            CounsellingSession(
                region_id=person.region_id,
                person=person,
                counsellor=rng.choice(counsellors),
                kind=rng.choices(CounsellingSession.Kind.values, weights=(60, 15, 10, 10, 5), k=1)[0],
                issue=rng.choice(CounsellingSession.Issue.values),
                held_at=moment(),
                minutes=rng.choice((30, 45, 50, 60, 90)),
                notes="来访者情绪较前平稳,已进行认知调整与放松训练,约定下次咨询。",
            )
        )
    CounsellingSession.objects.bulk_create(sessions)

    screenings = []
    for _ in range(HISTORY["screenings"]):
        person = rng.choice(people)
        instrument = rng.choice(list(scoring.INSTRUMENTS))
        items = len(scoring.INSTRUMENTS[instrument].items)
        level = rng.choices((0, 1, 2), weights=(70, 25, 5), k=1)[0]
        answers = [min(3, max(0, level + rng.choice((-1, 0, 0, 1)))) for _ in range(items)]
        if instrument == "phq9" and level < 2:
            answers[8] = 0
        result = scoring.score(instrument, answers)
        at = moment()
        crisis = None
        if result.crisis:
            crisis = Crisis.objects.create(
                region_id=person.region_id,
                person=person,
                source=Crisis.Source.SCREENING,
                reasons=list(result.crisis_reasons),
                status=Crisis.Status.CLOSED,
                counsellor=counsellors[0],
                notified=["counsellor1"],
                on_duty=True,
                opened_at=at,
                closed_at=at + timedelta(days=30),
                closing_note="经四次随访,情绪稳定,危机解除。",
            )
            FollowUp.objects.bulk_create(
                FollowUp(crisis=crisis, due_at=at + after, done_at=at + after, note="已电话随访,情况稳定。")
                for after in (timedelta(days=1), timedelta(days=3), timedelta(days=7), timedelta(days=30))
            )
        screenings.append(
            Screening(
                region_id=person.region_id,
                person=person,
                instrument=instrument,
                answers=list(result.answers),
                score=result.score,
                band=result.band.code,
                positive=result.positive,
                crisis=crisis,
                administered_at=at,
            )
        )
    Screening.objects.bulk_create(screenings)
    return len(consultations) + len(applications) + len(sessions) + len(screenings)


def _settle_case_crises(providers: dict[str, Provider]) -> int:
    """The case history (loaded before this step) opens crisis interventions from cases that speak
    of suicide, before any counsellor exists: give them counsellor1, and settle those older than a
    month as a counsellor would have (follow-ups done on time, crisis closed)."""
    now = timezone.now()
    settled = 0
    for crisis in Crisis.objects.filter(counsellor__isnull=True).prefetch_related("follow_ups"):
        crisis.counsellor = providers["counsellor1"]
        for follow_up in crisis.follow_ups.all():
            if follow_up.done_at is None and follow_up.due_at < now - timedelta(days=1):
                follow_up.done_at = follow_up.due_at
                follow_up.note = "已随访,情绪较前平稳。"
                follow_up.save(update_fields=["done_at", "note"])
        if crisis.opened_at < now - timedelta(days=31):
            crisis.status = Crisis.Status.CLOSED
            crisis.closed_at = crisis.opened_at + timedelta(days=30)
            crisis.closing_note = "经随访评估,危机解除。"
        crisis.save()
        settled += 1
    return settled


@transaction.atomic
def create_demo_services(history: bool) -> str:
    if not User.objects.filter(username="county").exists():
        return "skipped (no demo accounts)"
    providers = _providers()
    shifts = _roster(providers)
    advisers = _village_advisers(providers)
    records = _history(providers) if history else 0
    settled = _settle_case_crises(providers)
    return (
        f"{len(providers)} providers (lawyer1, counsellor1 can log in), {shifts} shifts, "
        f"{advisers} village advisers, {settled} crises from cases settled, {records} records"
    )
