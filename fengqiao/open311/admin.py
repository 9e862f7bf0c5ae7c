"""Admins issue Open311 API keys to client systems and revoke them. The raw key is shown exactly
once, on the page that answers the creation form (rendered directly, never stored in a message
cookie or anywhere else); afterwards only its SHA-256 digest exists."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from fengqiao.accounts.admin import RegionScopedAdmin
from fengqiao.accounts.scoping import can_see_region

from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(RegionScopedAdmin):
    list_display = ["name", "region", "channel", "created_at", "last_used_at", "revoked_at", "is_active"]
    list_filter = ["channel", "revoked_at"]
    search_fields = ["name"]
    raw_id_fields = ["region"]
    actions = ["revoke_keys"]
    readonly_fields = ["created_at", "created_by", "last_used_at", "revoked_at"]

    @admin.display(boolean=True, description="有效")
    def is_active(self, obj):
        return obj.active

    def get_fields(self, request, obj=None):
        return (
            ["name", "region", "channel"]
            if obj is None
            else ["name", "region", "channel", *self.readonly_fields]
        )

    def get_readonly_fields(self, request, obj=None):
        # The region and channel a key was issued for are part of what it grants: issue a new key instead.
        return [] if obj is None else ["region", "channel", *self.readonly_fields]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class ScopedForm(form):
            def clean_region(self):
                region = self.cleaned_data["region"]
                if region is not None and not can_see_region(user, region.code):
                    raise ValidationError("只能为本人管辖区划内的系统签发密钥。")
                return region

        return ScopedForm

    def has_delete_permission(self, request, obj=None):
        return False  # requests keep pointing at the key that filed them: revoke instead

    def save_model(self, request, obj, form, change):
        if not change:
            raw, obj.digest = ApiKey.new_secret()
            obj.created_by = request.user
            request._open311_raw_key = raw
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_open311_raw_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "API 密钥已签发",
            "key": obj,
            "raw_key": raw,
        }
        response = TemplateResponse(request, "open311/admin/key_issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="吊销所选密钥")
    def revoke_keys(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"已吊销 {count} 个密钥。", messages.SUCCESS)
