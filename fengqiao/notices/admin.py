"""Admin: the wording of each event's notice (checked on save, with a preview) and the text-message
outbox (read-only, phone numbers masked)."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import events, templating
from .models import MessageTemplate, SmsMessage

VARIABLES = [
    ("case.number / case.title / case.category / case.deadline", "事项编号、标题、类别、办理时限"),
    ("case.level / case.status / case.address / case.urgent", "层级、状态、地址、是否加急"),
    ("unit / actor / event / sign", "相关单位、操作人、事件名称、短信签名"),
    ("title / body", "仅短信模板:已生成的消息标题和正文"),
    (
        "note / stage / due_at / risk / reasons / rule / days / granted / task / what / subject",
        "各事件另外提供的内容(没有时为空)",
    ),
]


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "active", "send_sms", "title", "body", "sms"]
        widgets = {
            "title": forms.TextInput(attrs={"size": 90}),
            "body": forms.Textarea(attrs={"rows": 4, "cols": 90}),
            "sms": forms.Textarea(attrs={"rows": 3, "cols": 90}),
        }


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["__str__", "event", "title", "send_sms", "active", "updated_at"]
    list_filter = ["active", "send_sms"]
    actions = ["reset_to_default"]
    readonly_fields = ["preview", "default_wording", "variables"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "event"] if obj else self.readonly_fields

    @admin.display(description="预览(示例数据)")
    def preview(self, obj):
        if obj is None or not obj.event:
            return "-"
        rendered = templating.render(obj.event, templating.sample_context(obj.event), obj)
        return format_html(
            "{}<strong>{}</strong><br>{}<br><br>短信{}:{}",
            "(模板有误,以下为默认模板的效果)" if rendered.fell_back else "",
            rendered.title,
            rendered.body,
            "" if rendered.send_sms else "(不发送)",
            rendered.sms,
        )

    @admin.display(description="系统默认模板")
    def default_wording(self, obj):
        if obj is None or not obj.event:
            return "-"
        event = events.get(obj.event)
        return format_html(
            "标题:<code>{}</code><br>正文:<code>{}</code><br>短信:<code>{}</code>",
            event.title,
            event.body,
            event.sms,
        )

    @admin.display(description="可用变量")
    def variables(self, obj):
        return format_html_join(mark_safe("<br>"), "<code>{}</code>:{}", VARIABLES)

    @admin.action(description="恢复为系统默认模板")
    def reset_to_default(self, request, queryset):
        for template in queryset:
            template.reset_to_default()
            template.save()
        self.message_user(request, f"已恢复 {queryset.count()} 个模板", messages.SUCCESS)


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "phone_masked",
        "recipient",
        "event",
        "status",
        "attempts",
        "backend",
        "short_text",
        "sent_at",
    ]
    list_filter = ["status", "backend", "event"]
    search_fields = ["text", "recipient__username", "recipient__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    fields = [
        "recipient",
        "phone_masked",
        "event",
        "case",
        "text",
        "status",
        "backend",
        "attempts",
        "provider_id",
        "error",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="内容")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 40 else obj.text[:40] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
