"""The plan library is the admins' to keep; emergencies themselves are read-only here (they change
through `emergencies.actions` only)."""

from django.contrib import admin

from .models import Emergency, EmergencyStep, PlanStep, ResponsePlan


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    fields = ["order", "title", "description", "responsible", "department", "minutes"]
    extra = 1


@admin.register(ResponsePlan)
class ResponsePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "active"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    inlines = [PlanStepInline]


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EmergencyStepInline(ReadOnly, admin.TabularInline):
    model = EmergencyStep
    fields = ["order", "title", "unit", "due_at", "status", "overdue", "done_at", "result"]
    readonly_fields = fields
    extra = 0


@admin.register(Emergency)
class EmergencyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["case", "plan_name", "grade", "status", "declared_at", "completed_at"]
    list_filter = ["status", "grade"]
    search_fields = ["case__number", "plan_name"]
    raw_id_fields = ["case"]
    inlines = [EmergencyStepInline]
