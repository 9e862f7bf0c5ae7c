"""The petition procedure (信访工作条例, 2022) hung one-to-one on a petition-track case. The case
already runs the statutory acceptance (15 days) and handling (60 days, one extension ≤ 30) clocks;
this adds what the procedure needs besides: the decision and its reason, the transfer, the written
answer, the petitioner's evaluation, review (复查) and re-review (复核) with their own clocks, and
the link between repeat petitions of the same person."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Petition(models.Model):
    class Evaluation(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="petition")
    petitioner = models.ForeignKey(
        "people.Person",
        verbose_name="信访人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    repeat_of = models.ForeignKey(
        "self",
        verbose_name="重复信访(前次)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted = models.BooleanField("是否受理", null=True)
    decided_at = models.DateTimeField("受理决定时间", null=True, blank=True)
    decision_reason = models.TextField("受理意见/不予受理理由", blank=True)
    transferred_to = models.ForeignKey(
        "accounts.Unit",
        verbose_name="转送交办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transferred_at = models.DateTimeField("转送交办时间", null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField("延期天数", null=True, blank=True)
    extension_reason = models.TextField("延期理由", blank=True)
    answer = models.TextField("处理意见(书面答复)", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluation = models.CharField("信访人评价", max_length=12, choices=Evaluation.choices, blank=True)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        ordering = ["-registered_at"]

    def __str__(self):
        return f"信访 {self.case.number}"


class Review(models.Model):
    """复查 (asked within 30 days of the answer, answered within 30 days) and 复核 (likewise after
    the review's answer). Its answer clock is checked by the sweep."""

    class Kind(models.TextChoices):
        REVIEW = "review", "复查"
        RE_REVIEW = "re_review", "复核"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "维持原处理意见"
        CHANGED = "changed", "撤销或变更原处理意见"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name="复查(复核)机关", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    reason = models.TextField("申请理由")
    warn_at = models.DateTimeField("预警时间")
    due_at = models.DateTimeField("答复期限")
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField("超期时间", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answer = models.TextField("复查(复核)意见", blank=True)
    outcome = models.CharField("结论", max_length=8, choices=Outcome.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "复查复核"
        verbose_name_plural = "复查复核"
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["petition", "kind"], name="one_review_of_each_kind")]
        indexes = [
            models.Index(fields=["due_at"], name="review_open_due", condition=Q(answered_at__isnull=True))
        ]
