"""Times in API input: an offset PostgreSQL cannot hold or a year no record can have is a 422 naming
the field, never a server error; a time without an offset is Beijing time."""

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from fengqiao.schemas import Moment

moment = TypeAdapter(Moment)


def test_a_time_is_kept_in_utc_and_a_naive_one_is_local():
    assert moment.validate_python("2026-03-01T08:00:00-18:33") == datetime(2026, 3, 2, 2, 33, tzinfo=UTC)
    assert moment.validate_python("2026-03-01T08:00:00") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["2401-01-17T22:34:25-18:33", "0001-01-01T00:00:00", "1899-12-31T23:00:00Z"]
)
def test_years_no_record_can_have_are_refused(value):
    with pytest.raises(ValidationError, match="between the years"):
        moment.validate_python(value)


@pytest.mark.django_db
def test_the_on_duty_query_with_a_far_offset_is_answered_not_crashed(api):
    response = api("county").get("/services/on-duty", at="2401-01-17T22:34:25.34-18:33")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "at"
    assert api("county").get("/services/on-duty", at="2026-11-30T10:00:00-11:30").status_code == 200
