"""Fixtures for the evaluation tests: a case registered by a demo user (the cases app's conftest
is not visible from here)."""

import pytest

from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput

VALID_ID = "11010519491231002X"


@pytest.fixture
def make_case(users, grid_point):
    """make_case("town1", category="neighbour", ...) -> a case registered by that demo user."""

    def make(
        username="town1",
        *,
        description="邻居两家因为排水沟堵塞吵架,要求村里协调",
        township="990102001",
        **fields,
    ):
        user = users[username]
        fields.setdefault("category", "village_affairs")
        if "lat" not in fields and "region_code" not in fields:
            lat, lng, _ = grid_point(township)
            fields.update(lat=lat, lng=lng)
        parties = fields.pop("parties", [PartyInput("张三", "applicant", "13800138000", VALID_ID)])
        case, created = actions.create_case(
            Intake(channel="window", description=description, parties=parties, **fields), actor=user
        )
        assert created
        return case

    return make
