"""The JSON API under /api/v1/: one NinjaAPI that mounts each app's router."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fengqiao.accounts.api import router as accounts_router
from fengqiao.accounts.auth import api_auth
from fengqiao.regions.api import router as regions_router

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


def _field_name(location) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = [
        {"field": _field_name(error.get("loc", ())), "reason": error.get("msg", "invalid")} for error in exc.errors
    ]
    return api.create_response(request, {"detail": "invalid input", "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(request, {"detail": "authentication required"}, status=401)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
