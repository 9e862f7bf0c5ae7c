"""Admin for the directory, the roster and the village advisers (where an administrator makes a
user a lawyer or counsellor), and a read-only view of who read which session's notes. Sessions
themselves are deliberately not in the admin: their notes are for counsellors only."""

from django.contrib import admin

from .models import DutyShift, NoteAccess, Provider, VillageAdviser


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "region", "user", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "organisation"]
    raw_id_fields = ["region", "user"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["provider", "place", "starts_at", "ends_at", "region"]
    list_filter = ["provider__kind"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["provider", "region"]


@admin.register(VillageAdviser)
class VillageAdviserAdmin(admin.ModelAdmin):
    list_display = ["region", "post", "name", "organisation", "since"]
    list_filter = ["post"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region", "provider"]


@admin.register(NoteAccess)
class NoteAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "session_id", "via", "ip"]
    list_filter = ["via"]
    raw_id_fields = ["user", "session"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
