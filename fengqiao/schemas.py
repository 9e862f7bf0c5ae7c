"""Input types shared by every app's API schemas."""

from datetime import UTC, datetime
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator

EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def _moment(value: datetime) -> datetime:
    """A point in time as the database can hold it: local time (Asia/Shanghai) when no offset is
    given, stored in UTC (PostgreSQL refuses offsets beyond ±15:59 that Python accepts), within
    years any record of the platform can have."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}") from None


Moment = Annotated[datetime, AfterValidator(_moment)]
