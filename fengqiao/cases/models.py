"""Cases and what hangs off them. A case's status changes only through `cases.actions`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Left
from django.utils import timezone

from .codes import Category, Channel, Level, PartyRole, Status, Track

# The case list's filter columns (equality filters of selectors.filtered_cases and GET /api/v1/cases).
LIST_FILTER_COLUMNS = ("status", "category", "level", "channel", "overdue")
# The code prefixes with their own list index: a county (6 digits) and a township (9).
LIST_PREFIX_INDEXES = (("case_list_county", 6), ("case_list_township", 9))
LIST_PREFIX_LENGTHS = tuple(length for _, length in LIST_PREFIX_INDEXES)


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
        db_index=False,  # the leading column of case_region_reported
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
        db_index=False,  # the leading column of case_unit_status
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # case_created_by: partial, see Meta.indexes
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # case_resolved_by: partial, see Meta.indexes
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
    urgent = models.BooleanField("加急", default=False)
    pinned = models.BooleanField("置顶", default=False)
    returns = models.PositiveSmallIntegerField("被退回次数", default=0)
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
        db_index=False,  # case_merged_into: partial, see Meta.indexes
    )

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["region", "reported_at"], name="case_region_reported"),
            models.Index(fields=["status", "region"], name="case_status_region"),
            # region_code last: a unit's cases outside its region are found from the index alone
            # (selectors._unit_cases_outside; cases/0015).
            models.Index(fields=["handling_unit", "status", "region"], name="case_unit_status"),
            models.Index(fields=["reported_at"], name="case_reported"),
            # Grid lookups, and triage's "earlier matters of this category at this place"
            # (de-duplication and risk) as a short range scan instead of every case of the grid.
            models.Index(fields=["grid_code", "category", "reported_at"], name="case_grid_category_reported"),
            models.Index(fields=["region"], name="case_needs_triage", condition=Q(needs_triage=True)),
            # The foreign keys that are NULL on most rows a sweep or an intake writes (an open
            # case has no resolver, almost none is merged, a case from the portal or a synth load
            # has no registering user) are indexed only where set: lookups by one of them, and the
            # checks when a user or a case is deleted, all ask for a value, never for NULL, and an
            # escalation (a non-HOT update) writes no entry for them (cases/0011).
            *(
                models.Index(fields=[name], name=f"case_{name}", condition=Q(**{f"{name}__isnull": False}))
                for name in ("created_by", "resolved_by", "merged_into")
            ),
            # The case list (selectors.list_in_region, keyset_page): the list's order, (pinned,
            # reported_at, id) read backwards, over the cases not merged into another, for the
            # province (case_list_keyset), a county (its 6-digit code prefix) and a township (9
            # digits): any region's first page and every next page is an ordered index scan from the
            # cursor, with no sort. A county or township is a range of grid codes, which no
            # region-first B-tree can return in the list's order, hence the prefix expression
            # (the list query adds `left(region_code, n) = prefix` beside the range). The list's
            # filters trail the key: a filter is checked on the index entry (an Index Cond), so
            # a rare category in a county skips the rows it does not want without reading them.
            models.Index(
                fields=["pinned", "reported_at", "id", *LIST_FILTER_COLUMNS],
                name="case_list_keyset",
                condition=Q(merged_into__isnull=True),
            ),
            *(
                models.Index(
                    Left("region", length),
                    *("pinned", "reported_at", "id", *LIST_FILTER_COLUMNS),
                    name=name,
                    condition=Q(merged_into__isnull=True),
                )
                for name, length in LIST_PREFIX_INDEXES
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title or self.description[:20]}"

    @property
    def pressing_clock(self):
        """The running clock due soonest, with `.current_colour` (use with prefetch_related("clocks"))."""
        from django.utils import timezone

        running = [clock for clock in self.clocks.all() if clock.outcome == Clock.Outcome.RUNNING]
        if not running:
            return None
        clock = min(running, key=lambda c: c.due_at)
        clock.current_colour = clock.colour(timezone.now())
        return clock

    @property
    def latest_instruction(self):
        instructions = list(self.instructions.all())
        return max(instructions, key=lambda i: i.at) if instructions else None

    @property
    def is_open(self) -> bool:
        from .codes import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class CaseText(models.Model):
    """The text search's copy of each case's title and description, which its GIN index reads
    (fengqiao/cases/search.py). On PostgreSQL only the database writes it: triggers on the case
    table (cases/0013) insert, update and delete a case's row with the case, and update it only
    when the title or description changes, so that the case's other updates (the sweep's
    escalations, status changes) never touch the index. Empty on SQLite, whose search is a LIKE."""

    case = models.OneToOneField(
        Case,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the database's delete trigger removes the row
        db_constraint=False,  # kept by the triggers; a foreign key would add a check per row
        related_name="+",
    )
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField()

    class Meta:
        db_table = "cases_case_text"


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
        VERIFY = "verify", "核查时限"

    class Outcome(models.TextChoices):
        RUNNING = "running", "计时中"
        MET = "met", "按时完成"
        BREACHED = "breached", "超时"
        CANCELLED = "cancelled", "终止"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="clocks", db_index=False
    )  # the leading column of clock_case_outcome
    stage = models.CharField(max_length=10, choices=Stage.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    yellow_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    yellow_carded_at = models.DateTimeField(null=True, blank=True)
    red_carded_at = models.DateTimeField(null=True, blank=True)
    rule = models.CharField("依据", max_length=120, blank=True)

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        indexes = [
            models.Index(fields=["due_at"], name="clock_running_due", condition=Q(outcome="running")),
            models.Index(
                fields=["yellow_at"],
                name="clock_yellow_pending",
                condition=Q(outcome="running", yellow_carded_at__isnull=True),
            ),
            models.Index(fields=["case", "outcome"], name="clock_case_outcome"),
        ]

    def colour(self, now) -> str:
        """green, yellow (warning threshold passed) or red (limit passed)."""
        end = self.stopped_at or now
        if self.outcome == self.Outcome.BREACHED or end > self.due_at:
            return "red"
        if self.outcome == self.Outcome.RUNNING and self.yellow_at is not None and now >= self.yellow_at:
            return "yellow"
        return "green"


class Card(models.Model):
    """A yellow (warning) or red (breach) card given to the unit holding a clock; evaluation counts them."""

    class Colour(models.TextChoices):
        YELLOW = "yellow", "黄牌"
        RED = "red", "红牌"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cards")
    # clock leads card_once_per_clock's index and unit leads card_unit_at: no index of their own.
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="cards", db_index=False)
    unit = models.ForeignKey(
        "accounts.Unit", null=True, on_delete=models.PROTECT, related_name="cards", db_index=False
    )
    colour = models.CharField(max_length=6, choices=Colour.choices)
    stage = models.CharField(max_length=10, choices=Clock.Stage.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "黄红牌"
        verbose_name_plural = "黄红牌"
        constraints = [models.UniqueConstraint(fields=["clock", "colour"], name="card_once_per_clock")]
        indexes = [models.Index(fields=["unit", "at"], name="card_unit_at")]


class TimelineEntry(models.Model):
    """Append-only: who did what to a case, when and from where."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="timeline", db_index=False
    )  # the leading column of timeline_case_at
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # timeline_actor: partial (the sweep's entries have no actor)
    )
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="timeline_case_at"),
            models.Index(fields=["actor"], name="timeline_actor", condition=Q(actor__isnull=False)),
        ]

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
    """The time limit of a stage, with its yellow warning threshold. The most specific rule wins:
    one for the handling unit, then for the category at the level, the level, the category, and
    finally the built-in defaults (deadlines.DEFAULTS)."""

    class Counting(models.TextChoices):
        CALENDAR = "calendar", "自然日"
        WORKING = "working", "工作日"
        HOURS = "hours", "小时"

    stage = models.CharField("环节", max_length=10, choices=Clock.Stage.choices, default=Clock.Stage.HANDLE)
    category = models.CharField("类别(空=全部)", max_length=24, choices=Category.choices, blank=True)
    level = models.CharField("层级(空=全部)", max_length=8, choices=Level.choices, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="承办单位(空=全部)",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    amount = models.PositiveSmallIntegerField("时限", default=7)
    counting = models.CharField(
        "计时方式", max_length=10, choices=Counting.choices, default=Counting.CALENDAR
    )
    yellow_after = models.PositiveSmallIntegerField(
        "黄牌预警(已用时)", null=True, blank=True, help_text="同一计时方式;空 = 时限的 70%"
    )

    class Meta:
        verbose_name = "时限规则"
        verbose_name_plural = "时限规则"
        constraints = [
            models.UniqueConstraint(fields=["stage", "category", "level", "unit"], name="deadline_rule_once")
        ]

    def __str__(self):
        scope = " ".join(
            filter(
                None,
                [
                    self.get_level_display() if self.level else "",
                    self.get_category_display() if self.category else "",
                ],
            )
        )
        return f"{self.get_stage_display()} {scope or '全部'} {self.amount}{self.get_counting_display()}"


class UrgencyRule(models.Model):
    """Admin-set rules of the loop (one row): how much 加急 shortens the remaining time of the
    running clocks, and how many days after closing the applicant is asked (回访)."""

    remaining_percent = models.PositiveSmallIntegerField("加急后剩余时间(%)", default=50)
    minimum_hours = models.PositiveSmallIntegerField("加急后至少保留(小时)", default=4)
    follow_up_days = models.PositiveSmallIntegerField("结案后回访(天)", default=7)

    class Meta:
        verbose_name = "加急与回访规则"
        verbose_name_plural = "加急与回访规则"

    @classmethod
    def current(cls) -> "UrgencyRule":
        return cls.objects.order_by("pk").first() or cls()


class CaseSequence(models.Model):
    """Counters behind human-readable case numbers, one per county and day."""

    key = models.CharField(max_length=32, primary_key=True)
    value = models.PositiveIntegerField(default=0)


class ExtensionRequest(models.Model):
    """A handler asks for more time; the supervising centre grants up to what was asked, or refuses."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        GRANTED = "granted", "已批准"
        REFUSED = "refused", "未批准"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    days = models.PositiveSmallIntegerField("申请天数")
    reason = models.TextField("理由")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    granted_days = models.PositiveSmallIntegerField("批准天数", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at"]


class Instruction(models.Model):
    """A leader's (or centre head's) instruction on a case (领导批示), shown at the top of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="instructions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField("批示内容")

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["-at"]


