"""Intake's fast paths give what the readable definitions give.

- related.relate (hand-written statements) against find_related + link + index_text (ORM);
- service.intake_risk_signals (one statement) against service.risk_signals (ORM);
- routing's in-process memory of rules and units against the database after every kind of edit:
  admin save, bulk update, and a write that Django never sees (another process's).
"""

import pytest
from django.db import connection, transaction

from fengqiao.accounts.models import Unit
from fengqiao.cases.actions import Intake, PartyInput, create_case
from fengqiao.cases.models import CaseLink
from fengqiao.triage import related, service
from fengqiao.triage.models import RoutingRule, TextBand, TextSignature
from fengqiao.triage.routing import route

GRID = "990102001001001"
OTHER_GRID = "990102001002001"
VILLAGE = "990102001001"
TEXT = "枫桥镇青山村张某反映,邻居李某在其承包地边上违规搭建猪圈,臭气熏天,多次协商未果,要求村里出面处理。"
WANG = PartyInput("王大", "applicant", "13811112222")
LI = PartyInput("李二", "respondent", "13933334444")


def make(users, description, **fields):
    fields.setdefault("category", "neighbour")
    fields.setdefault("region_code", GRID)
    case, _ = create_case(Intake(channel="window", description=description, **fields), actor=users["county"])
    return case


def stored(case):
    return (
        set(CaseLink.objects.filter(case=case).values_list("other_id", "reason", "score")),
        bytes(TextSignature.objects.get(case=case).hashvalues)
        if TextSignature.objects.filter(case=case).exists()
        else None,
        sorted(TextBand.objects.filter(case=case).values_list("band", "county", "reported_at")),
    )


def both_paths(case):
    """(numbers, stored rows) from the definition and from the fast path, each on the same data."""
    person_ids = list(case.parties.values_list("person_id", flat=True))
    CaseLink.objects.filter(case=case).delete()
    TextBand.objects.filter(case=case).delete()
    TextSignature.objects.filter(case=case).delete()
    hashvalues = related.signature(case.description)
    results = []
    for path in ("definition", "fast"):
        with transaction.atomic():
            if path == "definition":
                numbers = related.link(case, related.find_related(case, person_ids, hashvalues))
                related.index_text(case, hashvalues)
            else:
                numbers = related.relate(case, person_ids, hashvalues)
            results.append((numbers, stored(case)))
            transaction.set_rollback(True)
    return results


@pytest.fixture
def history(users):
    """Earlier matters: shared parties, the same grid and category, a retold text, unrelated ones,
    and a petition by the same person (a risk signal)."""
    make(users, TEXT, parties=[WANG, LI])
    make(users, "王大反映李二借钱不还", category="contract_debt", region_code=OTHER_GRID, parties=[WANG, LI])
    make(users, "王大上访要求解决宅基地问题", category="petition", region_code=OTHER_GRID, parties=[WANG])
    make(users, "村东头两户因排水沟堵塞争吵")
    make(users, "小区电梯经常停运,物业不管", category="property_mgmt", region_code=OTHER_GRID)
    make(users, "某村两户为树木遮光争吵", region_code=VILLAGE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "new",
    [
        {"description": TEXT.replace("多次协商未果", "多次协商都没用"), "parties": [WANG, LI]},
        {"description": "王大又来反映和李二的纠纷", "parties": [WANG]},
        {"description": "有人反映晚上广场舞音响太吵影响休息"},
        {"description": "……", "parties": [LI]},  # no text to fingerprint
        {
            "description": "两户为树木遮光又吵起来",
            "region_code": VILLAGE,
        },  # no grid: the village is the place
        {"description": "完全无关的一件事情", "category": "consumer", "region_code": "990102002001001"},
    ],
    ids=["all-signals", "parties", "place", "no-text", "no-grid", "nothing"],
)
def test_relate_finds_and_stores_what_the_definition_does(users, history, new):
    case = make(users, **new)
    (numbers, rows), (fast_numbers, fast_rows) = both_paths(case)
    assert fast_numbers == numbers
    assert fast_rows == rows


@pytest.mark.django_db
def test_relate_finds_all_three_signals_and_intake_stores_them(users, history):
    case = make(users, TEXT.replace("要求", "希望"), parties=[WANG, LI])
    reasons = set(CaseLink.objects.filter(case=case).values_list("reason", flat=True))
    assert reasons == {"same_parties", "same_place", "same_matter"}
    assert TextBand.objects.filter(case=case).count() == related.BANDS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "new",
    [
        {"description": "王大和李二又打起来了", "parties": [WANG, LI]},
        {"description": "王大又来了", "parties": [WANG]},
        {"description": "村里又有人吵架"},
        {"description": "两户为树木遮光又吵起来", "region_code": VILLAGE, "parties": [LI]},
    ],
)
def test_intake_risk_signals_equal_the_definition(users, history, new):
    case = make(users, **new)
    person_ids = list(case.parties.values_list("person_id", flat=True))
    assert service.intake_risk_signals(case, person_ids, []) == service.risk_signals(case, person_ids, [])


# ------------------------------------------------------------------------------ routing memory


def neighbour_lead():
    lead = route("neighbour", GRID, "grid").lead_unit
    return lead.code if lead else None


@pytest.mark.django_db
def test_routing_reads_only_the_version_once_it_has_the_rules(django_assert_num_queries):
    route("neighbour", GRID, "grid")
    with django_assert_num_queries(1):
        decision = route("neighbour", GRID, "grid")
    assert decision.lead_unit.code == "990102001001-centre"


@pytest.mark.django_db
def test_routing_follows_an_admin_edit_a_bulk_update_and_another_process():
    assert neighbour_lead() == "990102001001-centre"
    rule = RoutingRule.objects.get(category="neighbour", region=None)
    rule.level = "town"
    rule.save()  # as the admin saves it
    assert neighbour_lead() == "990102001-centre"
    RoutingRule.objects.filter(pk=rule.pk).update(lead_department="justice", lead_kind="mediation")
    assert neighbour_lead() == "990102001-mediation"
    # Another worker process deactivates that unit: Django here sees nothing, the trigger does.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_unit SET active = %s WHERE code = %s", [False, "990102001-mediation"])
    assert neighbour_lead() != "990102001-mediation"
    Unit.objects.filter(code="990102001-mediation").update(active=True)
    assert neighbour_lead() == "990102001-mediation"
    RoutingRule.objects.filter(pk=rule.pk).delete()
    assert route("neighbour", GRID, "grid").rule == "默认"


@pytest.mark.django_db
def test_a_rolled_back_edit_does_not_stay_in_memory():
    rule = RoutingRule.objects.get(category="neighbour", region=None)
    with transaction.atomic():
        RoutingRule.objects.filter(pk=rule.pk).update(level="county")
        assert route("neighbour", GRID, "grid").level == "county"
        transaction.set_rollback(True)
    assert route("neighbour", GRID, "grid").level == "village"
