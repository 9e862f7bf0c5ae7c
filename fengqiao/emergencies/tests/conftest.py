"""Fixtures for the emergencies tests: the cases app's make_case and act (its conftest is not
visible from here), a response plan made here (the demo's library is tested on its own), and an
incident registered by the county centre."""

import pytest

from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput

POLICE = "990102-public_security"  # police1's unit
COUNTY_CENTRE = "990102-centre"  # the county account's unit


@pytest.fixture
def make_case(users, grid_point):
    """make_case("county", category=..., description=...) -> a case registered by that demo user
    at a place in township 1."""

    def make(username="county", *, description="村民因征地补偿款问题聚集上百人,堵住乡道", **fields):
        lat, lng, _ = grid_point("990102001")
        fields.setdefault("category", "land_acquisition")  # routed to the county, joint handling
        case, created = actions.create_case(
            Intake(
                channel="window",
                description=description,
                lat=lat,
                lng=lng,
                parties=[PartyInput("赵五", "applicant", "13800138000")],
                **fields,
            ),
            actor=users[username],
        )
        assert created
        return case

    return make


@pytest.fixture
def act(users):
    """act(case, "county", "accept", note=...) -> the case after the action."""

    def take(case, username, action, **params):
        return actions.take_action(case, users[username], action, **params)

    return take


@pytest.fixture
def plan(db):
    """A plan of three steps: the centre reports in 30 minutes, the police are on the scene in 60,
    the unit holding the case talks to the crowd within 4 hours."""
    from fengqiao.emergencies.models import PlanStep, ResponsePlan

    made = ResponsePlan.objects.create(
        name="测试:群体性事件处置",
        notify_levels=["county", "city"],
        notify_departments=["public_security"],
        keywords=["聚集"],
    )
    C, H, D = PlanStep.Responsible.CENTRE, PlanStep.Responsible.HANDLING, PlanStep.Responsible.DEPARTMENT
    PlanStep.objects.create(plan=made, order=1, title="核实首报", responsible=C, minutes=30)
    PlanStep.objects.create(
        plan=made, order=2, title="出警维护秩序", responsible=D, department="public_security", minutes=60
    )
    PlanStep.objects.create(plan=made, order=3, title="对话疏导", responsible=H, minutes=240)
    return made


@pytest.fixture
def incident(make_case):
    """A case the county centre registered: handled at county level, in township 1."""
    case = make_case("county")
    assert case.level == "county"
    return case
