"""Reads of the analytics app, all through the scoping rule: which warnings and briefings a user
sees, and who may open the dashboards."""

from urllib.parse import quote

from django.db.models import Q
from django.http import Http404, HttpResponse

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import region_scope_q

from . import actions
from .models import Briefing, Warning

DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
WARNING_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER, Role.GRID_WORKER})
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _allowed(user, roles) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in roles)


def require_dashboard(user) -> None:
    # Outside these roles the pages and their data simply do not exist (as elsewhere: 404).
    if not _allowed(user, DASHBOARD_ROLES) or not (user.region_id or user.is_superuser):
        raise Http404


def require_briefings(user) -> None:
    require_dashboard(user)


def visible_warnings(user):
    if not _allowed(user, WARNING_ROLES):
        return Warning.objects.none()
    return Warning.objects.filter(region_scope_q(user, "region_id") | Q(recipients=user)).distinct()


def access_warning(user, warning_id: int) -> Warning:
    try:
        return visible_warnings(user).get(pk=warning_id)
    except Warning.DoesNotExist:
        raise Http404("no such warning") from None


def visible_briefings(user):
    if not _allowed(user, DASHBOARD_ROLES):
        return Briefing.objects.none()
    return Briefing.objects.filter(region_scope_q(user, "region_id"))


def briefing_file(user, briefing_id: int, fmt: str) -> HttpResponse:
    try:
        briefing = visible_briefings(user).get(pk=briefing_id)
    except Briefing.DoesNotExist:
        raise Http404("no such briefing") from None
    response = HttpResponse(bytes(getattr(briefing, fmt)), content_type=CONTENT_TYPES[fmt])
    name = quote(f"{briefing.title}.{fmt}")
    response["Content-Disposition"] = (
        f"attachment; filename=briefing-{briefing.pk}.{fmt}; filename*=UTF-8''{name}"
    )
    return response


def warning_fields(warning: Warning) -> dict:
    """What a warning says, the same for the API and the webhooks."""
    return {
        "id": warning.pk,
        "kind": warning.kind,
        "kind_label": warning.get_kind_display(),
        "cycle": warning.cycle,
        "severity": warning.severity,
        "state": warning.state,
        "region_code": warning.region_id,
        "category": warning.category,
        "title": warning.title,
        "detail": warning.detail,
        "period": [warning.period_start.isoformat(), warning.period_end.isoformat()],
        "detected_at": warning.detected_at.isoformat(),
    }


def warning_dict(warning: Warning, user, full: bool = False) -> dict:
    data = {
        **warning_fields(warning),
        "unit": warning.unit.name if warning.unit_id else None,
        "acknowledged_at": warning.acknowledged_at.isoformat() if warning.acknowledged_at else None,
    }
    if full:
        data["evidence"] = warning.evidence
        data["cases"] = list(warning.cases.values_list("number", flat=True))
        data["follow_ups"] = [
            {"at": f.at.isoformat(), "by": str(f.by), "note": f.note, "closes": f.closes}
            for f in warning.follow_ups.select_related("by")
        ]
        data["may_handle"] = actions.may_handle(user, warning)
    return data
