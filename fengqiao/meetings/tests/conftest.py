"""Fixtures for the meetings tests: the cases app's make_case and act (its conftest is not visible
from here), and a joint case with a meeting holding two tasks."""

from datetime import timedelta

import pytest

from fengqiao import clock as wallclock
from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput

VALID_ID = "11010519491231002X"
MEDIATION_1 = "990102001-mediation"  # mediator1's unit, in township 1
POLICE = "990102-public_security"  # police1's unit, at the county


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


@pytest.fixture
def joint_case(make_case):
    """A land-acquisition dispute in township 2: routed to the county as joint handling, led by
    natural resources with housing and the petition bureau assisting. mediator1 (township 1) and
    town1 cannot see it by region."""
    return make_case(
        "town2", category="land_acquisition", description="村民反映征地补偿款迟迟未发放,多次上访"
    )


@pytest.fixture
def times():
    now = wallclock.now()
    return {"held": now - timedelta(hours=2), "due": now + timedelta(days=3)}


@pytest.fixture
def meeting(joint_case, users, times):
    """A meeting the county centre held on the joint case: a task each for township 1's mediation
    committee and the county police."""
    from fengqiao.meetings.actions import record_meeting

    return record_meeting(
        joint_case,
        users["county"],
        times["held"],
        "县综治中心三楼会议室",
        ["990102-natural_resources", MEDIATION_1, POLICE],
        "由镇调委会组织双方调解,公安做好现场秩序维护。",
        [
            (MEDIATION_1, "组织征地双方调解", times["due"]),
            (POLICE, "维护现场秩序,排查涉稳风险", times["due"]),
        ],
    )


def drive_to_verified(case, act):
    """Settle the case as far as closure needs: handled, resolved by the admin, verified by the county."""
    case = act(case, "admin", "start")
    case = act(case, "admin", "resolve", note="补偿款已发放到位")
    return act(case, "county", "verify")
