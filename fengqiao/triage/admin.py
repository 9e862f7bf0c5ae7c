import io

from django.contrib import admin
from django.http import HttpResponse

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
    actions = ["export_for_training"]

    @admin.action(description="导出为训练样本(JSONL,用于 fengqiao retrain --extra)")
    def export_for_training(self, request, queryset):
        from .overrides import export_overrides

        buffer = io.StringIO()
        export_overrides(buffer, ids=list(queryset.values_list("pk", flat=True)))
        response = HttpResponse(buffer.getvalue(), content_type="application/x-ndjson; charset=utf-8")
        response["Content-Disposition"] = "attachment; filename=triage-overrides.jsonl"
        return response

    def has_add_permission(self, request):
        return False
