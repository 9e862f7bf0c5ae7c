"""Admin for staffing and the admission/exclusion lists; households and visits read-only lists."""

from django.contrib import admin

from .models import Attachment, FieldVisit, GridAssignment, Household, ServiceItem


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ["grid", "role", "display_name", "user", "starts_on", "ends_on", "households_responsible"]
    list_filter = ["role"]
    search_fields = ["grid__code", "grid__name", "name", "user__username", "user__display_name"]
    raw_id_fields = ["grid", "user"]


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "region", "active", "order"]
    list_filter = ["kind", "active"]
    search_fields = ["title", "basis"]
    raw_id_fields = ["region"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["address", "building", "grid"]
    search_fields = ["address", "grid__code"]
    raw_id_fields = ["grid", "volunteer"]


@admin.register(FieldVisit)
class FieldVisitAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "worker", "grid", "household"]
    list_filter = ["kind"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["case", "content_type", "size", "width", "height", "uploaded_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
