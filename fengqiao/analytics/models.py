"""What analysis keeps: the prevention resources drawn on the map (patrol zones, video points), the
warnings analysis raises with their follow-up, the optional webhooks that tell other systems, the
regions under scheduled analysis and briefing, and the briefings generated for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from fengqiao import clock


class Cycle(models.TextChoices):
    """The rhythm of 日分析、周研判、月调度、季评估: one period length each."""

    DAILY = "daily", "日分析"
    WEEKLY = "weekly", "周研判"
    MONTHLY = "monthly", "月调度"
    QUARTERLY = "quarterly", "季评估"


BRIEFING_NAMES = {
    Cycle.DAILY: "日报",
    Cycle.WEEKLY: "周报",
    Cycle.MONTHLY: "月报",
    Cycle.QUARTERLY: "季报",
}


class PatrolZone(models.Model):
    """A patrol team's base and the streets it answers for; the map draws the distances it covers
    in 1, 3 and 5 minutes at its usual speed."""

    name = models.CharField("名称", max_length=100)
    team = models.CharField("巡防力量", max_length=100, blank=True, help_text="如:城关派出所巡逻一组")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="+",
    )
    lat = models.FloatField("驻点纬度")
    lng = models.FloatField("驻点经度")
    speed_kmh = models.FloatField("出警速度(公里/小时)", default=30, help_text="车巡约30,电动车约18,步巡约5")
    polygon = models.JSONField("巡区范围(GeoJSON)", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "巡防区域"
        verbose_name_plural = "巡防区域"
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["region"], name="patrolzone_region")]

    def __str__(self):
        return self.name

    def response_radii(self) -> dict[int, int]:
        """Metres covered in 1, 3 and 5 minutes."""
        return {minutes: round(self.speed_kmh * 1000 / 60 * minutes) for minutes in (1, 3, 5)}


class VideoPoint(models.Model):
    """A public video point (雪亮工程)."""

    class Kind(models.TextChoices):
        CROSSROAD = "crossroad", "路口卡口"
        PUBLIC_PLACE = "public_place", "公共场所"
        VILLAGE = "village", "村居出入口"
        SCHOOL = "school", "校园周边"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.PUBLIC_PLACE)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="+",
    )
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "公共视频点位"
        verbose_name_plural = "公共视频点位"
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["region"], name="videopoint_region")]

    def __str__(self):
        return self.name


class Warning(models.Model):
    """One finding of analysis, addressed to the centre and grid workers responsible for it."""

    class Kind(models.TextChoices):
        RISING_CATEGORY = "rising_category", "类别上升"
        RISING_PLACE = "rising_place", "地区上升"
        REPEAT_PLACE = "repeat_place", "同一地点反复发生"
        REPEAT_PEOPLE = "repeat_people", "同一当事人反复纠纷"
        CLUSTER = "cluster", "时空聚集"

    class Severity(models.TextChoices):
        YELLOW = "yellow", "关注"
        ORANGE = "orange", "预警"
        RED = "red", "严重"

    class State(models.TextChoices):
        OPEN = "open", "待签收"
        ACKNOWLEDGED = "acknowledged", "已签收"
        CLOSED = "closed", "已处置"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    cycle = models.CharField("研判周期", max_length=10, choices=Cycle.choices)
    severity = models.CharField("等级", max_length=8, choices=Severity.choices, default=Severity.YELLOW)
    state = models.CharField("状态", max_length=14, choices=State.choices, default=State.OPEN)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区划",
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="+",
    )
    category = models.CharField("类别", max_length=24, blank=True)
    title = models.CharField("标题", max_length=200)
    detail = models.TextField("研判依据")
    evidence = models.JSONField("数据", default=dict, blank=True)
    fingerprint = models.CharField("去重键", max_length=200, unique=True)
    period_start = models.DateField("研判期起")
    period_end = models.DateField("研判期止")
    detected_at = models.DateTimeField("发现时间", default=clock.now)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="责任中心",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="接收人", related_name="+", blank=True
    )
    cases = models.ManyToManyField("cases.Case", verbose_name="相关事项", related_name="+", blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("处置完毕时间", null=True, blank=True)
    reminded_at = models.DateTimeField("催签时间", null=True, blank=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-detected_at", "-id"]
        indexes = [
            models.Index(fields=["region", "detected_at"], name="warning_region_detected"),
            models.Index(fields=["state", "region"], name="warning_state_region"),
        ]

    def __str__(self):
        return self.title


class FollowUp(models.Model):
    """What was done about a warning; append-only."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("处置情况")
    closes = models.BooleanField("处置完毕", default=False)

    class Meta:
        verbose_name = "预警处置记录"
        verbose_name_plural = "预警处置记录"
        ordering = ["at", "id"]


