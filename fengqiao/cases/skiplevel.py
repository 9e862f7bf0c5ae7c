"""Skip-level reporting (越级上报): matters that must reach higher centres at once — a death, a
mass incident — go to the centres of the levels a rule names, with copies to named departments,
in addition to the normal routing. Each rule fires at most once per case."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role

from .codes import LEVEL_REGION_KIND
from .models import Case, SkipLevelFiring, SkipLevelRule


def matches(rule: SkipLevelRule, case: Case) -> bool:
    if rule.categories and case.category not in rule.categories:
        return False
    if rule.urgent_only and not case.urgent:
        return False
    if rule.keywords and not any(word in case.description for word in rule.keywords):
        return False
    if rule.min_risk is not None and case.risk < rule.min_risk:
        return False
    return bool(rule.keywords or rule.min_risk is not None or rule.categories or rule.urgent_only)


def receivers(rule: SkipLevelRule, case: Case):
    from .actions import region_code_at

    regions = [
        region_code_at(case.region_id, level) for level in rule.notify_levels if level in LEVEL_REGION_KIND
    ]
    units = Unit.objects.filter(
        Q(region_id__in=regions, kind=Unit.Kind.CENTRE)
        | Q(region_id__in=regions, department__in=rule.copy_departments or ["-"])
    )
    return units, User.objects.filter(unit__in=units, is_active=True).exclude(role=Role.CITIZEN)


def fire(case: Case) -> list[str]:
    """Fire every matching rule not yet fired for the case; the names of those fired."""
    from fengqiao.notices.actions import notify_event

    from .actions import _log

    fired = []
    for rule in SkipLevelRule.objects.filter(active=True):
        if not matches(rule, case):
            continue
        try:
            with transaction.atomic():
                SkipLevelFiring.objects.create(rule=rule, case=case, at=wallclock.now())
        except IntegrityError:
            continue  # fired before
        units, people = receivers(rule, case)
        notify_event("skip_level", people, case=case, rule=rule.name)
        _log(
            case,
            None,
            "skip_level",
            note=rule.name,
            data={"rule": rule.name, "units": [u.name for u in units]},
        )
        fired.append(rule.name)
    return fired
