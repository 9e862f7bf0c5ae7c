from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fengqiao.notices"
    verbose_name = "消息通知"

    def ready(self):
        from django.core import checks

        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.people.crypto import register_rotation
        from fengqiao.web import navigation

        from . import sms
        from .models import rotate_encrypted

        navigation.register(
            navigation.MenuItem("消息", "notice-inbox", frozenset(Role) - {Role.CITIZEN}, order=70)
        )
        register_sweeper("sms", sms.retry_due)
        register_rotation("SMS outbox phone numbers", rotate_encrypted)
        checks.register(check_sms_settings)


def check_sms_settings(app_configs=None, **kwargs):
    """`fengqiao check`: an SMS backend that cannot work is an error at start-up, not at the first
    message."""
    from django.conf import settings
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    from . import sms

    problems = []
    try:
        backend = sms.get_backend()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="notices.E001")]
    if isinstance(backend, sms.HttpBackend):
        if not settings.SMS_HTTP_URL:
            problems.append(checks.Error("SMS_BACKEND is http but SMS_HTTP_URL is empty", id="notices.E002"))
        try:
            sms.http_template()
        except ImproperlyConfigured as error:
            problems.append(checks.Error(str(error), id="notices.E003"))
        if settings.SMS_HTTP_FORMAT not in ("json", "form"):
            problems.append(checks.Error("SMS_HTTP_FORMAT must be json or form", id="notices.E004"))
    return problems
