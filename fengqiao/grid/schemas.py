"""The validation of check-ins sent by the grid worker app."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from fengqiao.cases.schemas import LocationIn

from .actions import CheckIn
from .models import FieldVisit


class VisitIn(Schema):
    client_id: UUID
    kind: FieldVisit.Kind = FieldVisit.Kind.VISIT
    occurred_at: datetime | None = None
    location: LocationIn | None = None
    household_id: int | None = None
    notes: str = Field("", max_length=5000)

    def to_check_in(self) -> CheckIn:
        return CheckIn(
            client_id=self.client_id,
            kind=self.kind.value,
            occurred_at=self.occurred_at,
            lat=self.location.lat if self.location else None,
            lng=self.location.lng if self.location else None,
            household_id=self.household_id,
            notes=self.notes,
        )
