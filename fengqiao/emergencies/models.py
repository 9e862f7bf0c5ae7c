"""Emergencies (突发事件): the library of response plans admins keep, and the plan opened on a case
marked as an emergency, tracked step by step on a short clock. Written only through
`emergencies.actions`."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from fengqiao.accounts.models import Unit


class ResponsePlan(models.Model):
    """A response plan (应急预案): who is told, which steps, each within how many minutes."""

    name = models.CharField("预案名称", max_length=100, unique=True)
    description = models.TextField("适用情形", blank=True)
    categories = models.JSONField("推荐类别(空=全部)", default=list, blank=True)
    keywords = models.JSONField("推荐关键词(任一命中)", default=list, blank=True)
    notify_levels = models.JSONField(
        "通知层级综治中心", default=list, blank=True, help_text='例如 ["county", "city"]'
    )
    notify_departments = models.JSONField(
        "通知部门", default=list, blank=True, help_text='部门代码,例如 ["public_security", "health"]'
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["name"]

    def __str__(self):
        return self.name


class PlanStep(models.Model):
    """One step of a plan; its clock runs from the moment the plan is opened on a case."""

    class Responsible(models.TextChoices):
        CENTRE = "centre", "事发地综治中心"
        HANDLING = "handling", "承办单位"
        DEPARTMENT = "department", "职能部门"

    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    title = models.CharField("步骤", max_length=200)
    description = models.TextField("要求", blank=True)
    responsible = models.CharField(
        "责任主体", max_length=10, choices=Responsible.choices, default=Responsible.CENTRE
    )
    department = models.CharField(
        "责任部门",
        max_length=24,
        choices=Unit.Department.choices,
        blank=True,
        help_text="责任主体为职能部门时",
    )
    minutes = models.PositiveIntegerField("完成时限(启动后分钟)", default=60)

    class Meta:
        verbose_name = "预案步骤"
        verbose_name_plural = "预案步骤"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.order}. {self.title}"


class Emergency(models.Model):
    """A case marked as an emergency, with the plan opened on it."""

    class Grade(models.TextChoices):
        IV = "IV", "一般(IV级)"
        III = "III", "较大(III级)"
        II = "II", "重大(II级)"
        I = "I", "特别重大(I级)"  # noqa: E741 — the grade's own name

    class Status(models.TextChoices):
        ACTIVE = "active", "处置中"
        COMPLETED = "completed", "处置完毕"

    case = models.OneToOneField(
        "cases.Case", verbose_name="事项", on_delete=models.CASCADE, related_name="emergency"
    )
    plan = models.ForeignKey(
        ResponsePlan, verbose_name="应急预案", on_delete=models.PROTECT, related_name="emergencies"
    )
    plan_name = models.CharField("预案名称(启动时)", max_length=100)
    grade = models.CharField("事件等级", max_length=3, choices=Grade.choices, default=Grade.IV)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.TextField("启动说明", blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="启动人", on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField("启动时间")
    completed_at = models.DateTimeField("处置完毕时间", null=True, blank=True)

    class Meta:
        verbose_name = "突发事件"
        verbose_name_plural = "突发事件"
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["status", "declared_at"], name="emergency_status_declared")]

    def __str__(self):
        return f"{self.case.number} {self.plan_name}"


class EmergencyStep(models.Model):
    """A plan step on one emergency: the unit that answers for it and its short clock."""

    class Status(models.TextChoices):
        OPEN = "open", "待完成"
        DONE = "done", "已完成"
        SKIPPED = "skipped", "不适用"

    YELLOW_SHARE = 2 / 3  # past two thirds of its time a step turns yellow

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="steps")
    # Denormalised from the emergency: the close gate and the sweep ask per case.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="emergency_steps")
    order = models.PositiveSmallIntegerField("顺序")
    title = models.CharField("步骤", max_length=200)
    description = models.TextField("要求", blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, on_delete=models.PROTECT, related_name="emergency_steps"
    )
    started_at = models.DateTimeField("开始时间")
    due_at = models.DateTimeField("完成时限")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.TextField("处置情况", blank=True)
    overdue = models.BooleanField("已超时", default=False)

    class Meta:
        verbose_name = "应急步骤"
        verbose_name_plural = "应急步骤"
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["case", "status"], name="emergency_step_case_status"),
            models.Index(
                fields=["due_at"], name="emergency_step_due", condition=Q(status="open", overdue=False)
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def colour(self, now: datetime) -> str:
        """green, yellow (two thirds of its time gone) or red (past its time, or finished late)."""
        end = self.done_at if not self.is_open and self.done_at else now
        if self.status == self.Status.SKIPPED:
            return "green"
        if self.overdue or end > self.due_at:
            return "red"
        if self.is_open and now >= self.started_at + (self.due_at - self.started_at) * self.YELLOW_SHARE:
            return "yellow"
        return "green"
