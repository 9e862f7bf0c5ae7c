"""Forms of the grid pages."""

from django import forms

from .models import StaffRole


class StaffingForm(forms.Form):
    grid = forms.ChoiceField(label="网格")
    role = forms.ChoiceField(label="职责", choices=StaffRole.choices)
    username = forms.CharField(label="平台账号(有账号时填写)", max_length=150, required=False)
    name = forms.CharField(label="姓名(无账号时填写)", max_length=50, required=False)
    organisation = forms.CharField(label="所在单位", max_length=100, required=False)
    starts_on = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    households_responsible = forms.IntegerField(
        label="联系户数(志愿者)", min_value=1, max_value=500, required=False
    )

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(grid.code, f"{grid.name}({grid.code})") for grid in grids]
