import pytest
from stdnum.cn import ric

from fengqiao.people.validation import (
    InvalidPersonalData,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_id_number,
    normalise_phone,
)


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


VALID_ID = "11010519491231002X"
CHANGPING_1970 = with_check_digit("11011419700101001")  # a county dated from 1999 in stdnum's table


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VALID_ID, VALID_ID),
        ("11010519491231002x", VALID_ID),
        (" 110105 19491231 002X ", VALID_ID),
        ("１１０１０５１９４９１２３１００２Ｘ", VALID_ID),
        (with_check_digit("33010619850612345"), with_check_digit("33010619850612345")),
        (CHANGPING_1970, CHANGPING_1970),
    ],
)
def test_valid_id_numbers_are_normalised(raw, expected):
    assert normalise_id_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491231002", "18 characters"),
        ("110105491231002", "18 characters"),  # the old 15-digit card
        ("11010519491231002Y", "format"),
        ("1101051949123100AX", "format"),
        (with_check_digit("11010519491332001"), "birth date"),
        (with_check_digit("11010520990101001"), "birth date"),
        (with_check_digit("00010519491231001"), "region"),
        ("", "18 characters"),
    ],
)
def test_invalid_id_numbers_are_refused_with_a_reason(raw, reason):
    with pytest.raises(InvalidPersonalData) as caught:
        normalise_id_number(raw)
    assert caught.value.field == "id_number"
    assert reason in caught.value.reason
    assert caught.value.reason.isascii()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("0571-88123456", "+8657188123456"),
        ("(0571) 8812 3456", "+8657188123456"),
        ("010-62345678", "+861062345678"),
    ],
)
def test_valid_phones_become_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["garbage", "12345", "88123456", "1381234567", "110", "400-123-4567", "+1 202 555 0143", "0755-1234", ""],
)
def test_invalid_phones_are_refused(raw):
    with pytest.raises(InvalidPersonalData) as caught:
        normalise_phone(raw)
    assert caught.value.field == "phone"


def test_masks():
    assert mask_id_number(VALID_ID) == "110105********002X"
    assert mask_id_number("") == ""
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8657188123456") == "0571-****3456"
    assert mask_phone("+861062345678") == "010-****5678"
    assert mask_phone("") == ""
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("欧阳娜") == "欧阳*"
    assert mask_name("王小明") == "王**"
    assert mask_name("") == ""


def test_masks_hide_the_middle_digits():
    assert "1234" not in mask_phone("+8613812345678")
    assert "19491231" not in mask_id_number(VALID_ID)


def test_a_birth_date_is_in_the_future_by_the_county_s_day():
    """At 17:00 UTC on 30 November it is already 1 December in Beijing: a child born that day has
    a valid number, one born on 2 December does not."""
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), tick=False):
        born_today = with_check_digit("11010520261201001")
        assert normalise_id_number(born_today) == born_today
        with pytest.raises(InvalidPersonalData, match="birth date"):
            normalise_id_number(with_check_digit("11010520261202001"))
