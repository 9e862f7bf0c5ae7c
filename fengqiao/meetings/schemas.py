"""The one validation of a meeting record and a task report, shared by the API and the page."""

from datetime import date, datetime, time

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator


def _aware(value: datetime) -> datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class TaskIn(Schema):
    unit: str = Field(..., min_length=1, max_length=40, description="the unit's code")
    description: str = Field(..., min_length=1, max_length=2000)
    due_at: datetime = Field(
        ..., description='by when: a date and time, or a date ("2026-03-01" means by the end of that day)'
    )

    @field_validator("due_at", mode="before")
    @classmethod
    def a_day_means_its_end(cls, value):
        if isinstance(value, str) and len(value) == 10:
            try:
                return datetime.combine(date.fromisoformat(value), time(23, 59, 59))
            except ValueError:
                return value  # left for the datetime parser to name
        return value

    @field_validator("due_at")
    @classmethod
    def local_if_naive(cls, value: datetime) -> datetime:
        return _aware(value)


class MeetingIn(Schema):
    held_at: datetime = Field(..., description="when the meeting was held (local time if no offset)")
    place: str = Field("", max_length=200)
    units: list[str] = Field(..., min_length=1, max_length=30, description="codes of the units present")
    minutes: str = Field(..., min_length=1, max_length=10000, description="what was agreed")
    tasks: list[TaskIn] = Field(default_factory=list, max_length=20)

    @field_validator("held_at")
    @classmethod
    def local_if_naive(cls, value: datetime) -> datetime:
        return _aware(value)


class TaskResultIn(Schema):
    result: str = Field(..., min_length=1, max_length=5000, description="what the unit did")


class TaskCancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=5000)
