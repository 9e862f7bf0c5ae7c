from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .events import EVENTS, choices


class Notice(models.Model):
    # The core events of events.EVENTS (codes and names); other apps register more there.
    class Kind(models.TextChoices):
        NEW_WORK = "new_work", "新任务交办"
        RETURNED = "returned", "事项退回"
        YELLOW_CARD = "yellow_card", "黄牌预警"
        RED_CARD = "red_card", "红牌超时"
        INSTRUCTION = "instruction", "领导批示"
        WARNING = "warning", "风险预警"
        OVERDUE = "overdue", "超期提醒"
        SKIP_LEVEL = "skip_level", "越级上报"
        EXTENSION_DECIDED = "extension_decided", "延期审批结果"
        FOLLOW_UP = "follow_up", "回访"
        EMERGENCY = "emergency", "突发事件"
        MEETING_TASK = "meeting_task", "联席会议任务"

    URGENT_KINDS = frozenset({"warning", "overdue", "red_card", "emergency", "skip_level"})

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField("类型", max_length=32, choices=choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notice_inbox")]

    def __str__(self):
        return self.title

    @property
    def is_urgent(self) -> bool:
        event = EVENTS.get(self.kind)
        return self.kind in self.URGENT_KINDS or (event is not None and event.urgent)


class MessageTemplate(models.Model):
    """An admin's wording of one event's notice (see events.py for the defaults and the variables).
    Without a row, or with the row switched off, the default applies."""

    event = models.CharField("事件", max_length=32, choices=choices, unique=True)
    title = models.CharField("标题模板", max_length=300)
    body = models.TextField("正文模板", blank=True)
    sms = models.TextField("短信模板", blank=True)
    send_sms = models.BooleanField("发送短信", default=True)
    active = models.BooleanField("启用", default=True, help_text="停用后使用系统默认模板")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "消息模板"
        verbose_name_plural = "消息模板"
        ordering = ["event"]

    def __str__(self):
        return self.get_event_display()

    def clean(self):
        from .templating import check

        if self.event:
            problems = check(self.title, self.body, self.sms, self.event)
            if problems:
                raise ValidationError(problems)

    def reset_to_default(self):
        from .events import get

        event = get(self.event)
        self.title, self.body, self.sms, self.send_sms = event.title, event.body, event.sms, event.send_sms


def seed_templates(MessageTemplate) -> int:
    """A row per event holding its default wording (the data migration; safe to run again)."""
    from .events import EVENTS

    created = 0
    for event in EVENTS.values():
        _, made = MessageTemplate.objects.get_or_create(
            event=event.code,
            defaults={"title": event.title, "body": event.body, "sms": event.sms, "send_sms": event.send_sms},
        )
        created += made
    return created


class SmsMessage(models.Model):
    """The outbox: every text message, whatever the backend. Written in the transaction of the
    notice (so it exists exactly when the notice does), sent after commit, retried by the sweep."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.CharField("事件", max_length=32, choices=choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name="事项", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone_masked = models.CharField("手机号码", max_length=32)
    phone_encrypted = models.TextField("手机号码(密文)", editable=False)
    text = models.TextField("短信内容")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    backend = models.CharField("通道", max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    provider_id = models.CharField("通道消息编号", max_length=100, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信发件箱"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "attempts"], name="sms_pending")]

    def __str__(self):
        return f"{self.phone_masked} {self.get_status_display()}"


def rotate_encrypted(batch_size: int = 500) -> int:
    """Re-encrypt the outbox's phone numbers with the newest data key (`fengqiao rotatekeys`)."""
    from fengqiao.people import crypto

    return crypto.rotate_table(SmsMessage, ["phone_encrypted"], batch_size)
