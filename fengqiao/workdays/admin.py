"""Admin for the working-day calendar: days entered or corrected by hand, the years declared
complete, and the warnings raised when a deadline needed a year the calendar lacks."""

from django.contrib import admin, messages
from django.db.models.functions import ExtractYear

from fengqiao import clock

from . import calendar
from .actions import YearNotInLibrary, load_library_year
from .models import CalendarWarning, CalendarYear, DayOverride

WEEKDAYS = "一二三四五六日"


class YearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = (
            DayOverride.objects.annotate(y=ExtractYear("date"))
            .order_by("-y")
            .values_list("y", flat=True)
            .distinct()
        )
        return [(str(year), f"{year}年") for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working_day", "name", "source", "updated_at"]
    list_filter = [YearFilter, "is_working_day", "source"]
    search_fields = ["name"]
    ordering = ["date"]
    readonly_fields = ["source", "updated_at"]
    fields = ["date", "is_working_day", "name", "source", "updated_at"]

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"周{WEEKDAYS[obj.date.weekday()]}"

    def save_model(self, request, obj, form, change):
        obj.source = DayOverride.Source.ADMIN  # a day an admin touched is the admin's
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "complete", "in_library", "holidays", "make_up_days", "note", "updated_at"]
    list_filter = ["complete"]
    ordering = ["-year"]
    actions = ["load_from_library"]

    @admin.display(description="节假日库已收录", boolean=True)
    def in_library(self, obj):
        return obj.year in calendar.library_years()

    @admin.display(description="放假天数(录入)")
    def holidays(self, obj):
        return DayOverride.objects.filter(date__year=obj.year, is_working_day=False).count()

    @admin.display(description="调休上班天数(录入)")
    def make_up_days(self, obj):
        return DayOverride.objects.filter(date__year=obj.year, is_working_day=True).count()

    @admin.action(description="从节假日库(chinese-calendar)导入所选年份")
    def load_from_library(self, request, queryset):
        for year in queryset.order_by("year").values_list("year", flat=True):
            try:
                result = load_library_year(year)
            except YearNotInLibrary as error:
                self.message_user(request, f"{year}年:{error};请手工录入。", messages.WARNING)
                continue
            kept = f",保留管理员录入 {len(result.kept_admin)} 天" if result.kept_admin else ""
            self.message_user(
                request, f"{year}年:写入 {result.written} 天,未变 {result.unchanged} 天{kept};已标记完整。"
            )


@admin.register(CalendarWarning)
class CalendarWarningAdmin(admin.ModelAdmin):
    list_display = ["year", "first_seen_at", "resolved_at", "still_unknown"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["year", "first_seen_at"]
    actions = ["mark_resolved"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="仍缺失", boolean=True)
    def still_unknown(self, obj):
        return not calendar.is_year_known(obj.year)

    @admin.action(description="标记为已处理")
    def mark_resolved(self, request, queryset):
        unknown = [
            year for year in queryset.values_list("year", flat=True) if not calendar.is_year_known(year)
        ]
        updated = queryset.filter(resolved_at__isnull=True).update(resolved_at=clock.now())
        self.message_user(request, f"已处理 {updated} 条。")
        if unknown:
            self.message_user(
                request,
                f"{'、'.join(map(str, unknown))} 年仍未录入完整;再次用到时会重新提醒。",
                messages.WARNING,
            )
