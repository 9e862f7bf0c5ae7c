"""Evaluation (督查考核) and the "three zeros" (三零创建): the units taking part in the three-zero
campaign with the events reported against them, the admin-set rating thresholds and scoring
weights, and the checklists of required results and forbidden events filled per period.

Rows change through `evaluation.actions` only; the figures are computed in `threezero.py` and
`scoring.py` from these rows and the cases app's."""

from django.conf import settings
from django.db import models


class ThreeZeroUnit(models.Model):
    """A village, community or enterprise tracked for zero petitions, accidents and criminal cases.
    For a village or community, `region` is its own region; for an enterprise, where it lies."""

    class Kind(models.TextChoices):
        VILLAGE = "village", "行政村"
        COMMUNITY = "community", "社区"
        ENTERPRISE = "enterprise", "企业"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    active = models.BooleanField("参与创建", default=True)

    class Meta:
        verbose_name = "三零创建单位"
        verbose_name_plural = "三零创建单位"
        ordering = ["region_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "kind", "name"], name="threezero_unit_once")]
        indexes = [models.Index(fields=["region", "kind"], name="threezero_unit_region")]

    def __str__(self):
        return self.name


class ThreeZeroEvent(models.Model):
    """A petition, accident or criminal case reported against a unit (beyond what the platform's
    own cases show)."""

    class Kind(models.TextChoices):
        PETITION = "petition", "上访"
        ACCIDENT = "accident", "安全事故"
        CRIMINAL = "criminal", "刑事案件"

    unit = models.ForeignKey(
        ThreeZeroUnit, verbose_name="创建单位", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    occurred_on = models.DateField("发生日期")
    description = models.CharField("简要情况", max_length=500)
    reported_at = models.DateTimeField("登记时间")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "三零事件"
        verbose_name_plural = "三零事件"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["unit", "occurred_on"], name="threezero_event_unit_on")]


class ThreeZeroRule(models.Model):
    """The rating (蓝黄橙红) of a unit in a period, admin-set (one row): each event counts its weight
    in points; 0 points is blue (达标), then yellow, orange and red from the given points."""

    petition_weight = models.PositiveSmallIntegerField("上访计分", default=1)
    accident_weight = models.PositiveSmallIntegerField("事故计分", default=1)
    criminal_weight = models.PositiveSmallIntegerField("刑事案件计分", default=2)
    yellow_from = models.PositiveSmallIntegerField("黄色(分)起", default=1)
    orange_from = models.PositiveSmallIntegerField("橙色(分)起", default=3)
    red_from = models.PositiveSmallIntegerField("红色(分)起", default=5)

    class Meta:
        verbose_name = "三零评级规则"
        verbose_name_plural = "三零评级规则"

    def __str__(self):
        return "三零评级规则"

    @classmethod
    def current(cls) -> "ThreeZeroRule":
        return cls.objects.order_by("pk").first() or cls()


class ScoringWeights(models.Model):
    """The weights of the evaluation score (one row, admin-set). The base score is the weighted
    mean of the rates (0–100); penalties per overdue case, per supervision letter, per yellow and
    red card and the checklist deductions come off it."""

    resolution_rate = models.DecimalField("化解率权重", max_digits=5, decimal_places=2, default=30)
    on_time_rate = models.DecimalField("按期办结率权重", max_digits=5, decimal_places=2, default=25)
    satisfaction = models.DecimalField("满意度权重", max_digits=5, decimal_places=2, default=15)
    follow_up_rate = models.DecimalField("回访率权重", max_digits=5, decimal_places=2, default=10)
    grassroots_share = models.DecimalField("村镇两级化解占比权重", max_digits=5, decimal_places=2, default=20)
    overdue_penalty = models.DecimalField("每件超期扣分", max_digits=5, decimal_places=2, default=1)
    notice_penalty = models.DecimalField("每份督办函扣分", max_digits=5, decimal_places=2, default="0.5")
    yellow_card_penalty = models.DecimalField("每张黄牌扣分", max_digits=5, decimal_places=2, default="0.2")
    red_card_penalty = models.DecimalField("每张红牌扣分", max_digits=5, decimal_places=2, default="0.5")

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"

    def __str__(self):
        return "考核权重"

    @classmethod
    def current(cls) -> "ScoringWeights":
        return cls.objects.order_by("pk").first() or cls()


class ChecklistItem(models.Model):
    """A required result (必达项) or a forbidden event (一票否决/扣分项), e.g. "no mass incident"."""

    class Kind(models.TextChoices):
        REQUIRED = "required", "必须达成"
        FORBIDDEN = "forbidden", "不得发生"

    class AppliesTo(models.TextChoices):
        TOWNSHIP = "township", "乡镇(街道)"
        DEPARTMENT = "department", "部门"
        BOTH = "both", "乡镇和部门"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("考核项", max_length=100, unique=True)
    points = models.DecimalField("未达成/发生时扣分", max_digits=5, decimal_places=2, default=5)
    applies_to = models.CharField(
        "适用对象", max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "考核清单项"
        verbose_name_plural = "考核清单项"
        ordering = ["kind", "id"]

    def __str__(self):
        return self.name


class ChecklistEntry(models.Model):
    """One checklist item filled for one township (region) or department (unit) for one period:
    `passed` is true when the required result was achieved, or the forbidden event did not occur."""

    item = models.ForeignKey(
        ChecklistItem, verbose_name="考核项", on_delete=models.PROTECT, related_name="entries"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="乡镇(街道)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField("考核期起")
    period_end = models.DateField("考核期止")
    passed = models.BooleanField("达成(未发生)")
    note = models.CharField("说明", max_length=500, blank=True)
    recorded_at = models.DateTimeField("填报时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "考核清单填报"
        verbose_name_plural = "考核清单填报"
        ordering = ["-period_start", "item_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region__isnull=False, unit__isnull=True)
                | models.Q(region__isnull=True, unit__isnull=False),
                name="checklist_entry_one_subject",
            ),
            models.UniqueConstraint(
                fields=["item", "region", "period_start", "period_end"],
                condition=models.Q(region__isnull=False),
                name="checklist_entry_once_region",
            ),
            models.UniqueConstraint(
                fields=["item", "unit", "period_start", "period_end"],
                condition=models.Q(unit__isnull=False),
                name="checklist_entry_once_unit",
            ),
        ]
