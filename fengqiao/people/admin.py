"""People show masked values only; new numbers can be typed in but are never shown back. The
access log is read-only: no row can be added, changed or deleted here."""

from django import forms
from django.contrib import admin
from django.db.models import Q

from fengqiao.accounts.admin import RegionScopedAdmin
from fengqiao.accounts.scoping import region_scope_q

from . import crypto
from .models import AccessLog, Person, RetentionRun
from .validation import InvalidPersonalData, normalise_id_number, normalise_phone


class PersonForm(forms.ModelForm):
    new_id_number = forms.CharField(
        label="新身份证号", required=False, help_text="留空则不修改；保存后只显示脱敏值。"
    )
    new_phone = forms.CharField(
        label="新联系电话", required=False, help_text="留空则不修改；保存后只显示脱敏值。"
    )

    class Meta:
        model = Person
        fields = ["name", "region"]

    def clean(self):
        cleaned = super().clean()
        for field, setter in (("new_id_number", "set_id_number"), ("new_phone", "set_phone")):
            raw = cleaned.get(field, "").strip()
            if not raw:
                continue
            try:
                getattr(self.instance, setter)(raw)
            except InvalidPersonalData as error:
                self.add_error(field, error.reason)
        taken = Person.objects.exclude(pk=self.instance.pk).filter(
            id_number_hash=self.instance.id_number_hash
        )
        if self.instance.id_number_hash and taken.exists():
            self.add_error("new_id_number", "该身份证号已有档案。")
        return cleaned


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ["masked_name", "masked_id_number", "masked_phone", "region", "updated_at"]
    fields = [
        "name",
        "region",
        "masked_id_number",
        "new_id_number",
        "masked_phone",
        "new_phone",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["masked_id_number", "masked_phone", "created_at", "updated_at"]
    raw_id_fields = ["region"]
    search_fields = ["name", "name_pinyin"]

    def get_queryset(self, request):
        # People not yet placed in a region are visible too: only masked values are shown here.
        scope = region_scope_q(request.user, "region_id") | Q(region__isnull=True)
        return super().get_queryset(request).filter(scope)

    def get_search_results(self, request, queryset, search_term):
        """An exact ID-card or phone number finds its person through the lookup hash."""
        for kind, normalise, column in (
            ("id", normalise_id_number, "id_number_hash"),
            ("phone", normalise_phone, "phone_hash"),
        ):
            try:
                value = normalise(search_term)
            except InvalidPersonalData:
                continue
            return queryset.filter(**{column: crypto.lookup_hash(kind, value)}), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="姓名")
    def masked_name(self, person):
        return person.masked_name

    @admin.display(description="身份证号")
    def masked_id_number(self, person):
        return person.masked_id_number

    @admin.display(description="联系电话")
    def masked_phone(self, person):
        return person.masked_phone


@admin.register(AccessLog)
class AccessLogAdmin(RegionScopedAdmin):
    region_field = "user__region_id"
    list_display = ["at", "user", "person", "object_type", "object_id", "fields", "purpose", "ip"]
    list_filter = ["user", "at", "object_type"]
    date_hierarchy = "at"
    list_select_related = ["user", "person"]
    search_fields = ["object_id", "user__username", "user__display_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """What each retention run anonymised or purged (fengqiao.people.retention); read-only."""

    list_display = ["at", "rule", "days", "cutoff", "count"]
    list_filter = ["rule"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
