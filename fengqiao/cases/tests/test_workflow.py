"""Every (action, status, role) combination: allowed exactly where the closed loop says."""

import itertools

import pytest

from fengqiao.accounts.roles import Role
from fengqiao.cases.codes import Status
from fengqiao.cases.workflow import ACTIONS, ActionRefused, available_actions, check, next_status
from fengqiao.errors import FieldError

CENTRE = {"admin", "centre_staff"}
HANDLERS = {"admin", "centre_staff", "department_staff", "mediator", "grid_worker"}
OPEN = {"reported", "accepted", "dispatched", "in_progress"}
ALL = set(Status.values)
SUPERVISORS = CENTRE | {"leader"}

# action: (statuses it may start from, status it leads to or None for unchanged, roles)
EXPECTED = {
    "accept": ({"reported"}, "accepted", CENTRE),
    "reject": ({"reported"}, "rejected", CENTRE),
    "dispatch": ({"reported", "accepted", "dispatched", "in_progress"}, "dispatched", CENTRE),
    "start": ({"reported", "accepted", "dispatched"}, "in_progress", HANDLERS),
    "return": ({"dispatched"}, "accepted", HANDLERS),
    "escalate": (OPEN, None, CENTRE),
    "resolve": ({"in_progress"}, "resolved", HANDLERS),
    "redo": ({"resolved", "verified"}, "in_progress", CENTRE),
    "verify": ({"resolved"}, "verified", CENTRE),
    "close": ({"verified"}, "closed", CENTRE),
    "reopen": ({"closed", "rejected"}, "accepted", CENTRE),
    "extend": (OPEN, None, CENTRE),
    "reclassify": (OPEN, None, CENTRE),
    "merge": (OPEN, None, CENTRE),
    "request_extension": (OPEN, None, HANDLERS),
    "decide_extension": (OPEN, None, CENTRE),
    "instruct": (ALL, None, SUPERVISORS),
    "urge": (OPEN, None, SUPERVISORS),
    "pin": (ALL, None, SUPERVISORS),
    "unpin": (ALL, None, SUPERVISORS),
    "record_follow_up": ({"closed"}, None, CENTRE),
}


def test_the_contract_actions_all_exist():
    contract = {"accept", "reject", "dispatch", "start", "escalate", "resolve", "verify", "close", "reopen"}
    assert contract <= set(ACTIONS)
    assert set(EXPECTED) == set(ACTIONS)


@pytest.mark.parametrize(
    ("action", "status", "role"), list(itertools.product(ACTIONS, Status.values, Role.values))
)
def test_every_combination(action, status, role):
    sources, target, roles = EXPECTED[action]
    if role in roles and status in sources:
        check(action, status, role)
        assert next_status(action, status) == (target or status)
        assert action in available_actions(status, role)
    else:
        with pytest.raises(ActionRefused) as refused:
            check(action, status, role)
        # the role is judged first: a role that may never do it gets 403, else the state gives 409
        assert refused.value.status == (403 if role not in roles else 409)
        assert action not in available_actions(status, role)


def test_leaders_only_supervise_and_citizens_can_do_nothing():
    for status in Status.values:
        assert set(available_actions(status, "leader")) <= {"instruct", "urge", "pin", "unpin"}
        assert available_actions(status, "citizen") == []


def test_unknown_action_names_the_field():
    with pytest.raises(FieldError) as error:
        check("teleport", "reported", "admin")
    assert error.value.field == "action"


def test_closed_and_rejected_cases_only_reopen_besides_supervision():
    supervision = {"instruct", "pin", "unpin"}
    assert set(available_actions("closed", "centre_staff")) == {"reopen", "record_follow_up"} | supervision
    assert set(available_actions("rejected", "centre_staff")) == {"reopen"} | supervision
