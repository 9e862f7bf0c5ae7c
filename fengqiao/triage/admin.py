from django.contrib import admin

from .models import RoutingRule, TriageOverride


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "region", "level", "track", "lead_department", "priority", "active"]
    list_filter = ["level", "track", "active"]
    search_fields = ["name", "reason"]
    raw_id_fields = ["region"]


@admin.register(TriageOverride)
class TriageOverrideAdmin(admin.ModelAdmin):
    list_display = ["case", "predicted", "chosen", "confidence", "user", "at"]
    list_filter = ["chosen", "predicted"]
    readonly_fields = ["case", "user", "at", "predicted", "confidence", "chosen", "text", "note"]

    def has_add_permission(self, request):
        return False
