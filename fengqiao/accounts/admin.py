from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ApiToken, Unit, User
from .scoping import region_scope_q


class RegionScopedAdmin(admin.ModelAdmin):
    """Admins manage only rows in their own region subtree."""

    region_field = "region_id"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(region_scope_q(request.user, self.region_field))


@admin.register(Unit)
class UnitAdmin(RegionScopedAdmin):
    list_display = ["name", "code", "kind", "department", "region", "active"]
    list_filter = ["kind", "department", "active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["region"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "region", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "display_name"]
    raw_id_fields = ["region", "unit"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("岗位", {"fields": ("role", "display_name", "phone", "region", "unit")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (("岗位", {"fields": ("role", "region", "unit")}),)
    actions = ["reset_two_factor"]

    @admin.action(description="重置两步验证(用户丢失手机时)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        from . import twofactor

        for user in queryset:
            if twofactor.reset(user):
                self.log_change(request, user, "重置两步验证")
        self.message_user(request, f"已重置 {queryset.count()} 个账号的两步验证,下次登录只需密码。")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(region_scope_q(request.user, "region_id"))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "label", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["digest", "created_at", "last_used_at"]
    raw_id_fields = ["user"]
