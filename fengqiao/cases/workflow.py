"""The closed loop as data: which role may take which action in which status, and where it leads.

The pages and the API ask `available_actions` which buttons to show; `cases.actions` asks `check`
before it changes anything. Object-level rules (the user's unit must hold the case, the verifier
must not be the resolver) are in `cases.actions`, because they need the case's rows.
"""

from dataclasses import dataclass

from fengqiao.accounts.roles import Role

from .codes import Status

CENTRE = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
SUPERVISORS = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
HANDLERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.DEPARTMENT_STAFF, Role.MEDIATOR, Role.GRID_WORKER})
OPEN = frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS})
ANY = frozenset(Status)


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    roles: frozenset[str]
    holder_only: bool = False  # only a member of a unit that holds the case (handling or assigned)


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition("受理", frozenset({Status.REPORTED}), Status.ACCEPTED, CENTRE),
    "reject": Transition("不予受理", frozenset({Status.REPORTED}), Status.REJECTED, CENTRE),
    # Dispatching a fresh case accepts it on the way (中心吹哨).
    "dispatch": Transition(
        "交办",
        frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS}),
        Status.DISPATCHED,
        CENTRE,
    ),
    # Starting straight from "reported" is 即接即办: the unit holding a fresh case settles it at once.
    "start": Transition(
        "签收办理",
        frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED}),
        Status.IN_PROGRESS,
        HANDLERS,
        holder_only=True,
    ),
    "return": Transition("退回", frozenset({Status.DISPATCHED}), Status.ACCEPTED, HANDLERS, holder_only=True),
    "escalate": Transition("上报上级", OPEN, None, CENTRE),
    "resolve": Transition(
        "办结", frozenset({Status.IN_PROGRESS}), Status.RESOLVED, HANDLERS, holder_only=True
    ),
    # From "verified" a redo is the centre refusing to approve the closure (结案审批退回).
    "redo": Transition("退回重办", frozenset({Status.RESOLVED, Status.VERIFIED}), Status.IN_PROGRESS, CENTRE),
    "verify": Transition("核查通过", frozenset({Status.RESOLVED}), Status.VERIFIED, CENTRE),
    "close": Transition("审批结案", frozenset({Status.VERIFIED}), Status.CLOSED, CENTRE),
    "reopen": Transition("重新办理", frozenset({Status.CLOSED, Status.REJECTED}), Status.ACCEPTED, CENTRE),
    "extend": Transition("延期", OPEN, None, CENTRE),
    "reclassify": Transition("研判分类", OPEN, None, CENTRE),
    "request_extension": Transition("申请延期", OPEN, None, HANDLERS, holder_only=True),
    "decide_extension": Transition("审批延期", OPEN, None, CENTRE),
    # Leaders are read-only except for what supervising means: instructions, urgency, pinning.
    "instruct": Transition("领导批示", ANY, None, SUPERVISORS),
    "urge": Transition("加急", OPEN, None, SUPERVISORS),
    "pin": Transition("置顶", ANY, None, SUPERVISORS),
    "unpin": Transition("取消置顶", ANY, None, SUPERVISORS),
    "record_follow_up": Transition("登记回访", frozenset({Status.CLOSED}), None, CENTRE),
    "merge": Transition("合并重复事项", OPEN, None, CENTRE),
}
ACTIONS = tuple(TRANSITIONS)


class ActionRefused(Exception):
    """An action that may not be taken. `status` is the HTTP status the API answers with:
    403 when the caller's role or unit may not take it, 409 when the case is not in a state for it."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def check(action: str, status: str, role: str) -> Transition:
    """The transition, or ActionRefused saying why not (role before state)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        from fengqiao.errors import FieldError

        raise FieldError("action", f"unknown action '{action}'; one of {', '.join(TRANSITIONS)}")
    if role not in transition.roles:
        raise ActionRefused(f"role '{role}' may not {action} a case", status=403)
    if status not in transition.sources:
        raise ActionRefused(f"cannot {action} a case that is {status}", status=409)
    return transition


def next_status(action: str, status: str) -> str:
    target = TRANSITIONS[action].target
    return status if target is None else target


def available_actions(status: str, role: str) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if role in t.roles and status in t.sources]
