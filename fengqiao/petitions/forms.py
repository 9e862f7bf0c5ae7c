"""Forms of the petition pages (staff steps and the petitioner's own page); the API's StepIn
carries the same fields."""

from django import forms

from .models import Petition, Review


class DecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        label="受理决定",
        choices=[("1", "受理"), ("0", "不予受理")],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(
        label="受理意见/不予受理理由", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferForm(forms.Form):
    unit = forms.ChoiceField(label="转送(交办)单位")
    note = forms.CharField(label="说明", max_length=2000, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.code, unit.name) for unit in units]


class ExtendForm(forms.Form):
    days = forms.IntegerField(label="延长天数(不超过30日)", min_value=1, max_value=30)
    reason = forms.CharField(label="延期理由", max_length=2000)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="处理意见(书面答复)", max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )


class EvaluateForm(forms.Form):
    evaluation = forms.ChoiceField(
        label="评价", choices=Petition.Evaluation.choices, widget=forms.RadioSelect
    )


class ReviewRequestForm(forms.Form):
    kind = forms.ChoiceField(label="请求", choices=Review.Kind.choices)
    reason = forms.CharField(label="请求理由", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewAnswerForm(forms.Form):
    kind = forms.ChoiceField(choices=Review.Kind.choices, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label="结论", choices=Review.Outcome.choices)
    text = forms.CharField(label="复查(复核)意见", max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
