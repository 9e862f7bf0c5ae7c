"""Admin for the rules admins keep (time limits) and a read-only view of cases: case changes go
through the actions, never through the admin's forms."""

from django.contrib import admin

from fengqiao.accounts.admin import RegionScopedAdmin

from .models import Case, DeadlineRule, SkipLevelRule, TimelineEntry, UrgencyRule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["stage", "level", "category", "unit", "amount", "counting", "yellow_after"]
    list_filter = ["stage", "level", "counting"]
    ordering = ["stage", "level", "category"]
    raw_id_fields = ["unit"]


@admin.register(UrgencyRule)
class UrgencyRuleAdmin(admin.ModelAdmin):
    list_display = ["remaining_percent", "minimum_hours"]


@admin.register(SkipLevelRule)
class SkipLevelRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "categories", "keywords", "min_risk", "notify_levels", "active"]
    list_filter = ["active"]


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    fields = ["at", "actor", "kind", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(RegionScopedAdmin):
    list_display = [
        "number",
        "title",
        "category",
        "status",
        "level",
        "handling_unit",
        "overdue",
        "reported_at",
    ]
    list_filter = ["status", "level", "category", "channel", "overdue"]
    search_fields = ["number", "title"]
    date_hierarchy = "reported_at"
    inlines = [TimelineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
