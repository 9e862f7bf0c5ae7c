"""Joint meetings (联席会议) on a case and the tasks they hand out; written only through
`meetings.actions`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class JointMeeting(models.Model):
    """Several units sit down over one joint-handling case and agree who does what by when."""

    case = models.ForeignKey(
        "cases.Case", verbose_name="事项", on_delete=models.CASCADE, related_name="joint_meetings"
    )
    held_at = models.DateTimeField("会议时间")
    place = models.CharField("会议地点", max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主持人", on_delete=models.PROTECT, related_name="+"
    )
    units = models.ManyToManyField("accounts.Unit", verbose_name="参会单位", related_name="joint_meetings")
    minutes = models.TextField("议定事项")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return f"{self.case.number} 联席会议 {timezone.localtime(self.held_at):%Y-%m-%d}"


class MeetingTask(models.Model):
    """One unit's share of what a meeting agreed. While any task is open the case cannot close."""

    class Status(models.TextChoices):
        OPEN = "open", "待完成"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已取消"

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="tasks")
    # Denormalised from the meeting: the close gate and the case's pages ask per case.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="meeting_tasks")
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="meeting_tasks"
    )
    description = models.TextField("任务内容")
    due_at = models.DateTimeField("完成时限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.TextField("办理结果", blank=True)
    # The unit's share of the case the task rides on: the sub-assignment made for it, or the
    # assignment the unit already held.
    assignment = models.ForeignKey(
        "cases.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="meeting_tasks"
    )
    opened_assignment = models.BooleanField("为此任务新建交办", default=False)
    overdue = models.BooleanField("已超期", default=False)

    class Meta:
        verbose_name = "会议任务"
        verbose_name_plural = "会议任务"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["case", "status"], name="meeting_task_case_status"),
            models.Index(
                fields=["due_at"], name="meeting_task_due", condition=Q(status="open", overdue=False)
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.description[:20]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
