"""Supervision (督办): the five graduated letters the sweep issues on late cases, the three-level
supervision ledgers, and the social-stability risk assessment of major decisions.

Rows change through `supervision.actions`, `supervision.letters` and `supervision.risk` only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fengqiao.cases.codes import Level as CaseLevel


class Letter(models.TextChoices):
    """The five letters (五函), in the order they escalate."""

    REMINDER = "reminder", "提醒函"
    SUPERVISION = "supervision", "督办函"
    WARNING = "warning", "警示函"
    SUMMONS = "summons", "约谈函"
    ACCOUNTABILITY = "accountability", "问责函"


LETTER_ORDER = [Letter.REMINDER, Letter.SUPERVISION, Letter.WARNING, Letter.SUMMONS, Letter.ACCOUNTABILITY]


class SupervisionRule(models.Model):
    """When each letter falls due (one row, admin-set). Times are counted on the case's first
    handle clock: the reminder at its yellow threshold, the supervision letter at its limit, the
    later letters N days past the limit. A letter left unanswered for `unanswered_days` brings
    the next letter forward."""

    warning_days = models.PositiveSmallIntegerField("超期后发警示函(天)", default=3)
    summons_days = models.PositiveSmallIntegerField("超期后发约谈函(天)", default=7)
    accountability_days = models.PositiveSmallIntegerField("超期后发问责函(天)", default=15)
    unanswered_days = models.PositiveSmallIntegerField("督办函未回复升级(天)", default=2)

    class Meta:
        verbose_name = "督办规则"
        verbose_name_plural = "督办规则"

    def __str__(self):
        return "督办规则"

    @classmethod
    def current(cls) -> "SupervisionRule":
        return cls.objects.order_by("pk").first() or cls()


class SupervisionNotice(models.Model):
    """One letter on one case, addressed to the unit holding it and the leader of its region."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="supervision_notices")
    letter = models.CharField("督办函类别", max_length=16, choices=Letter.choices)
    year = models.PositiveSmallIntegerField("文号年份")
    serial = models.PositiveIntegerField("文号序号")
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="责任单位",
        null=True,
        on_delete=models.PROTECT,
        related_name="supervision_notices",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField("督办事由", max_length=200)
    issued_at = models.DateTimeField("发函时间")
    reply_due_at = models.DateTimeField("回复时限")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField("回复内容", blank=True)

    class Meta:
        verbose_name = "督办函"
        verbose_name_plural = "督办函"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "letter"], name="supervision_letter_once"),
            models.UniqueConstraint(fields=["year", "serial"], name="supervision_number_once"),
        ]
        indexes = [
            models.Index(fields=["unit", "issued_at"], name="supervision_unit_issued"),
            models.Index(
                fields=["issued_at"], name="supervision_unanswered", condition=Q(answered_at__isnull=True)
            ),
        ]

    def __str__(self):
        return self.document_number

    @property
    def document_number(self) -> str:
        return f"督字〔{self.year}〕{self.serial}号"

    @property
    def state(self) -> str:
        if self.answered_at:
            return "answered"
        return "acknowledged" if self.acknowledged_at else "issued"

    def get_state_display(self) -> str:
        return {"answered": "已回复", "acknowledged": "已签收", "issued": "待签收"}[self.state]


