"""Triage's own tables: the routing rules admins keep, staff overrides (training data), and the
text fingerprints used to find near-duplicate matters."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from fengqiao.accounts.models import Unit
from fengqiao.cases.codes import Category, Level, Track


class RoutingRule(models.Model):
    """Where matters of a category go: the level that handles them first, the track, and the
    department that leads (and assists). The most specific active rule wins: one for the region
    (or its nearest ancestor) over a rule for everywhere; lower priority number first."""

    name = models.CharField("规则名称", max_length=100)
    category = models.CharField("类别", max_length=24, choices=Category.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="适用区划(空=全部)",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_column="region_code",
    )
    level = models.CharField("首办层级", max_length=8, choices=Level.choices)
    track = models.CharField("办理路径", max_length=16, choices=Track.choices)
    lead_department = models.CharField(
        "牵头部门(空=该层级综治中心)", max_length=24, choices=Unit.Department.choices, blank=True, default=""
    )
    lead_kind = models.CharField(
        "牵头单位类型",
        max_length=12,
        choices=Unit.Kind.choices,
        blank=True,
        default="",
        help_text="与牵头部门一起确定单位,例如 司法行政+调解组织 = 人民调解委员会",
    )
    assisting_departments = models.JSONField("协办部门", default=list, blank=True)
    priority = models.PositiveSmallIntegerField("优先级", default=100)
    reason = models.CharField("依据说明", max_length=200)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "分流规则"
        verbose_name_plural = "分流规则"
        ordering = ["category", "priority", "id"]

    def __str__(self):
        return self.name


class TriageOverride(models.Model):
    """A staff correction of the automatic classification: audit, and training data."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="triage_overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    predicted = models.CharField(max_length=24, choices=Category.choices)
    confidence = models.FloatField(null=True)
    chosen = models.CharField(max_length=24, choices=Category.choices)
    text = models.TextField()
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = "分类纠正"
        verbose_name_plural = "分类纠正"
        ordering = ["-at"]


class TextBand(models.Model):
    """One LSH band of a case's MinHash: cases sharing a band are near-duplicate candidates."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    band = models.BigIntegerField()
    county = models.CharField(max_length=6)
    reported_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["band", "county", "reported_at"], name="textband_lookup")]


class TextSignature(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    hashvalues = models.BinaryField()


class RoutingVersion(models.Model):
    """One row whose token changes (to a random number) whenever the routing rules or the units
    change: database triggers on triage_routingrule and accounts_unit write it, so bulk writes,
    admin edits and other processes' edits all count. routing.py keeps the rules and units in memory
    per process and reads this token once per routing decision to know they are still current."""

    token = models.BigIntegerField()

    class Meta:
        verbose_name = "分流规则版本"
        verbose_name_plural = "分流规则版本"
