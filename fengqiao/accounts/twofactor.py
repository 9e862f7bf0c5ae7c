"""Two-factor login (TOTP with backup codes, through django-otp): who has it, who must have it,
enrolment, verification, reset, and the middleware that keeps a password-only session out.

A user with a confirmed authenticator must give a code at every login (the login page, the admin
login and the API token endpoint alike); roles listed in TWO_FACTOR_REQUIRED_ROLES must enrol
before they can use anything else. Backup codes are single-use, and an admin can reset a user
who lost their phone (admin action, or `fengqiao reset2fa`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR = "身份验证器"
BACKUP = "备用验证码"
BACKUP_CODE_COUNT = 10
# The session remembers that this login was checked and needs no second factor, so ordinary
# requests cost no query.
CHECKED_SESSION_KEY = "fengqiao_2fa_checked"


def is_required(user) -> bool:
    """Whether this user's role obliges them to use two-factor login."""
    roles = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    return user.role in roles or (user.is_superuser and "admin" in roles)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_enrolment(user) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret the first time), to show as a QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> bytes:
    """The otpauth:// URL of the device as an SVG QR code (served as its own image: no inline
    markup for the CSP to weigh)."""
    import io

    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    return out.getvalue()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into an app by hand."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_enrolment(user, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from the app; returns fresh backup codes,
    or None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_normalise(code)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_backup_codes(user)


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(user, code: str):
    """The device that accepts this code (a six-digit TOTP or a backup code, which is used up),
    or None. Each device throttles its own failures (django-otp doubles the wait each time)."""
    code = _normalise(code)
    if not code:
        return None
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def reset(user) -> int:
    """Remove every second factor of a user (lost phone); returns how many devices went."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return count + static


def _normalise(code: str) -> str:
    return "".join((code or "").split()).lower()[:32]


class TwoFactorMiddleware:
    """After OTPMiddleware. A session that logged in with a password only although the user has
    an authenticator (e.g. through the admin's own login form) is logged out; a user whose role
    requires two-factor login and who has not enrolled is sent to the enrolment page."""

    EXEMPT = ("/static/", "/logout/", "/login/", "/account/two-factor/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or user.is_verified()
            or request.session.get(CHECKED_SESSION_KEY) == user.pk
        ):
            return self.get_response(request)
        if is_enrolled(user):
            logout(request)
            return self._refuse(request, reverse("login"), "请重新登录并输入动态验证码")
        if is_required(user):
            if request.path.startswith(self.EXEMPT):
                return self.get_response(request)
            return self._refuse(request, reverse("two-factor"), "请先启用两步验证")
        request.session[CHECKED_SESSION_KEY] = user.pk
        return self.get_response(request)

    def _refuse(self, request, url, message):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "errors": []}, status=403)
        return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
