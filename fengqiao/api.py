"""The JSON API under /api/v1/: one NinjaAPI that mounts each app's router."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fengqiao.accounts.api import router as accounts_router
from fengqiao.accounts.auth import api_auth
from fengqiao.analytics.api import router as analytics_router
from fengqiao.basedata.api import router as basedata_router
from fengqiao.cases.api import router as cases_router
from fengqiao.emergencies.api import router as emergencies_router
from fengqiao.errors import FieldError
from fengqiao.evaluation.api import router as evaluation_router
from fengqiao.grid.api import router as grid_router
from fengqiao.ledgers.api import router as ledgers_router
from fengqiao.mediation.api import router as mediation_router
from fengqiao.meetings.api import router as meetings_router
from fengqiao.petitions.api import router as petitions_router
from fengqiao.portal.api import router as portal_router
from fengqiao.regions.api import router as regions_router
from fengqiao.services.api import router as services_router
from fengqiao.supervision.api import router as supervision_router

api = NinjaAPI(
    title="Fengqiao API",
    version="1",
    description="Cases, regions and the closed loop of grassroots governance. Authenticate with "
    "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
    auth=api_auth,
    urls_namespace="api",
)
api.add_router("", accounts_router)
api.add_router("/regions", regions_router)
api.add_router("", cases_router)
api.add_router("/grid", grid_router)
api.add_router("", meetings_router)
api.add_router("", mediation_router)
api.add_router("", petitions_router)
api.add_router("", supervision_router)
api.add_router("", evaluation_router)
api.add_router("", analytics_router)
api.add_router("", ledgers_router)
api.add_router("", portal_router)
api.add_router("", basedata_router)
api.add_router("", services_router)
api.add_router("", emergencies_router)


def _field_name(location) -> str:
    """("body", "payload", "parties", 0, "phone") -> "parties.0.phone": Ninja puts the name of the
    view's body parameter after "body", which means nothing to a client."""
    parts = list(location)
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts[:1] in (["query"], ["path"]):
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = [
        {"field": _field_name(error.get("loc", ())), "reason": error.get("msg", "invalid")}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "invalid input", "errors": errors}, status=422)


@api.exception_handler(FieldError)
def field_error(request, exc: FieldError):
    errors = [{"field": exc.field, "reason": exc.reason}]
    return api.create_response(request, {"detail": "invalid input", "errors": errors}, status=exc.status)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    from django.conf import settings

    reason = f"larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
    return api.create_response(
        request, {"detail": "request too large", "errors": [{"field": "body", "reason": reason}]}, status=413
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(request, {"detail": "authentication required"}, status=401)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    payload = {"detail": str(exc)}
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        payload = {"detail": "invalid input", "errors": [{"field": "body", "reason": "malformed JSON"}]}
    return api.create_response(request, payload, status=exc.status_code)
