from django.contrib import admin

from .models import MediationBody, Mediator, Referral


@admin.register(MediationBody)
class MediationBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "unit", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "body", "region", "available", "max_load", "active"]
    list_filter = ["kind", "available", "active"]
    search_fields = ["name"]
    raw_id_fields = ["region", "user"]
    change_list_template = "mediation/admin_mediator_changelist.html"


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["kind", "sender", "receiver", "sent_at", "outcome"]
    list_filter = ["kind", "outcome"]
    raw_id_fields = ["case", "region"]
