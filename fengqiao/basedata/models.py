"""The base-data registers of GB/T 31000-2015 ("9+X"): the registers themselves (standard ones
seeded, local ones added by admins), their admin-defined fields, the entries (each in a grid, a
person entry pointing at the one people.Person file), and the care of special groups: plans,
visits, risk-grade changes and the visit frequency per grade."""

from django.conf import settings
from django.db import models


class Register(models.Model):
    """One register ("9" standard ones are seeded; "X" local ones are added in the admin)."""

    class Subject(models.TextChoices):
        PERSON = "person", "人员"
        HOUSE = "house", "房屋"
        ORGANISATION = "organisation", "组织"
        PLACE = "place", "场所"

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    category = models.CharField(
        "类别", max_length=30, help_text="如 实有人口、特殊人群、重点青少年、地方自定义"
    )
    subject = models.CharField("登记对象", max_length=12, choices=Subject.choices)
    sensitive = models.BooleanField(
        "敏感", default=False, help_text="只有责任网格员、公安、司法局和综治中心可见,其他角色看到脱敏信息"
    )
    care = models.BooleanField(
        "纳入关爱帮扶", default=False, help_text="登记即建立帮扶计划、按风险等级定期走访"
    )
    special_group = models.BooleanField(
        "特殊人群", default=False, help_text="当事人在此登记时,矛盾纠纷研判增加风险原因"
    )
    default_interval_days = models.PositiveSmallIntegerField("默认走访周期(天)", default=30)
    standard = models.BooleanField("国标登记", default=False, editable=False)
    order = models.PositiveSmallIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "基础数据登记表"
        verbose_name_plural = "基础数据登记表"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name

    @property
    def is_person(self) -> bool:
        return self.subject == self.Subject.PERSON


class RegisterField(models.Model):
    """A field of a register defined without code; entries keep its value in Entry.data[key]."""

    class Kind(models.TextChoices):
        TEXT = "text", "文本"
        NUMBER = "number", "数字"
        DATE = "date", "日期"
        CHOICE = "choice", "选项"
        YESNO = "yesno", "是/否"

    register = models.ForeignKey(
        Register, on_delete=models.CASCADE, related_name="fields", verbose_name="登记表"
    )
    key = models.SlugField("字段编码", max_length=40)
    label = models.CharField("名称(Excel 列名)", max_length=40)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(
        "可选值", default=list, blank=True, help_text='选项类型填写,如 ["整租","合租"]'
    )
    required = models.BooleanField("必填", default=False)
    order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "登记字段"
        verbose_name_plural = "登记字段"
        ordering = ["register", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["register", "key"], name="register_field_unique_key"),
            models.UniqueConstraint(fields=["register", "label"], name="register_field_unique_label"),
        ]

    def __str__(self):
        return f"{self.register.name} · {self.label}"


class VisitFrequency(models.Model):
    """How often a person of this register at this risk grade is visited (admin-editable)."""

    register = models.ForeignKey(
        Register, on_delete=models.CASCADE, related_name="frequencies", verbose_name="登记表"
    )
    grade = models.PositiveSmallIntegerField("风险等级")
    label = models.CharField("等级名称", max_length=30)
    interval_days = models.PositiveSmallIntegerField("走访周期(天)")

    class Meta:
        verbose_name = "走访频次"
        verbose_name_plural = "走访频次"
        ordering = ["register", "grade"]
        constraints = [models.UniqueConstraint(fields=["register", "grade"], name="visit_frequency_unique")]

    def __str__(self):
        return f"{self.register.name} {self.label}: 每 {self.interval_days} 天"


class Entry(models.Model):
    """One record on one register, in one grid. Person entries point at the person's one file."""

    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, related_name="entries", verbose_name="登记表"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格",
        on_delete=models.PROTECT,
        related_name="basedata_entries",
        db_column="region_code",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entries",
    )
    title = models.CharField("名称", max_length=100, blank=True, help_text="房屋、组织、场所的名称")
    address = models.CharField("地址", max_length=200, blank=True)
    data = models.JSONField("登记信息", default=dict, blank=True)
    grade = models.PositiveSmallIntegerField("风险等级", null=True, blank=True)
    active = models.BooleanField("在册", default=True)
    # Taken off the register (released, moved away, died, risk gone): who, when and why. The entry
    # stays for the record; registering the person again puts it back on.
    ended_at = models.DateTimeField("移出时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="移出人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField("移出原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "登记记录"
        verbose_name_plural = "登记记录"
        ordering = ["register", "region_id", "pk"]
        indexes = [
            models.Index(fields=["register", "region"], name="entry_register_region"),
            # Covers the statistics' count per register and grid over a region's range.
            models.Index(fields=["region", "register", "active"], name="entry_region_register_active"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "person"],
                condition=models.Q(person__isnull=False),
                name="entry_one_person_per_register",
            )
        ]

    def __str__(self):
        return f"{self.register.name} #{self.pk}"


class CarePlan(models.Model):
    """The care and supervision of one person on a care register: who is responsible, how often
    they visit (from the grade), when the next visit is due and whether its warning went out."""

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, related_name="care_plan", verbose_name="登记"
    )
    # The entry's grid, denormalised so that scoping and statistics read plans without the entries.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
        null=True,
    )
    carers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="care_plans", verbose_name="帮扶责任人"
    )
    group_note = models.CharField(
        "帮扶小组其他成员", max_length=200, blank=True, help_text="如 村干部、民警、家属、医生"
    )
    interval_days = models.PositiveSmallIntegerField("走访周期(天)")
    started_at = models.DateTimeField("开始时间")
    last_visit_at = models.DateTimeField("最近走访", null=True, blank=True)
    next_due_at = models.DateTimeField("下次走访截止", db_index=True)
    warned_due_at = models.DateTimeField("已预警的截止时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "帮扶计划"
        verbose_name_plural = "帮扶计划"

    def __str__(self):
        return f"帮扶计划 #{self.pk}"


class CareVisit(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", "入户走访"
        PHONE = "phone", "电话随访"
        OTHER = "other", "其他方式"

    class Condition(models.TextChoices):
        STABLE = "stable", "稳定"
        FAIR = "fair", "基本稳定"
        UNSTABLE = "unstable", "不稳定"

    plan = models.ForeignKey(
        CarePlan, on_delete=models.CASCADE, related_name="visits", verbose_name="帮扶计划"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_visits", verbose_name="走访人"
    )
    visited_at = models.DateTimeField("走访时间")
    kind = models.CharField("方式", max_length=8, choices=Kind.choices, default=Kind.HOME)
    condition = models.CharField(
        "现实表现", max_length=10, choices=Condition.choices, default=Condition.STABLE
    )
    note = models.TextField("走访情况", max_length=2000, blank=True)
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "帮扶走访"
        verbose_name_plural = "帮扶走访"
        ordering = ["-visited_at", "-pk"]


class GradeChange(models.Model):
    """Who changed a risk grade, when and why (append-only by convention: only actions write it)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="grade_changes")
    from_grade = models.PositiveSmallIntegerField("原等级", null=True, blank=True)
    to_grade = models.PositiveSmallIntegerField("新等级")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("理由", max_length=500)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "风险等级变更"
        verbose_name_plural = "风险等级变更"
        ordering = ["-at", "-pk"]


class ExportLog(models.Model):
    """One row per export of a register: who took which rows out, and from where."""

    at = models.DateTimeField("时间", auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField("区划", max_length=21)
    rows = models.PositiveIntegerField("行数")
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "导出记录"
        verbose_name_plural = "导出记录"
        ordering = ["-at"]
