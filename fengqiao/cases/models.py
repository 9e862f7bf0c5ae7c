"""Cases and what hangs off them. A case's status changes only through `cases.actions`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .codes import Category, Channel, Level, PartyRole, Status, Track


class Case(models.Model):
    number = models.CharField("事项编号", max_length=32, unique=True)
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True)
    channel = models.CharField("来源渠道", max_length=20, choices=Channel.choices)
    title = models.CharField("标题", max_length=200, blank=True)
    description = models.TextField("事项描述")
    category = models.CharField("类别", max_length=24, choices=Category.choices)
    track = models.CharField("办理路径", max_length=16, choices=Track.choices)
    level = models.CharField("当前层级", max_length=8, choices=Level.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REPORTED)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        related_name="cases",
        db_column="region_code",
    )
    grid_code = models.CharField("网格", max_length=21, null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    occurred_at = models.DateTimeField("发生时间", null=True, blank=True)
    reported_at = models.DateTimeField("登记时间", default=timezone.now)
    handling_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline_at = models.DateTimeField("办理时限", null=True, blank=True)
    overdue = models.BooleanField("曾超期", default=False)
    escalations = models.PositiveSmallIntegerField("升级次数", default=0)
    risk = models.PositiveSmallIntegerField("风险分", default=0)
    risk_reasons = models.JSONField("风险因素", default=list, blank=True)
    classification = models.JSONField("分类依据", default=dict, blank=True)
    needs_triage = models.BooleanField("待人工研判", default=False)
    satisfaction = models.PositiveSmallIntegerField("满意度(1-5)", null=True, blank=True)
    extended = models.BooleanField("已延期", default=False)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["region", "reported_at"], name="case_region_reported"),
            models.Index(fields=["status", "region"], name="case_status_region"),
            models.Index(fields=["handling_unit", "status"], name="case_unit_status"),
            models.Index(fields=["reported_at"], name="case_reported"),
            models.Index(fields=["grid_code"], name="case_grid"),
            models.Index(fields=["region"], name="case_needs_triage", condition=Q(needs_triage=True)),
        ]

    def __str__(self):
        return f"{self.number} {self.title or self.description[:20]}"

    @property
    def is_open(self) -> bool:
        from .codes import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="case_parties")
    role = models.CharField("身份", max_length=12, choices=PartyRole.choices)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="party_once_per_role")]


class Assignment(models.Model):
    """A unit's share of a case: the lead, or an assisting unit in joint handling."""

    class State(models.TextChoices):
        PENDING = "pending", "待签收"
        ACCEPTED = "accepted", "已签收"
        RETURNED = "returned", "已退回"
        DONE = "done", "已完成"
        WITHDRAWN = "withdrawn", "已撤回"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="assignments")
    lead = models.BooleanField("牵头", default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    note = models.TextField("交办意见", blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField("已阅时间", null=True, blank=True)

    class Meta:
        verbose_name = "交办"
        verbose_name_plural = "交办"
        indexes = [models.Index(fields=["unit", "state"], name="assignment_unit_state")]

    @property
    def active(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACCEPTED)


class Clock(models.Model):
    """A time limit running on a case at one stage and level; the sweep reads running clocks by due time."""

    class Stage(models.TextChoices):
        ACCEPT = "accept", "受理时限"
        HANDLE = "handle", "办理时限"

    class Outcome(models.TextChoices):
        RUNNING = "running", "计时中"
        MET = "met", "按时完成"
        BREACHED = "breached", "超时"
        CANCELLED = "cancelled", "终止"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        indexes = [
            models.Index(fields=["due_at"], name="clock_running_due", condition=Q(outcome="running")),
            models.Index(fields=["case", "outcome"], name="clock_case_outcome"),
        ]


class TimelineEntry(models.Model):
    """Append-only: who did what to a case, when and from where."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="timeline_case_at")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("timeline entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("timeline entries are append-only")


class CaseLink(models.Model):
    class Reason(models.TextChoices):
        SAME_MATTER = "same_matter", "同一事项"
        SAME_PARTIES = "same_parties", "相同当事人"
        SAME_PLACE = "same_place", "同一地点同类事项"
        MERGED = "merged", "已合并"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    score = models.FloatField(default=1.0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "other", "reason"], name="case_link_once")]


class DeadlineRule(models.Model):
    """The time limit of a stage at a level, per category or for all categories (blank)."""

    class DayKind(models.TextChoices):
        CALENDAR = "calendar", "自然日"
        WORKING = "working", "工作日"

    stage = models.CharField("环节", max_length=10, choices=Clock.Stage.choices, default=Clock.Stage.HANDLE)
    category = models.CharField("类别(空=全部)", max_length=24, choices=Category.choices, blank=True)
    level = models.CharField("层级", max_length=8, choices=Level.choices)
    days = models.PositiveSmallIntegerField("天数")
    day_kind = models.CharField("计日方式", max_length=10, choices=DayKind.choices, default=DayKind.CALENDAR)

    class Meta:
        verbose_name = "时限规则"
        verbose_name_plural = "时限规则"
        constraints = [
            models.UniqueConstraint(fields=["stage", "category", "level"], name="deadline_rule_once")
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.get_category_display() or '全部类别'} {self.days}{self.get_day_kind_display()}"


class CaseSequence(models.Model):
    """Counters behind human-readable case numbers, one per county and day."""

    key = models.CharField(max_length=32, primary_key=True)
    value = models.PositiveIntegerField(default=0)
