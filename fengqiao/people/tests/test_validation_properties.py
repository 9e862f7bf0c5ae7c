"""Properties of the personal-data checks under arbitrary input (hypothesis)."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fengqiao.people.validation import (
    InvalidPersonalData,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    normalise_phone,
)

ANY_TEXT = st.text(max_size=40)


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_id_validation_accepts_or_refuses_cleanly(text):
    try:
        normalised = normalise_id_number(text)
    except InvalidPersonalData as error:
        assert error.field and error.reason
    else:
        assert len(normalised) == 18 and ric.is_valid(normalised)
        assert normalised not in mask_id_number(normalised)


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_phone_validation_accepts_or_refuses_cleanly(text):
    try:
        normalised = normalise_phone(text)
    except InvalidPersonalData as error:
        assert error.field and error.reason
    else:
        assert normalised.startswith("+86")
        assert normalised[3:] not in mask_phone(normalised)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
@settings(max_examples=200, deadline=None)
def test_every_real_id_number_is_accepted_and_a_wrong_check_digit_is_not(born, serial):
    stem = f"110105{born:%Y%m%d}{serial:03d}"
    valid = stem + ric.calc_check_digit(stem + "0")  # stdnum drops the last character
    assert normalise_id_number(valid) == valid
    wrong = stem + ("0" if valid[-1] != "0" else "1")
    try:
        normalise_id_number(wrong)
    except InvalidPersonalData:
        pass
    else:
        raise AssertionError(f"{wrong} has a wrong check digit but was accepted")
