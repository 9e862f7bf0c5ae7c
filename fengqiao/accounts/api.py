from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from ninja import Router, Schema
from ninja.errors import HttpError

from fengqiao.errors import FieldError

from .models import ApiToken

router = Router(tags=["accounts"])


class Credentials(Schema):
    username: str
    password: str
    otp: str | None = None  # the authenticator's code (or a backup code) for two-factor users


class TokenOut(Schema):
    token: str
    expires_in_days: int


class MeOut(Schema):
    username: str
    role: str
    region_code: str | None
    display_name: str
    unit: str | None
    unit_code: str | None


@router.post(
    "/auth/token", auth=None, response=TokenOut, summary="Exchange a username and password for a token"
)
def issue_token(request, credentials: Credentials):
    try:
        user = authenticate(request, username=credentials.username, password=credentials.password)
    except PermissionDenied:  # locked out after too many failures
        raise HttpError(429, "too many failed logins; try again later") from None
    if getattr(request, "axes_locked_out", False):
        raise HttpError(429, "too many failed logins; try again later")
    if user is None or not user.is_active:
        raise HttpError(401, "wrong username or password")
    from . import twofactor

    if twofactor.is_enrolled(user):
        if twofactor.verify(user, credentials.otp or "") is None:
            raise FieldError("otp", "two-factor code missing or wrong", 401)
    elif twofactor.is_required(user):
        raise HttpError(403, "two-factor login is required for this role: enrol on the web first")
    from django.conf import settings

    return {"token": ApiToken.issue(user, label="api login"), "expires_in_days": settings.API_TOKEN_DAYS}


@router.delete("/auth/token", response={204: None}, summary="Revoke the token used for this request")
def revoke_token(request):
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from .models import _digest

        ApiToken.objects.filter(digest=_digest(header[7:].strip())).update(revoked_at=_now())
    return 204, None


def _now():
    from django.utils import timezone

    return timezone.now()


@router.get("/me", response=MeOut, summary="Who the caller is and where they stand")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "role": user.role,
        "region_code": user.region_id,
        "display_name": user.display_name,
        "unit": user.unit.name if user.unit else None,
        "unit_code": user.unit.code if user.unit else None,
    }
