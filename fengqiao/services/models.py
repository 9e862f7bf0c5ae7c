"""Public legal and psychological services (公共法律服务、心理服务).

Legal: the lawyers and legal workers who serve at the window (Provider), their duty roster
(DutyShift), the "three officials and one lawyer" of each village (VillageAdviser), consultations
(Consultation) and legal-aid applications with their statutory decision limits (LegalAidApplication).

Psychological: counsellors (Provider), counselling sessions whose notes only counsellors read
(CounsellingSession, every read written to NoteAccess), PHQ-9 / GAD-7 screenings scored by the
platform (Screening, see scoring.py), and the crisis-intervention path (Crisis, FollowUp).

The platform has no lawyer or counsellor role: a Provider profile linked to a user makes that user
one. Every row carries its region code, so scoping is the same prefix range as everywhere else.
"""

from django.conf import settings
from django.db import models

from . import scoring


def _region(verbose_name: str = "所属区划"):
    return models.ForeignKey(
        "regions.Region",
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )


class Provider(models.Model):
    """A lawyer, legal worker or counsellor serving an area (its region and everything below)."""

    class Kind(models.TextChoices):
        LAWYER = "lawyer", "律师"
        LEGAL_WORKER = "legal_worker", "基层法律服务工作者"
        COUNSELLOR = "counsellor", "心理咨询师"

    LEGAL_KINDS = (Kind.LAWYER, Kind.LEGAL_WORKER)

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("姓名", max_length=50)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_provider",
    )
    region = _region("服务区划")
    organisation = models.CharField("执业机构", max_length=100, blank=True)
    licence_number = models.CharField("执业证号", max_length=40, blank=True)
    phone = models.CharField("工作电话", max_length=20, blank=True)
    active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "法律/心理服务人员"
        verbose_name_plural = "法律/心理服务人员"
        ordering = ["region_id", "kind", "name"]
        indexes = [models.Index(fields=["region", "kind"], name="provider_region_kind")]

    def __str__(self):
        return f"{self.name}({self.get_kind_display()})"

    @property
    def is_counsellor(self) -> bool:
        return self.kind == self.Kind.COUNSELLOR


class DutyShift(models.Model):
    """A provider on duty at a place (the centre's legal window, the counselling room) for a time."""

    provider = models.ForeignKey(
        Provider, verbose_name="值班人员", on_delete=models.CASCADE, related_name="shifts"
    )
    region = _region("值班区划")
    place = models.CharField("值班地点", max_length=100)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="shift_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_later"
            )
        ]

    def __str__(self):
        return f"{self.provider.name} {self.place} {self.starts_at:%Y-%m-%d %H:%M}"


class VillageAdviser(models.Model):
    """One of the "three officials and one lawyer" (三官一律) of a village or community: the judge,
    prosecutor and police officer linked to it, and its legal adviser (一村一法律顾问)."""

    class Post(models.TextChoices):
        JUDGE = "judge", "法官"
        PROSECUTOR = "prosecutor", "检察官"
        POLICE = "police", "警官"
        LAWYER = "lawyer", "法律顾问(律师)"

    region = _region("村(社区)")
    post = models.CharField("岗位", max_length=12, choices=Post.choices)
    name = models.CharField("姓名", max_length=50)
    organisation = models.CharField("所在单位", max_length=100, blank=True)
    phone = models.CharField("工作电话", max_length=20, blank=True)
    provider = models.ForeignKey(
        Provider,
        verbose_name="对应律师",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="village_posts",
    )
    since = models.DateField("任职日期", null=True, blank=True)

    class Meta:
        verbose_name = "三官一律"
        verbose_name_plural = "三官一律"
        ordering = ["region_id", "post"]
        constraints = [models.UniqueConstraint(fields=["region", "post"], name="village_adviser_once")]

    def __str__(self):
        return f"{self.region_id} {self.get_post_display()} {self.name}"


class LegalTopic(models.TextChoices):
    MARRIAGE_FAMILY = "marriage_family", "婚姻家庭继承"
    LABOUR = "labour", "劳动争议与欠薪"
    CONTRACT_DEBT = "contract_debt", "合同债务"
    LAND_HOUSING = "land_housing", "土地房产"
    TORT = "tort", "人身财产损害"
    TRAFFIC = "traffic", "交通事故"
    CONSUMER = "consumer", "消费权益"
    ADMINISTRATIVE = "administrative", "行政争议"
    CRIMINAL = "criminal", "刑事"
    OTHER = "other", "其他"


