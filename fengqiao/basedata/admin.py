"""系统管理 → 基础数据: local registers ("X") and their fields without code, visit frequencies."""

from django.contrib import admin

from .models import ExportLog, Register, RegisterField, VisitFrequency


class RegisterFieldInline(admin.TabularInline):
    model = RegisterField
    extra = 1


class VisitFrequencyInline(admin.TabularInline):
    model = VisitFrequency
    extra = 0


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "category",
        "subject",
        "sensitive",
        "care",
        "special_group",
        "standard",
        "active",
    ]
    list_filter = ["category", "sensitive", "care", "standard", "active"]
    inlines = [RegisterFieldInline, VisitFrequencyInline]

    def get_readonly_fields(self, request, obj=None):
        # A standard register keeps its code and subject: imports and the API rely on them.
        return ["code", "subject"] if obj is not None and obj.standard else []

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.standard


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "register", "region_code", "rows", "ip"]
    list_filter = ["register"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
