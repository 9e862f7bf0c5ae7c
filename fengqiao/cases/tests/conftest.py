import pytest

from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput

VALID_ID = "11010519491231002X"


@pytest.fixture
def make_case(users, grid_point):
    """make_case("town1", category="neighbour", ...) -> a case registered by that demo user."""

    def make(
        username="town1", *, channel="window", description="邻居两家因为排水沟堵塞吵架,要求村里协调", **fields
    ):
        user = users[username]
        fields.setdefault("category", "village_affairs")
        if "lat" not in fields and "region_code" not in fields:
            prefix = (
                user.region_id[:9]
                if len(user.region_id) >= 9 and user.region_id[6:9] != "000"
                else "990102001"
            )
            lat, lng, _ = grid_point(prefix)
            fields.update(lat=lat, lng=lng)
        parties = fields.pop("parties", [PartyInput("张三", "applicant", "13800138000", VALID_ID)])
        case, created = actions.create_case(
            Intake(channel=channel, description=description, parties=parties, **fields), actor=user
        )
        assert created
        return case

    return make


@pytest.fixture
def act(users):
    """act(case, "town1", "accept", note=...) -> the case after the action."""

    def take(case, username, action, **params):
        return actions.take_action(case, users[username], action, **params)

    return take
