import pytest

from fengqiao.triage.models import RoutingRule
from fengqiao.triage.routing import DEFAULT_RULES, route

GRID = "990102001001001"  # a grid of township 1
TOWNSHIP = "990102001000"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "level", "track", "unit"),
    [
        ("neighbour", "village", "mediation", "990102001001-centre"),  # 小事不出村
        ("contract_debt", "town", "mediation", "990102001-mediation"),
        ("public_security", "town", "police", "990102001-public_security"),
        ("legal_consult", "town", "legal_service", "990102001-justice"),
        ("land_acquisition", "county", "joint", "990102-natural_resources"),
        ("petition", "county", "petition", "990102-petition"),
        ("psych_support", "county", "psychological", "990102-psychology"),
        ("labour_wages", "county", "department", "990102-human_resources"),
        ("discipline", "county", "judicial", "990102-discipline"),
    ],
)
def test_each_default_rule_sends_the_matter_where_it_belongs(category, level, track, unit):
    decision = route(category, GRID, "grid")
    assert (decision.level, decision.track, decision.lead_unit.code) == (level, track, unit)
    assert decision.rule.startswith("默认") and decision.reason


@pytest.mark.django_db
def test_every_category_has_a_rule_that_finds_a_unit():
    for category, *_ in DEFAULT_RULES:
        assert route(category, GRID, "grid").lead_unit is not None, category


@pytest.mark.django_db
def test_joint_handling_names_the_assisting_units():
    decision = route("land_acquisition", GRID, "grid")
    assert [unit.code for unit in decision.assisting_units] == ["990102-housing", "990102-petition"]


@pytest.mark.django_db
def test_a_place_known_only_to_the_township_starts_there():
    assert route("neighbour", TOWNSHIP, "township").level == "town"


@pytest.mark.django_db
def test_a_regional_rule_beats_the_default_and_names_itself():
    RoutingRule.objects.create(
        name="城关镇邻里纠纷进镇调委会",
        category="neighbour",
        region_id=TOWNSHIP,
        level="town",
        track="mediation",
        lead_department="justice",
        lead_kind="mediation",
        reason="城关镇试点:邻里纠纷由镇调委会直接调解",
    )
    decision = route("neighbour", GRID, "grid")
    assert decision.rule == "城关镇邻里纠纷进镇调委会"
    assert decision.lead_unit.code == "990102001-mediation"
    other_township = route("neighbour", "990102002001001", "grid")
    assert other_township.rule.startswith("默认")


@pytest.mark.django_db
def test_routing_is_applied_at_intake_and_shown(api):
    case = (
        api("county")
        .post(
            "/cases",
            {
                "channel": "hotline",
                "description": "工地包工头拖欠二十多名工人工资",
                "category": "labour_wages",
                "region_code": TOWNSHIP,
            },
        )
        .json()
    )
    assert case["handling_unit"]["code"] == "990102-human_resources"
    assert (case["level"], case["track"]) == ("county", "department")
    assert case["timeline"][0]["data"]["routing"]["reason"] == "劳动争议与欠薪交人社部门"
