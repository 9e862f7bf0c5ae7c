from django.contrib import admin

from .models import (
    AnalysisRun,
    Briefing,
    Delivery,
    FollowUp,
    PatrolZone,
    Schedule,
    VideoPoint,
    Warning,
    Webhook,
)


@admin.register(PatrolZone)
class PatrolZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "region", "speed_kmh", "active"]
    list_filter = ["active"]
    search_fields = ["name", "team", "region__name"]
    raw_id_fields = ["region"]


@admin.register(VideoPoint)
class VideoPointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "lat", "lng", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region"]


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    readonly_fields = ["at", "by", "note", "closes"]
    can_delete = False


@admin.register(Warning)
class WarningAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "cycle", "severity", "state", "region", "unit", "detected_at"]
    list_filter = ["kind", "cycle", "severity", "state"]
    search_fields = ["title", "region__name"]
    readonly_fields = [field.name for field in Warning._meta.fields] + ["cases", "recipients"]
    inlines = [FollowUpInline]

    def has_add_permission(self, request):
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "region", "active"]
    raw_id_fields = ["region"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["warning", "webhook", "state", "attempts", "status_code", "error", "sent_at"]
    list_filter = ["state"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["region", "analyse", "daily", "weekly", "monthly", "quarterly"]
    raw_id_fields = ["region"]


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ["title", "cycle", "region", "period_start", "generated_at"]
    list_filter = ["cycle"]
    exclude = ["docx", "pdf"]
    readonly_fields = [
        "cycle",
        "region",
        "period_start",
        "period_end",
        "title",
        "figures",
        "generated_at",
        "generated_by",
    ]


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ["region", "cycle", "period_start", "findings", "at"]
    list_filter = ["cycle"]
