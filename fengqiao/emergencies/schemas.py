"""The one validation of declaring an emergency and of reporting a step, for the API and the pages."""

from ninja import Field, Schema

from .models import Emergency


class DeclareIn(Schema):
    plan: int = Field(
        ..., ge=1, le=2**31 - 1, description="the id of an active response plan (GET /emergency-plans)"
    )
    grade: Emergency.Grade = Field(Emergency.Grade.IV, description="IV (一般) · III · II · I (特别重大)")
    note: str = Field("", max_length=5000, description="what is known so far")


class StepResultIn(Schema):
    result: str = Field(..., min_length=1, max_length=5000, description="what was done")


class StepSkipIn(Schema):
    reason: str = Field(..., min_length=1, max_length=5000, description="why the step does not apply")