class SkipLevelRule(models.Model):
    """Matters that go to higher centres at once (越级上报): by category, by words in the text
    (e.g. 死亡, 群体), or by risk; with copies to named departments."""

    name = models.CharField("规则名称", max_length=100)
    categories = models.JSONField("类别(空=全部)", default=list, blank=True)
    keywords = models.JSONField("关键词(任一命中)", default=list, blank=True)
    min_risk = models.PositiveSmallIntegerField("风险分达到", null=True, blank=True)
    urgent_only = models.BooleanField("仅限加急事项", default=False)
    notify_levels = models.JSONField("报送层级", default=list, help_text='例如 ["county", "city"]')
    copy_departments = models.JSONField("抄送部门", default=list, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "越级上报规则"
        verbose_name_plural = "越级上报规则"

    def __str__(self):
        return self.name


class SkipLevelFiring(models.Model):
    rule = models.ForeignKey(SkipLevelRule, on_delete=models.CASCADE, related_name="firings")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="skip_level_firings")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "case"], name="skip_level_once")]


class FollowUp(models.Model):
    """N days after closing, the applicant is asked whether the matter is really settled; "no"
    reopens it and counts against the unit that closed it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    token = models.CharField(max_length=43, unique=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    settled = models.BooleanField(null=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        indexes = [models.Index(fields=["due_at"], name="follow_up_due", condition=Q(asked_at__isnull=True))]
