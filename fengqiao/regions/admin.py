from django.contrib import admin

from fengqiao.accounts.admin import RegionScopedAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    region_field = "code"
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
