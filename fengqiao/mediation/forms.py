"""Forms of the mediation pages; the API's schemas carry the same fields."""

from django import forms

from .models import FollowUpVisit, Referral, Session


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(
        label="调解时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label="地点", max_length=200, required=False)
    video_link = forms.URLField(label="视频链接", required=False, assume_scheme="https")
    participants = forms.CharField(label="参加人员", widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label="调解记录", widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label="结果", choices=Session.Outcome.choices)
    next_step = forms.CharField(label="调解不成的去向", max_length=200, required=False)


class AgreementForm(forms.Form):
    facts = forms.CharField(label="纠纷主要事实、争议事项", widget=forms.Textarea(attrs={"rows": 3}))
    terms = forms.CharField(label="协议内容(每行一条)", widget=forms.Textarea(attrs={"rows": 4}))
    performance = forms.CharField(label="履行方式", max_length=500)
    perform_by = forms.DateField(label="履行期限", widget=forms.DateInput(attrs={"type": "date"}))
    partial = forms.BooleanField(label="部分达成", required=False)

    def clean_terms(self):
        return [line.strip() for line in self.cleaned_data["terms"].splitlines() if line.strip()]


class VisitForm(forms.Form):
    fulfilment = forms.ChoiceField(label="履行情况", choices=FollowUpVisit.Fulfilment.choices)
    note = forms.CharField(label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PortalLookupForm(forms.Form):
    number = forms.CharField(label="事项编号", max_length=32)
    phone = forms.CharField(label="手机号码", max_length=20)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件(.xlsx)")


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label="对接类型", choices=Referral.Kind.choices)
    sender = forms.ChoiceField(label="移送单位")
    receiver = forms.ChoiceField(label="接收单位")
    case = forms.CharField(label="关联事项编号(可空)", max_length=32, required=False)
    summary = forms.CharField(label="移送事由", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(unit.code, unit.name) for unit in units]
        self.fields["sender"].choices = choices
        self.fields["receiver"].choices = choices


class ReferralCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="结果",
        choices=[
            (Referral.Outcome.SETTLED, "调解成功"),
            (Referral.Outcome.FAILED, "调解不成"),
            (Referral.Outcome.RETURNED, "退回"),
        ],
    )
    note = forms.CharField(label="办理结果", max_length=2000, required=False)
