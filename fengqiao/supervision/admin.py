"""Admin: the supervision rule is edited here; letters are read-only; the register of major
decisions may be edited, but its status only through `risk.set_status` (the gate applies)."""

from django import forms
from django.contrib import admin

from . import risk
from .models import LedgerItem, MajorDecision, RiskAssessment, RiskMeasure, SupervisionNotice, SupervisionRule


@admin.register(SupervisionRule)
class SupervisionRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "warning_days", "summons_days", "accountability_days", "unanswered_days"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(admin.ModelAdmin):
    list_display = [
        "document_number",
        "letter",
        "case",
        "unit",
        "issued_at",
        "acknowledged_at",
        "answered_at",
    ]
    list_filter = ["letter"]
    search_fields = ["case__number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LedgerItem)
class LedgerItemAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "region", "responsible_leader", "due_date", "closed_at"]
    list_filter = ["level"]
    raw_id_fields = ["case", "region", "responsible_unit"]
    readonly_fields = ["listed_at", "listed_by", "closed_at", "closed_by"]

    def has_add_permission(self, request, obj=None):
        return False  # through the ledger page or the API, which check scope


class MajorDecisionForm(forms.ModelForm):
    class Meta:
        model = MajorDecision
        fields = [
            "title",
            "kind",
            "proposer",
            "region",
            "description",
            "investment",
            "people_affected",
            "status",
        ]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if self.instance.pk and status != self.instance.status:
            reason = risk.transition_refusal(self.instance, status)
            if reason is not None:
                raise forms.ValidationError(
                    f"不能标记为“{MajorDecision.Status(status).label}”:须先完成并报备相应阶段的社会稳定风险评估"
                    f"({reason})"
                )
        elif not self.instance.pk and status != MajorDecision.Status.REGISTERED:
            raise forms.ValidationError("新登记的事项须先评估,状态只能为“已登记待评估”")
        return status


class RiskMeasureInline(admin.TabularInline):
    model = RiskMeasure
    extra = 0


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    list_display = ["decision", "stage", "risk_level", "assessed_at", "filed_at"]
    list_filter = ["stage", "risk_level"]
    readonly_fields = ["filed_at", "filed_by", "filed_with", "assessed_by", "assessed_at"]
    inlines = [RiskMeasureInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A filed assessment is what the gate relied on: it is not edited afterwards.
        if obj is not None and obj.filed_at is not None:
            return False
        return super().has_change_permission(request, obj)


@admin.register(MajorDecision)
class MajorDecisionAdmin(admin.ModelAdmin):
    form = MajorDecisionForm
    list_display = ["title", "kind", "proposer", "region", "grade", "status"]
    list_filter = ["kind", "status", "grade"]
    raw_id_fields = ["region"]

    def save_model(self, request, obj, form, change):
        from fengqiao import clock as wallclock

        obj.grade = risk.grade_of(obj.people_affected, obj.investment)
        wanted = obj.status
        if change:
            before = MajorDecision.objects.get(pk=obj.pk).status
            obj.status = before
            obj.save()
            if wanted != before:
                risk.set_status(obj, request.user, wanted)  # the gate again, inside its transaction
                obj.refresh_from_db()
        else:
            obj.registered_at = wallclock.now()
            obj.registered_by = request.user
            obj.save()
