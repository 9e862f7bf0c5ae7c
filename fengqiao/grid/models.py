"""Grid work: who staffs each grid, what a grid may be asked to do, the households and residents
it keeps, the patrols and visits of its workers, and the photos filed with their reports.

Residents point at `people.Person` (one file per person): no ID or phone number is stored here."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from fengqiao import clock


class StaffRole(models.TextChoices):
    CHIEF = "chief", "网格长"
    WORKER = "worker", "专职网格员"
    ASSISTANT = "assistant", "兼职网格员(协管员)"
    POLICE = "police", "社区(驻村)民警"
    JUDGE = "judge", "法官"
    PROSECUTOR = "prosecutor", "检察官"
    LAWYER = "lawyer", "律师"
    VOLUNTEER = "volunteer", "网格志愿者(联户)"


# "三官一律": the judge, the prosecutor, the police officer and the lawyer who serve a grid.
THREE_OFFICIALS_AND_A_LAWYER = frozenset(
    {StaffRole.JUDGE, StaffRole.PROSECUTOR, StaffRole.POLICE, StaffRole.LAWYER}
)


class AssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        """Assignments in force on that date (default: today in the platform's clock)."""
        from django.utils import timezone

        on = on or timezone.localdate(clock.now())
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class GridAssignment(models.Model):
    """One person's post in one grid for a period. A worker may hold several grids and a grid
    several workers; people without an account (volunteers, the lawyer) are named directly."""

    grid = models.ForeignKey(
        "regions.Region",
        verbose_name="网格",
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        db_column="grid_code",
        limit_choices_to={"kind": "grid"},
    )
    role = models.CharField("职责", max_length=12, choices=StaffRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_assignments",
    )
    name = models.CharField("姓名", max_length=50, blank=True, help_text="没有平台账号时填写")
    organisation = models.CharField("所在单位", max_length=100, blank=True)
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    households_responsible = models.PositiveSmallIntegerField(
        "联系户数", null=True, blank=True, help_text="志愿者联户一般 10-15 户"
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "网格人员配备"
        verbose_name_plural = "网格人员配备"
        ordering = ["grid_id", "role", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="grid_assignment_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(user__isnull=True, name=""), name="grid_assignment_names_someone"
            ),
        ]

    def __str__(self):
        return f"{self.display_name} · {self.get_role_display()} · {self.grid_id}"

    @property
    def display_name(self) -> str:
        return self.name or (str(self.user) if self.user_id else "")


class ServiceItem(models.Model):
    """One line of the grid's admission list (准入清单: work the grid does) or its exclusion list
    (禁入清单: work that may not be pushed onto grid workers). Kept by administrators."""

    class Kind(models.TextChoices):
        ADMITTED = "admitted", "准入事项"
        EXCLUDED = "excluded", "禁入事项"

    kind = models.CharField("清单", max_length=10, choices=Kind.choices)
    title = models.CharField("事项", max_length=200)
    basis = models.CharField("依据", max_length=300, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="适用区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
        help_text="留空则全域适用",
    )
    active = models.BooleanField("有效", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "网格准入/禁入事项"
        verbose_name_plural = "网格准入/禁入事项"
        ordering = ["kind", "order", "pk"]

    def __str__(self):
        return f"[{self.get_kind_display()}] {self.title}"


class Household(models.Model):
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name="网格",
        on_delete=models.PROTECT,
        related_name="households",
        db_column="grid_code",
    )
    address = models.CharField("地址", max_length=200)
    building = models.CharField("楼栋/组", max_length=50, blank=True)
    volunteer = models.ForeignKey(
        GridAssignment,
        verbose_name="联户志愿者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
    )
    created_at = models.DateTimeField("建档时间", default=clock.now)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["grid_id", "building", "address"]
        constraints = [models.UniqueConstraint(fields=["grid", "address"], name="household_unique_address")]

    def __str__(self):
        return f"{self.address}({self.grid_id})"


class ResidentTag(models.TextChoices):
    LIVING_ALONE = "living_alone", "独居"
    ELDERLY = "elderly", "高龄老人"
    SPECIAL_CARE = "special_care", "重点关爱"
    DISABLED = "disabled", "残疾人"
    LOW_INCOME = "low_income", "低保户"
    LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"
    MENTAL_HEALTH = "mental_health", "严重精神障碍患者"
    RELEASED = "released", "刑满释放人员"


class Resident(models.Model):
    """A person living in a household, with the tags the grid's work needs."""

    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.CASCADE, related_name="residents"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="residences"
    )
    relation = models.CharField("与户主关系", max_length=20, blank=True)
    tags = models.JSONField("标签", default=list, blank=True)

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        ordering = ["household_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="resident_once_per_household")
        ]

    def __str__(self):
        return f"{self.person.masked_name} @ {self.household.address}"

    @property
    def tag_labels(self) -> list[str]:
        labels = dict(ResidentTag.choices)
        return [labels.get(tag, tag) for tag in self.tags]


class FieldVisit(models.Model):
    """A grid worker's check-in: a patrol of the grid or a visit to one household."""

    class Kind(models.TextChoices):
        PATROL = "patrol", "巡查"
        VISIT = "visit", "入户走访"

    client_id = models.UUIDField("客户端编号", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="网格员", on_delete=models.PROTECT, related_name="field_visits"
    )
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name="网格",
        on_delete=models.PROTECT,
        related_name="field_visits",
        db_column="grid_code",
    )
    household = models.ForeignKey(
        Household,
        verbose_name="走访户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    occurred_at = models.DateTimeField("时间", db_index=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    notes = models.TextField("情况记录", blank=True)
    received_at = models.DateTimeField("上传时间", default=clock.now)

    class Meta:
        verbose_name = "巡查走访"
        verbose_name_plural = "巡查走访"
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["worker", "occurred_at"]),
            models.Index(fields=["grid", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M} {self.worker}"


def attachment_path(instance, filename):
    return f"grid/attachments/{instance.client_id.hex[:2]}/{instance.client_id}{instance.extension}"


class Attachment(models.Model):
    """A photo filed with a case from the grid worker app."""

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}

    client_id = models.UUIDField("客户端编号", unique=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name="事项", on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField("文件", upload_to=attachment_path)
    content_type = models.CharField("类型", max_length=20)
    size = models.PositiveIntegerField("字节数")
    width = models.PositiveIntegerField("宽", null=True)
    height = models.PositiveIntegerField("高", null=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", default=clock.now)

    class Meta:
        verbose_name = "事项照片"
        verbose_name_plural = "事项照片"
        ordering = ["case_id", "uploaded_at"]

    def __str__(self):
        return f"{self.case_id}:{self.client_id}"

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, ".bin")
