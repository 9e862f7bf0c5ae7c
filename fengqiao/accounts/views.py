"""Login pages with the second factor, and each user's own two-factor settings page."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from . import twofactor
from .models import User

PENDING_SESSION_KEY = "fengqiao_2fa_pending"
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5


class LoginView(auth_views.LoginView):
    """The password step. A user with an authenticator is not logged in yet: the session only
    remembers who passed the password, for a few minutes, and the code page finishes the login."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.is_enrolled(user):
            self.request.session[PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
                "failures": 0,
            }
            return redirect("login-verify")
        response = super().form_valid(form)
        if not twofactor.is_required(user):
            self.request.session[twofactor.CHECKED_SESSION_KEY] = user.pk
        return response


@never_cache
@sensitive_post_parameters("code")
def login_verify(request):
    """The code step: a six-digit code from the authenticator app, or one backup code."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        messages.info(request, "请先输入用户名和密码。")
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_SESSION_KEY, None)
        return redirect("login")
    error = ""
    if request.method == "POST":
        device = twofactor.verify(user, request.POST.get("code", ""))
        if device is not None:
            del request.session[PENDING_SESSION_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            if device.__class__.__name__ == "StaticDevice":
                left = twofactor.backup_codes_left(user)
                messages.warning(request, f"已使用一个备用验证码,还剩 {left} 个。")
            target = pending["next"]
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        pending["failures"] += 1
        if pending["failures"] >= MAX_CODE_FAILURES:
            request.session.pop(PENDING_SESSION_KEY, None)
            messages.error(request, "验证码错误次数过多,请重新登录。")
            return redirect("login")
        request.session[PENDING_SESSION_KEY] = pending
        error = "验证码不正确或已过期,请重新输入。"
    return render(request, "accounts/login_verify.html", {"error": error, "username": user.username})


@never_cache
@login_required
@sensitive_post_parameters("code")
def two_factor(request):
    """Turn two-factor login on (QR code, then a code to confirm), renew backup codes, or turn
    it off (not for roles that must keep it)."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    context = {"required": twofactor.is_required(user), "error": "", "codes": None}
    if action == "confirm":
        codes = twofactor.confirm_enrolment(user, request.POST.get("code", ""))
        if codes is None:
            context["error"] = "验证码不正确,请按手机上当前显示的六位数字重新输入。"
        else:
            otp_login(request, twofactor.authenticator(user))
            context["codes"] = codes
            messages.success(request, "两步验证已启用。")
    elif action in ("backup", "disable"):
        if not user.is_verified() or twofactor.verify(user, request.POST.get("code", "")) is None:
            context["error"] = "请输入身份验证器当前的六位验证码以确认。"
        elif action == "backup":
            context["codes"] = twofactor.new_backup_codes(user)
        elif context["required"]:
            context["error"] = "您的岗位要求使用两步验证,不能关闭。"
        else:
            twofactor.reset(user)
            request.session[twofactor.CHECKED_SESSION_KEY] = user.pk
            messages.success(request, "两步验证已关闭。")
            return redirect("two-factor")
    enrolled = twofactor.is_enrolled(user)
    context["enrolled"] = enrolled
    if enrolled:
        context["backup_left"] = twofactor.backup_codes_left(user)
    else:
        context["secret"] = twofactor.secret_text(twofactor.start_enrolment(user))
    return render(request, "accounts/two_factor.html", context)


@never_cache
@login_required
def two_factor_qr(request):
    """The QR code of the user's own pending authenticator."""
    if twofactor.is_enrolled(request.user):
        return HttpResponse(status=404)
    svg = twofactor.qr_svg(twofactor.start_enrolment(request.user))
    return HttpResponse(svg, content_type="image/svg+xml")