class LedgerItem(models.Model):
    """A major matter on the city, county or town supervision ledger (三级挂账督办): it stays on
    the ledger, with its responsible leader and due date, until closed."""

    class Level(models.TextChoices):
        TOWN = CaseLevel.TOWN.value, "乡镇(街道)挂账"
        COUNTY = CaseLevel.COUNTY.value, "县级挂账"
        CITY = CaseLevel.CITY.value, "市级挂账"

    level = models.CharField("挂账层级", max_length=8, choices=Level.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="挂账区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_items",
    )
    title = models.CharField("督办事项", max_length=200)
    responsible_leader = models.CharField("包案领导", max_length=50)
    responsible_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField("办结时限")
    listed_at = models.DateTimeField("挂账时间")
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("销账时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.TextField("销账说明", blank=True)

    class Meta:
        verbose_name = "挂账督办事项"
        verbose_name_plural = "挂账督办事项"
        ordering = ["closed_at", "due_date", "id"]
        indexes = [models.Index(fields=["region", "level"], name="ledger_region_level")]

    def __str__(self):
        return self.title

    def status(self, today) -> str:
        """done, done_late, overdue or open."""
        if self.closed_at:
            return "done_late" if timezone.localdate(self.closed_at) > self.due_date else "done"
        return "overdue" if today > self.due_date else "open"


LEDGER_STATUS_LABELS = {"done": "已销账", "done_late": "逾期销账", "overdue": "已逾期", "open": "督办中"}


class MajorDecision(models.Model):
    """A major decision, project or reform on the register of social-stability risk assessment."""

    class Kind(models.TextChoices):
        DECISION = "decision", "重大决策"
        PROJECT = "project", "重大项目"
        REFORM = "reform", "重大改革"

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记待评估"
        DECIDED = "decided", "已决策"
        STARTED = "started", "已实施"
        COMPLETED = "completed", "已完成"
        SHELVED = "shelved", "暂缓/终止"

    class Grade(models.TextChoices):
        MAJOR = "major", "重大(A级)"
        LARGE = "large", "较大(B级)"
        GENERAL = "general", "一般(C级)"

    title = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    proposer = models.CharField("提出(实施)主体", max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    description = models.TextField("主要内容", blank=True)
    investment = models.DecimalField("投资规模(万元)", max_digits=12, decimal_places=2, default=0)
    people_affected = models.PositiveIntegerField("涉及群众(人)", default=0)
    grade = models.CharField("评估等级", max_length=8, choices=Grade.choices, editable=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决策时间", null=True, blank=True)
    started_at = models.DateTimeField("实施时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "重大决策事项"
        verbose_name_plural = "重大决策事项(稳评)"
        ordering = ["-registered_at", "-id"]
        indexes = [models.Index(fields=["region", "status"], name="decision_region_status")]

    def __str__(self):
        return self.title


class RiskAssessment(models.Model):
    """The assessment record of one stage; it counts for the gate once filed (报备) with the
    political-legal committee."""

    class Stage(models.TextChoices):
        BEFORE_DECISION = "before_decision", "决策前评估"
        BEFORE_START = "before_start", "实施前评估"
        DURING = "during", "实施中跟踪评估"

    class RiskLevel(models.TextChoices):
        LOW = "low", "低风险"
        MEDIUM = "medium", "中风险"
        HIGH = "high", "高风险"

    decision = models.ForeignKey(MajorDecision, on_delete=models.CASCADE, related_name="assessments")
    stage = models.CharField("评估阶段", max_length=16, choices=Stage.choices)
    risks_found = models.TextField("识别的风险点")
    risk_level = models.CharField("风险等级", max_length=8, choices=RiskLevel.choices)
    conclusion = models.TextField("评估结论", blank=True)
    assessed_at = models.DateTimeField("评估时间")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("报备时间", null=True, blank=True)
    filed_with = models.CharField("报备机关", max_length=100, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "风险评估"
        verbose_name_plural = "风险评估"
        ordering = ["assessed_at", "id"]

    def __str__(self):
        return f"{self.decision} · {self.get_stage_display()}"


class RiskMeasure(models.Model):
    """A measure an assessment requires, followed to completion."""

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="measures")
    description = models.TextField("防范化解措施")
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField("完成时限", null=True, blank=True)
    done_at = models.DateTimeField("落实时间", null=True, blank=True)
    result = models.TextField("落实情况", blank=True)

    class Meta:
        verbose_name = "防范措施"
        verbose_name_plural = "防范措施"
        ordering = ["id"]
