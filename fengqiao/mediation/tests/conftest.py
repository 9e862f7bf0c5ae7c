"""Fixtures for the mediation tests: a case in township 1 and mediators serving it."""

import pytest

from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput
from fengqiao.mediation.models import MediationBody, Mediator

VALID_ID = "11010519491231002X"
APPLICANT_PHONE = "13800138000"
MEDIATION_1 = "990102001-mediation"  # mediator1's unit, in township 1


@pytest.fixture
def make_case(users, grid_point):
    def make(
        username="town1", *, category="neighbour", description="邻居两家因为排水沟堵塞吵架,要求调解", **fields
    ):
        lat, lng, _ = grid_point("990102001")
        parties = fields.pop(
            "parties",
            [PartyInput("张三", "applicant", APPLICANT_PHONE, VALID_ID), PartyInput("李四", "respondent")],
        )
        case, _ = actions.create_case(
            Intake(
                channel="window",
                description=description,
                category=category,
                lat=lat,
                lng=lng,
                parties=parties,
                **fields,
            ),
            actor=users[username],
        )
        return case

    return make


@pytest.fixture
def committee(users):
    from fengqiao.accounts.models import Unit

    return MediationBody.objects.create(
        name="一号镇人民调解委员会",
        kind=MediationBody.Kind.PEOPLES,
        region_id="990102001000",
        unit=Unit.objects.get(code=MEDIATION_1),
    )


@pytest.fixture
def mediators(users, committee):
    """mediator1's own entry (neighbour disputes) and an external invited mediator of the county."""
    return {
        "wang": Mediator.objects.create(
            name="王调解",
            user=users["mediator1"],
            body=committee,
            region_id="990102001000",
            specialities=["neighbour", "marriage_family"],
        ),
        "zhao": Mediator.objects.create(
            name="赵律师", kind=Mediator.Kind.LAWYER, region_id="990102000000", specialities=[]
        ),
        "traffic": Mediator.objects.create(name="钱交通", region_id="990102000000", specialities=["traffic"]),
    }