class Webhook(models.Model):
    """Another system told about every new warning in its region (POST JSON, HMAC-signed)."""

    name = models.CharField("名称", max_length=100)
    url = models.URLField("地址", max_length=500)
    secret = models.CharField("签名密钥", max_length=200, blank=True, help_text="填写后以 HMAC-SHA256 签名")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区划范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="+",
        help_text="空白则接收全部预警",
    )
    timeout_seconds = models.PositiveSmallIntegerField("超时(秒)", default=5)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "预警推送接口"
        verbose_name_plural = "预警推送接口"

    def __str__(self):
        return self.name


class Delivery(models.Model):
    """One warning to one webhook: queued in the transaction that raised the warning, sent by the sweep."""

    MAX_ATTEMPTS = 5

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已送达"
        FAILED = "failed", "失败"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_pending", condition=Q(state="pending")),
        ]
        constraints = [models.UniqueConstraint(fields=["webhook", "warning"], name="delivery_once")]


class Schedule(models.Model):
    """A region under scheduled analysis and briefing: the sweep analyses it at the end of each cycle
    and writes the briefings ticked here."""

    region = models.OneToOneField(
        "regions.Region",
        verbose_name="区划",
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="+",
    )
    analyse = models.BooleanField("定期研判", default=True)
    daily = models.BooleanField("日报", default=True)
    weekly = models.BooleanField("周报", default=True)
    monthly = models.BooleanField("月报", default=True)
    quarterly = models.BooleanField("季报", default=True)

    class Meta:
        verbose_name = "研判与简报计划"
        verbose_name_plural = "研判与简报计划"

    def __str__(self):
        return str(self.region)

    def briefing_cycles(self) -> list[str]:
        return [cycle for cycle in Cycle.values if getattr(self, cycle)]


class AnalysisRun(models.Model):
    """A completed analysis of one region for one period: the sweep's record of what it has done."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+"
    )
    cycle = models.CharField(max_length=10, choices=Cycle.choices)
    period_start = models.DateField()
    at = models.DateTimeField(default=clock.now)
    findings = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "研判记录"
        verbose_name_plural = "研判记录"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "cycle", "period_start"], name="analysis_once_per_period"
            )
        ]


class Briefing(models.Model):
    """A briefing of one region and period, as Word and PDF."""

    cycle = models.CharField("类型", max_length=10, choices=Cycle.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区划",
        on_delete=models.PROTECT,
        db_column="region_code",
        related_name="+",
    )
    period_start = models.DateField("起")
    period_end = models.DateField("止")
    title = models.CharField("标题", max_length=200)
    figures = models.JSONField("主要数据", default=dict)
    docx = models.BinaryField("Word")
    pdf = models.BinaryField("PDF")
    generated_at = models.DateTimeField("生成时间", default=clock.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "简报"
        verbose_name_plural = "简报"
        ordering = ["-period_start", "cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "cycle", "period_start"], name="briefing_once_per_period"
            )
        ]

    def __str__(self):
        return self.title
