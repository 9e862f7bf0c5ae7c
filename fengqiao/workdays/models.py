"""The working-day calendar's editable data. China's official holidays and make-up working days
(调休) come from the chinese-calendar library for the years it knows; admins add or correct days
here and declare a year complete once its arrangement is entered (calendar.py reads both)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2200)]


class DayOverride(models.Model):
    """One day whose working status is set explicitly: a holiday (放假) or a make-up working day
    (调休上班). It wins over the library and over the weekday rule."""

    class Source(models.TextChoices):
        LIBRARY = "library", "节假日库导入"
        ADMIN = "admin", "管理员录入"

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("上班", help_text="勾选 = 上班(含周末调休上班);不勾选 = 放假")
    name = models.CharField("名称", max_length=40, blank=True, help_text="如:国庆节、国庆调休")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        kind = "上班" if self.is_working_day else "放假"
        return f"{self.date:%Y-%m-%d} {self.name or kind}({kind})"


class CalendarYear(models.Model):
    """An admin's declaration that a year's holidays and make-up days are all entered as
    DayOverride rows, so days without a row follow the weekday rule (years the library knows
    need no row)."""

    year = models.PositiveSmallIntegerField("年份", unique=True, validators=YEAR_VALIDATORS)
    complete = models.BooleanField(
        "已完整录入",
        default=False,
        help_text="该年全部法定节假日和调休上班日均已录入;勾选后该年可用于计算工作日时限",
    )
    note = models.CharField(
        "说明", max_length=200, blank=True, help_text="如:依据国务院办公厅通知(国办发明电…)"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年({'完整' if self.complete else '未完整'})"


class CalendarWarning(models.Model):
    """A working-day deadline needed a year the calendar does not know. One row per year, open
    until the year becomes known (or an admin resolves it)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    first_seen_at = models.DateTimeField("首次发现")
    resolved_at = models.DateTimeField("已处理", null=True, blank=True)

    class Meta:
        verbose_name = "日历缺失提醒"
        verbose_name_plural = "日历缺失提醒"
        ordering = ["resolved_at", "-year"]

    def __str__(self):
        return f"缺少{self.year}年节假日安排"
