"""A read-only view of meetings and their tasks: they change through `meetings.actions` only."""

from django.contrib import admin

from .models import JointMeeting, MeetingTask


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MeetingTaskInline(ReadOnly, admin.TabularInline):
    model = MeetingTask
    fields = ["unit", "description", "due_at", "status", "overdue", "done_at", "result"]
    readonly_fields = fields
    extra = 0


@admin.register(JointMeeting)
class JointMeetingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["case", "held_at", "place", "chair", "created_at"]
    search_fields = ["case__number"]
    date_hierarchy = "held_at"
    raw_id_fields = ["case"]
    inlines = [MeetingTaskInline]


@admin.register(MeetingTask)
class MeetingTaskAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["case", "unit", "description", "due_at", "status", "overdue"]
    list_filter = ["status", "overdue"]
    search_fields = ["case__number", "description"]
