"""Forms of the services' pages; they only shape input, actions.py validates and writes."""

from django import forms

from . import scoring
from .models import Consultation, CounsellingSession, LegalAidApplication, LegalTopic, VillageAdviser

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


class PersonFields(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)

    def person(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in ("name", "phone", "id_number")}


class ConsultationForm(PersonFields):
    channel = forms.ChoiceField(label="渠道", choices=Consultation.Channel.choices)
    topic = forms.ChoiceField(label="咨询类别", choices=LegalTopic.choices)
    question = forms.CharField(label="咨询内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    answer = forms.CharField(
        label="解答意见", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    referral = forms.ChoiceField(label="去向", choices=Consultation.Referral.choices)
    referral_note = forms.CharField(label="去向说明", max_length=200, required=False)
    case_number = forms.CharField(label="关联事项编号", max_length=32, required=False)


class AidForm(PersonFields):
    topic = forms.ChoiceField(label="案件类别", choices=LegalTopic.choices)
    matter = forms.CharField(label="申请事项", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    case_number = forms.CharField(label="关联事项编号", max_length=32, required=False)


class DecisionForm(forms.Form):
    grant = forms.TypedChoiceField(
        label="审查决定", choices=[("1", "给予法律援助"), ("0", "不予法律援助")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="理由", max_length=300, required=False)


class ConclusionForm(forms.Form):
    outcome = forms.ChoiceField(label="结果", choices=LegalAidApplication.Outcome.choices)
    note = forms.CharField(label="结案说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ShiftForm(forms.Form):
    provider = forms.IntegerField(label="值班人员", widget=forms.Select)
    place = forms.CharField(label="值班地点", max_length=100, initial="县综治中心公共法律服务窗口")
    starts_at = forms.DateTimeField(label="开始", widget=DATETIME)
    ends_at = forms.DateTimeField(label="结束", widget=DATETIME)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].widget.choices = [(p.pk, str(p)) for p in providers]


class AdviserForm(forms.Form):
    region_code = forms.CharField(label="村(社区)", widget=forms.Select)
    post = forms.ChoiceField(label="岗位", choices=VillageAdviser.Post.choices)
    name = forms.CharField(label="姓名", max_length=50)
    organisation = forms.CharField(label="所在单位", max_length=100, required=False)
    phone = forms.CharField(label="工作电话", max_length=20, required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].widget.choices = [(v["region_code"], v["name"]) for v in villages]


class SessionForm(PersonFields):
    kind = forms.ChoiceField(label="形式", choices=CounsellingSession.Kind.choices)
    issue = forms.ChoiceField(label="主要问题", choices=CounsellingSession.Issue.choices)
    held_at = forms.DateTimeField(label="咨询时间", widget=DATETIME, required=False)
    minutes = forms.IntegerField(label="时长(分钟)", min_value=1, max_value=600, initial=50)
    notes = forms.CharField(
        label="咨询记录(仅咨询师可见)", widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )
    case_number = forms.CharField(label="关联事项编号", max_length=32, required=False)


class ScreeningForm(PersonFields):
    """One radio group per item of the chosen instrument (item_1 … item_n)."""

    case_number = forms.CharField(label="关联事项编号", max_length=32, required=False)

    def __init__(self, *args, instrument: scoring.Instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for number, text in enumerate(instrument.items, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=scoring.ANSWER_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.instrument.items) + 1)]


class NoteForm(forms.Form):
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class CrisisForm(PersonFields):
    reason = forms.CharField(label="发起原因", max_length=500)
    case_number = forms.CharField(label="关联事项编号", max_length=32, required=False)
