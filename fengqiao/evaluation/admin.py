"""Admin: the rating thresholds, the scoring weights and the checklist items are set here."""

from django.contrib import admin

from .models import (
    ChecklistEntry,
    ChecklistItem,
    ScoringWeights,
    ThreeZeroEvent,
    ThreeZeroRule,
    ThreeZeroUnit,
)


@admin.register(ThreeZeroRule)
class ThreeZeroRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "petition_weight",
        "accident_weight",
        "criminal_weight",
        "yellow_from",
        "orange_from",
        "red_from",
    ]


@admin.register(ScoringWeights)
class ScoringWeightsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "resolution_rate",
        "on_time_rate",
        "satisfaction",
        "follow_up_rate",
        "grassroots_share",
    ]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "points", "applies_to", "active"]
    list_filter = ["kind", "applies_to", "active"]


@admin.register(ChecklistEntry)
class ChecklistEntryAdmin(admin.ModelAdmin):
    list_display = ["item", "region", "unit", "period_start", "period_end", "passed"]
    list_filter = ["passed", "item"]
    raw_id_fields = ["region", "unit"]
    readonly_fields = ["recorded_at", "recorded_by"]

    def has_add_permission(self, request, obj=None):
        return False  # through the evaluation page or the API, which check scope


@admin.register(ThreeZeroUnit)
class ThreeZeroUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(ThreeZeroEvent)
class ThreeZeroEventAdmin(admin.ModelAdmin):
    list_display = ["unit", "kind", "occurred_on", "reported_by"]
    list_filter = ["kind"]
    raw_id_fields = ["unit"]
    readonly_fields = ["reported_at", "reported_by"]

    def has_add_permission(self, request, obj=None):
        return False
