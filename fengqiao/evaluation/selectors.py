"""Reads of evaluation, always within the caller's region scope."""

from datetime import date

from django.db.models import Q

from fengqiao.accounts.scoping import region_scope_q
from fengqiao.errors import FieldError
from fengqiao.regions import codes

from . import actions, scoring, threezero


def _within(user, region: str | None, field: str) -> Q:
    condition = region_scope_q(user, field)
    if region:
        if not codes.is_valid(region):
            raise FieldError("region", "not a region code")
        condition &= codes.subtree_q(field, region)
    return condition


def evaluation(user, kind: str, region: str | None, start: date, end: date) -> dict:
    if kind not in (scoring.TOWNSHIP, scoring.DEPARTMENT):
        raise FieldError("kind", "township or department")
    subjects = scoring.subjects(kind, _within(user, region, "code"), _within(user, region, "region_id"))
    return scoring.evaluate(kind, subjects, start, end)


def threezero_report(user, region: str | None, start: date, end: date) -> dict:
    units = actions.visible_units(user).filter(_within(user, region, "region_id"))
    return threezero.report(units, start, end)
