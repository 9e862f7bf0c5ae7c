from django.conf import settings
from django.db import models
from django.utils import timezone


class Notice(models.Model):
    class Kind(models.TextChoices):
        NEW_WORK = "new_work", "新任务"
        WARNING = "warning", "风险预警"
        OVERDUE = "overdue", "超期提醒"
        RETURNED = "returned", "退回"
        INSTRUCTION = "instruction", "领导批示"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
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
