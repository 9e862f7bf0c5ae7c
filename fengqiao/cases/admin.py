"""Admin for the rules admins keep (time limits) and a read-only view of cases: case changes go
through the actions, never through the admin's forms."""

from django.contrib import admin

from fengqiao.accounts.admin import RegionScopedAdmin

from .models import Case, DeadlineRule, TimelineEntry


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["level", "category", "stage", "days", "day_kind"]
    list_filter = ["level", "stage", "day_kind"]
    ordering = ["stage", "level", "category"]


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
