"""The mediator directory and everything a mediation hangs on a case: the choice of mediator,
sessions, the agreement, judicial confirmation, follow-up visits; and referrals between
institutions (诉调、检调、公调/警调、访调、政调、军调、家调对接)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class MediationBody(models.Model):
    """A mediation organisation or room; it may be an accounts.Unit of kind mediation, which then
    holds the cases its mediators accept."""

    class Kind(models.TextChoices):
        PEOPLES = "peoples", "人民调解"
        ADMINISTRATIVE = "administrative", "行政调解"
        JUDICIAL = "judicial", "司法调解"
        ARBITRATION = "arbitration", "仲裁调解"
        REVIEW = "review", "行政复议调解"
        PRE_LITIGATION = "pre_litigation", "诉前调解"
        PERSONAL_ROOM = "personal_room", "个人品牌调解室"
        PROFESSIONAL = "professional", "行业性专业性调解"
        LEGAL_SERVICE = "legal_service", "法律服务机构"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所在区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="对应机构",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediation_bodies",
        limit_choices_to={"kind": "mediation"},
    )
    address = models.CharField("地址", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "调解组织"
        verbose_name_plural = "调解组织"
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "region"], name="mediation_body_once")]

    def __str__(self):
        return self.name


class Mediator(models.Model):
    """A mediator: a platform user with the mediator role, or an external person (invited mediator,
    lawyer, psychologist, notary…) whose acceptance staff record."""

    class Kind(models.TextChoices):
        PEOPLES = "peoples", "人民调解员"
        FULL_TIME = "full_time", "专职调解员"
        INVITED = "invited", "特邀调解员"
        JUDGE = "judge", "法官/调解法官"
        LAWYER = "lawyer", "律师"
        PSYCHOLOGIST = "psychologist", "心理咨询师"
        NOTARY = "notary", "公证员"
        LEGAL_AID = "legal_aid", "法律援助律师"
        ROOM_HOST = "room_host", "品牌调解室调解员"

    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.PEOPLES)
    body = models.ForeignKey(
        MediationBody,
        verbose_name="所属调解组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediators",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_profile",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="服务区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    specialities = models.JSONField(
        "擅长类别", default=list, blank=True, help_text="事项类别代码;空 = 各类纠纷"
    )
    introduction = models.TextField("简介", blank=True)
    available = models.BooleanField("可接案", default=True)
    max_load = models.PositiveSmallIntegerField("同时承办上限", default=10)
    active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "调解员"
        verbose_name_plural = "调解员"
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["region", "active"], name="mediator_region_active")]

    def __str__(self):
        return self.name

    @property
    def unit(self):
        if self.body_id and self.body.unit_id:
            return self.body.unit
        if self.user_id and self.user.unit_id and self.user.unit.kind == "mediation":
            return self.user.unit
        return None


class Mediation(models.Model):
    """The mediation of one case: who mediates it now and how it ended."""

    class Outcome(models.TextChoices):
        OPEN = "open", "调解中"
        AGREEMENT = "agreement", "调解成功"
        PARTIAL = "partial", "部分达成"
        FAILED = "failed", "调解不成"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="mediation")
    mediator = models.ForeignKey(
        Mediator,
        verbose_name="调解员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediations",
    )
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    next_step = models.CharField("调解不成的去向", max_length=200, blank=True)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "调解"
        verbose_name_plural = "调解"


class MediatorChoice(models.Model):
    """A mediator proposed for a case, by staff or by the applicant (自主选择); the mediator accepts
    or declines. A declined or withdrawn choice hands the case back for another choice."""

    class By(models.TextChoices):
        STAFF = "staff", "工作人员指派"
        PORTAL = "portal", "当事人网上自选"
        WINDOW = "window", "当事人窗口自选"

    class State(models.TextChoices):
        PENDING = "pending", "待接受"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已拒绝"
        WITHDRAWN = "withdrawn", "已撤回"

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="choices")
    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="choices")
    chosen_by = models.CharField("选择方式", max_length=8, choices=By.choices)
    chosen_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField("选择时间")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField("拒绝理由", blank=True)

    class Meta:
        verbose_name = "调解员选择"
        verbose_name_plural = "调解员选择"
        ordering = ["-chosen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mediation"], condition=Q(state="pending"), name="one_pending_choice_per_mediation"
            )
        ]


class Session(models.Model):
    class Outcome(models.TextChoices):
        CONTINUE = "continue", "继续调解"
        AGREEMENT = "agreement", "达成协议"
        PARTIAL = "partial", "部分达成"
        FAILED = "failed", "调解不成"

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField("调解时间")
    place = models.CharField("地点", max_length=200, blank=True)
    video_link = models.URLField("视频链接", blank=True)
    participants = models.TextField("参加人员")
    notes = models.TextField("调解记录")
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    next_step = models.CharField("后续去向", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "调解会"
        verbose_name_plural = "调解会"
        ordering = ["held_at", "id"]


class Agreement(models.Model):
    """The written mediation agreement (调解协议书, 人民调解法 第二十九条): parties, facts, terms, how
    and when they are performed; it takes effect when the parties and the mediator have signed."""

    mediation = models.OneToOneField(Mediation, on_delete=models.CASCADE, related_name="agreement")
    number = models.CharField("协议编号", max_length=40, unique=True)
    facts = models.TextField("纠纷主要事实、争议事项")
    terms = models.JSONField("协议内容", help_text="每条一项")
    performance = models.TextField("履行方式")
    perform_by = models.DateField("履行期限")
    created_at = models.DateTimeField("制作时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("签字生效时间", null=True, blank=True)
    signed_by_parties = models.BooleanField("当事人已签字", default=False)
    signed_by_mediator = models.BooleanField("调解员已签字", default=False)

    class Meta:
        verbose_name = "调解协议"
        verbose_name_plural = "调解协议"

    @property
    def in_effect(self) -> bool:
        return self.signed_at is not None


class JudicialConfirmation(models.Model):
    """Application to the court for judicial confirmation (司法确认), open for 30 days after the
    agreement takes effect; the sweep warns before the window closes and marks it lapsed after."""

    class State(models.TextChoices):
        OPEN = "open", "可申请"
        APPLIED = "applied", "已申请"
        CONFIRMED = "confirmed", "已确认"
        REFUSED = "refused", "不予确认"
        LAPSED = "lapsed", "逾期未申请"
        WAIVED = "waived", "当事人不申请"

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="confirmation")
    court = models.ForeignKey(
        "accounts.Unit",
        verbose_name="受理法院",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opens_at = models.DateTimeField("起算时间")
    warn_at = models.DateTimeField("预警时间")
    due_at = models.DateTimeField("申请截止")
    warned_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    applied_at = models.DateTimeField("申请时间", null=True, blank=True)
    decided_at = models.DateTimeField("裁定时间", null=True, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "司法确认"
        verbose_name_plural = "司法确认"
        indexes = [models.Index(fields=["due_at"], name="confirmation_open_due", condition=Q(state="open"))]


class FollowUpVisit(models.Model):
    """A return visit (回访) after settlement: was the agreement performed?"""

    class Fulfilment(models.TextChoices):
        FULL = "full", "已履行"
        PARTIAL = "partial", "部分履行"
        NONE = "none", "未履行"

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="visits")
    due_at = models.DateTimeField("计划回访时间")
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fulfilment = models.CharField("履行情况", max_length=8, choices=Fulfilment.choices, blank=True)
    note = models.TextField("回访记录", blank=True)

    class Meta:
        verbose_name = "调解回访"
        verbose_name_plural = "调解回访"
        ordering = ["due_at", "id"]


class Referral(models.Model):
    """A matter referred from one institution to another and tracked to its outcome."""

    class Kind(models.TextChoices):
        COURT = "court", "诉调对接"
        PROCURATORATE = "procuratorate", "检调对接"
        POLICE = "police", "公调(警调)对接"
        PETITION = "petition", "访调对接"
        GOVERNMENT = "government", "政调对接"
        MILITARY = "military", "军调对接"
        FAMILY = "family", "家调对接"

    class Outcome(models.TextChoices):
        PENDING = "pending", "办理中"
        SETTLED = "settled", "调解成功"
        FAILED = "failed", "调解不成"
        RETURNED = "returned", "退回"

    kind = models.CharField("对接类型", max_length=16, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    sender = models.ForeignKey(
        "accounts.Unit", verbose_name="移送单位", on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        "accounts.Unit", verbose_name="接收单位", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    summary = models.TextField("移送事由")
    sent_at = models.DateTimeField("移送时间")
    received_at = models.DateTimeField("接收时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    result_note = models.TextField("办理结果", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "对接移送"
        verbose_name_plural = "对接移送"
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["region", "kind"], name="referral_region_kind")]
