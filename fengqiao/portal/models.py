"""The citizen portal's own rows: the applicant's rating of a closed case, and the counters of the
rate limit (kept in the database so every server process counts the same)."""

from django.db import models


class Rating(models.Model):
    """An applicant's rating of the outcome (群众评价), once per closing of the case."""

    class Score(models.IntegerChoices):
        VERY_SATISFIED = 5, "非常满意"
        SATISFIED = 4, "满意"
        FAIR = 3, "基本满意"
        DISSATISFIED = 2, "不满意"
        VERY_DISSATISFIED = 1, "非常不满意"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="portal_ratings")
    closed_at = models.DateTimeField("所评结案时间")
    score = models.PositiveSmallIntegerField("满意度", choices=Score.choices)
    settled = models.BooleanField("问题已解决")
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "群众评价"
        verbose_name_plural = "群众评价"
        constraints = [models.UniqueConstraint(fields=["case", "closed_at"], name="portal_rating_once")]

    def __str__(self):
        return f"{self.case.number} {self.get_score_display()}"


class Hit(models.Model):
    """How often one (hashed) key acted in one fixed time window."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="portal_hit_window")]
        indexes = [models.Index(fields=["window_start"], name="portal_hit_start")]
