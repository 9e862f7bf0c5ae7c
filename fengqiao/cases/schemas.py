"""The one validation of a case submission, shared by the API, the pages and imports."""

from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.people.validation import InvalidPersonalData, normalise_id_number, normalise_phone
from fengqiao.regions import codes as region_codes
from fengqiao.schemas import Moment

from .actions import Intake, PartyInput
from .codes import Category, Channel, PartyRole


class LocationIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)


class PartyIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    role: PartyRole = PartyRole.APPLICANT
    phone: str = Field("", max_length=32)
    id_number: str = Field("", max_length=32)

    @field_validator("name")
    @classmethod
    def name_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("required")
        return value

    @field_validator("phone")
    @classmethod
    def valid_phone(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return normalise_phone(value)
        except InvalidPersonalData as error:
            raise ValueError(error.reason) from None

    @field_validator("id_number")
    @classmethod
    def valid_id_number(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return normalise_id_number(value)
        except InvalidPersonalData as error:
            raise ValueError(error.reason) from None


class CaseIn(Schema):
    channel: Channel
    description: str = Field(..., min_length=1, max_length=5000)
    title: str = Field("", max_length=200)
    occurred_at: Moment | None = None
    location: LocationIn | None = None
    address: str = Field("", max_length=200)
    region_code: str | None = Field(None, max_length=21)
    category: Category | None = None
    parties: list[PartyIn] = Field(default_factory=list, max_length=20)
    client_id: UUID | None = None

    @field_validator("description")
    @classmethod
    def description_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("required")
        return value.strip()

    @field_validator("region_code")
    @classmethod
    def valid_region_code(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not region_codes.is_valid(value):
            raise ValueError("not a region code (12 digits, or 15/18/21 below the village)")
        return value

    def to_intake(self) -> Intake:
        return Intake(
            channel=self.channel.value,
            description=self.description,
            title=self.title.strip(),
            occurred_at=self.occurred_at,
            lat=self.location.lat if self.location else None,
            lng=self.location.lng if self.location else None,
            address=self.address.strip(),
            region_code=self.region_code,
            category=self.category.value if self.category else None,
            parties=[PartyInput(p.name, p.role.value, p.phone, p.id_number) for p in self.parties],
            client_id=self.client_id,
        )