class Consultation(models.Model):
    """One legal consultation: who asked, on what, the answer given and where it was referred."""

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口来访"
        PHONE = "phone", "12348 热线"
        ONLINE = "online", "网上咨询"
        VILLAGE = "village", "村(社区)法律顾问"

    class Referral(models.TextChoices):
        NONE = "none", "当场解答"
        LEGAL_AID = "legal_aid", "转法律援助"
        MEDIATION = "mediation", "转人民调解"
        LITIGATION = "litigation", "引导诉讼"
        ARBITRATION = "arbitration", "引导仲裁"
        DEPARTMENT = "department", "转职能部门"
        NOTARY = "notary", "转公证"

    region = _region()
    person = models.ForeignKey(
        "people.Person",
        verbose_name="咨询人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_consultations",
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices, default=Channel.WINDOW)
    topic = models.CharField("咨询类别", max_length=16, choices=LegalTopic.choices)
    question = models.TextField("咨询内容")
    answer = models.TextField("解答意见", blank=True)
    provider = models.ForeignKey(
        Provider,
        verbose_name="解答人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    referral = models.CharField("去向", max_length=12, choices=Referral.choices, default=Referral.NONE)
    referral_note = models.CharField("去向说明", max_length=200, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_consultations",
    )
    asked_at = models.DateTimeField("咨询时间", db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "法律咨询"
        verbose_name_plural = "法律咨询"
        ordering = ["-asked_at", "-pk"]
        indexes = [models.Index(fields=["region", "asked_at"], name="consultation_region_at")]

    def __str__(self):
        return f"法律咨询 #{self.pk} {self.get_topic_display()}"


class LegalAidApplication(models.Model):
    """A legal-aid application (法律援助法, 2022): the aid agency decides within 7 days of receiving it
    (art. 43) and, when it grants aid, appoints a lawyer within 3 days of the decision."""

    DECISION_DAYS = 7
    APPOINTMENT_DAYS = 3

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审查"
        GRANTED = "granted", "已决定援助"
        REFUSED = "refused", "不予援助"
        ASSIGNED = "assigned", "已指派"
        CONCLUDED = "concluded", "已结案"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "主张得到支持"
        SETTLED = "settled", "调解和解"
        PARTLY = "partly", "部分支持"
        LOST = "lost", "未获支持"
        TERMINATED = "terminated", "终止援助"

    region = _region()
    applicant = models.ForeignKey(
        "people.Person",
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="legal_aid_applications",
    )
    topic = models.CharField("案件类别", max_length=16, choices=LegalTopic.choices)
    matter = models.TextField("申请事项")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_aid_applications",
    )
    consultation = models.OneToOneField(
        Consultation,
        verbose_name="来源咨询",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aid_application",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    applied_at = models.DateTimeField("申请时间", db_index=True)
    decision_due = models.DateTimeField("审查时限")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.CharField("决定理由", max_length=300, blank=True)
    lawyer = models.ForeignKey(
        Provider,
        verbose_name="承办律师",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_cases",
    )
    assignment_due = models.DateTimeField("指派时限", null=True, blank=True)
    assigned_at = models.DateTimeField("指派时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField("结案说明", blank=True)
    concluded_at = models.DateTimeField("结案时间", null=True, blank=True)
    overdue_notified_at = models.DateTimeField("超期提醒时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "法律援助申请"
        verbose_name_plural = "法律援助申请"
        ordering = ["-applied_at", "-pk"]
        indexes = [models.Index(fields=["region", "applied_at"], name="legal_aid_region_at")]

    def __str__(self):
        return f"法律援助 #{self.pk}"


class CounsellingSession(models.Model):
    """A counselling session. Its notes are read only by counsellors, and every read is logged."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "个体咨询"
        FAMILY = "family", "家庭咨询"
        GROUP = "group", "团体辅导"
        HOTLINE = "hotline", "心理热线"
        CRISIS = "crisis", "危机干预"

    class Issue(models.TextChoices):
        FAMILY = "family", "婚姻家庭"
        EMOTION = "emotion", "情绪困扰"
        DISPUTE = "dispute", "矛盾纠纷当事人疏导"
        STUDY_WORK = "study_work", "学业职业"
        HEALTH = "health", "身心健康"
        SPECIAL_GROUP = "special_group", "特殊人群关爱"
        OTHER = "other", "其他"

    region = _region()
    person = models.ForeignKey(
        "people.Person", verbose_name="来访者", on_delete=models.PROTECT, related_name="counselling_sessions"
    )
    counsellor = models.ForeignKey(
        Provider, verbose_name="咨询师", on_delete=models.PROTECT, related_name="sessions"
    )
    kind = models.CharField("形式", max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    issue = models.CharField("主要问题", max_length=16, choices=Issue.choices)
    held_at = models.DateTimeField("咨询时间", db_index=True)
    minutes = models.PositiveSmallIntegerField("时长(分钟)", default=50)
    notes = models.TextField("咨询记录")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counselling_sessions",
    )
    crisis = models.ForeignKey(
        "Crisis",
        verbose_name="危机干预",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )

    class Meta:
        verbose_name = "心理咨询"
        verbose_name_plural = "心理咨询"
        ordering = ["-held_at", "-pk"]
        indexes = [models.Index(fields=["region", "held_at"], name="session_region_at")]

    def __str__(self):
        return f"心理咨询 #{self.pk}"


class Screening(models.Model):
    """One administration of a screening instrument; the platform computes score, band and flags."""

    class Instrument(models.TextChoices):
        PHQ9 = scoring.PHQ9.code, scoring.PHQ9.name
        GAD7 = scoring.GAD7.code, scoring.GAD7.name

    region = _region()
    person = models.ForeignKey(
        "people.Person", verbose_name="受测者", on_delete=models.PROTECT, related_name="screenings"
    )
    instrument = models.CharField("量表", max_length=8, choices=Instrument.choices)
    answers = models.JSONField("各题得分")
    score = models.PositiveSmallIntegerField("总分")
    band = models.CharField("分级", max_length=24)
    positive = models.BooleanField("筛查阳性", help_text="总分达到量表的临界值(10 分)")
    crisis = models.ForeignKey(
        "Crisis",
        verbose_name="危机干预",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screenings",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screenings",
    )
    administered_at = models.DateTimeField("测评时间", db_index=True)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="施测人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "心理筛查"
        verbose_name_plural = "心理筛查"
        ordering = ["-administered_at", "-pk"]
        indexes = [models.Index(fields=["region", "administered_at"], name="screening_region_at")]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.score}"

    @property
    def band_label(self) -> str:
        return scoring.INSTRUMENTS[self.instrument].band_label(self.band)


class Crisis(models.Model):
    """A crisis intervention: opened by a high screening score or a crisis case, it notifies the
    counsellor on duty at once and carries scheduled follow-ups until a counsellor closes it."""

    class Source(models.TextChoices):
        SCREENING = "screening", "筛查高分"
        CASE = "case", "危机事项"
        MANUAL = "manual", "人工发起"

    class Status(models.TextChoices):
        OPEN = "open", "干预中"
        CLOSED = "closed", "已解除"

    region = _region()
    person = models.ForeignKey(
        "people.Person",
        verbose_name="当事人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crises",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crises",
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    reasons = models.JSONField("触发原因", default=list)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    counsellor = models.ForeignKey(
        Provider,
        verbose_name="负责咨询师",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crises",
    )
    notified = models.JSONField("已通知", default=list, help_text="被通知的账号")
    on_duty = models.BooleanField("通知到值班咨询师", default=False)
    opened_at = models.DateTimeField("发起时间", db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("解除时间", null=True, blank=True)
    closing_note = models.TextField("解除说明", blank=True)

    class Meta:
        verbose_name = "危机干预"
        verbose_name_plural = "危机干预"
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["region", "opened_at"], name="crisis_region_at")]
        constraints = [
            # A case opens one intervention, however often it is flagged.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(case__isnull=False), name="crisis_once_per_case"
            )
        ]

    def __str__(self):
        return f"危机干预 #{self.pk}"


class FollowUp(models.Model):
    """A scheduled follow-up of a crisis; the sweep reminds the counsellor once when it falls due."""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField("应随访时间")
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    done_at = models.DateTimeField("随访时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="随访人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("随访情况", blank=True)

    class Meta:
        verbose_name = "危机随访"
        verbose_name_plural = "危机随访"
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["due_at"], name="followup_due", condition=models.Q(done_at__isnull=True))
        ]

    def __str__(self):
        return f"随访 {self.due_at:%Y-%m-%d %H:%M}"


class AppendOnlyError(Exception):
    pass


class NoteAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("note access rows cannot be changed")

    def delete(self):
        raise AppendOnlyError("note access rows cannot be deleted")


class NoteAccess(models.Model):
    """Append-only: one row each time someone read a counselling session's notes."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        CounsellingSession, verbose_name="咨询记录", on_delete=models.PROTECT, related_name="note_accesses"
    )
    via = models.CharField("途径", max_length=8)  # page | api
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    objects = NoteAccessQuerySet.as_manager()

    class Meta:
        verbose_name = "咨询记录查看日志"
        verbose_name_plural = "咨询记录查看日志"
        ordering = ["-at", "-pk"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("note access rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("note access rows cannot be deleted")
