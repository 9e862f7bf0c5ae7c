"""Normalising and masking ID-card and phone numbers.

The normalised form is what gets encrypted and hashed, so two spellings of one number always
find the same person: an ID-card number as 18 characters with an upper-case X, a phone number
in E.164 (+8613812345678). Masks are what every screen shows unless the user's role may see more
(see masking.py).

ID-card numbers are checked against GB 11643 (length, check digit, a real birth date, a province
code). The county part is deliberately not checked against stdnum's table: that table dates each
county from the birth year, which rejects real numbers issued after a move or a county's renaming.
"""

import re
import unicodedata

import phonenumbers
from django.utils import timezone
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum.cn import ric

# Provinces of GB/T 2260, plus 83 (residence permits of Taiwan residents). Numbers starting with 9
# are the permanent-residence ID cards of foreigners (2023 format, same check digit).
PROVINCES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83"
)
PROVINCE_CODES = frozenset(PROVINCES.split())
PERSONAL_NUMBER_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

SURNAMES_OF_TWO = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 端木 西门 南宫 "
    "独孤 百里 呼延 申屠 澹台 公羊 太史 闻人 万俟 钟离 宗政 濮阳 淳于 单于 第五 拓跋"
)
COMPOUND_SURNAMES = frozenset(SURNAMES_OF_TWO.split())


class InvalidPersonalData(ValueError):
    """A personal-data value that cannot be accepted; field is "id_number" or "phone"."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _clean(raw: str) -> str:
    """Full-width digits and letters (as typed with a Chinese input method) to ASCII, trimmed."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def normalise_id_number(raw: str) -> str:
    number = ric.compact(re.sub(r"[\s-]", "", _clean(raw)))
    if len(number) != 18:
        raise InvalidPersonalData("id_number", "an ID-card number has 18 characters")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidPersonalData("id_number", "invalid ID-card format")
    if number[17] != ric.calc_check_digit(number):
        raise InvalidPersonalData("id_number", "invalid ID-card checksum")
    if number[:2] not in PROVINCE_CODES and number[0] != "9":
        raise InvalidPersonalData("id_number", "invalid ID-card region code")
    try:
        born = ric.get_birth_date(number)
    except ValueError:  # stdnum's InvalidComponent is a ValueError
        born = None
    if born is None or born.year < 1890 or born > timezone.localdate():  # the county's day
        raise InvalidPersonalData("id_number", "invalid ID-card birth date")
    return number


def normalise_phone(raw: str) -> str:
    """A mainland mobile or landline (with its area code) in E.164."""
    text = _clean(raw)
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidPersonalData("phone", "not a phone number") from None
    if number.country_code != 86:
        raise InvalidPersonalData("phone", "only mainland China numbers are accepted")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPersonalData("phone", "invalid phone number")
    kind = phonenumbers.number_type(number)
    if kind not in PERSONAL_NUMBER_TYPES:
        raise InvalidPersonalData("phone", "not a mobile or landline number")
    if kind == PhoneNumberType.FIXED_LINE:
        national = phonenumbers.national_significant_number(number)
        subscriber = national[phonenumbers.length_of_geographical_area_code(number) :]
        if len(subscriber) not in (7, 8):
            raise InvalidPersonalData("phone", "a landline needs its area code and a 7- or 8-digit number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask_id_number(number: str) -> str:
    """110105********002X: the region code and the last four characters."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678 for a mobile, 0571-****3456 for a landline; accepts E.164 or a national form."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or parsed.country_code != 86:
        digits = "".join(ch for ch in number if ch.isdigit())
        return (
            digits[:3] + "*" * max(len(digits) - 7, 4) + digits[-4:] if len(digits) > 7 else "*" * len(digits)
        )
    national = phonenumbers.national_significant_number(parsed)
    area = phonenumbers.length_of_geographical_area_code(parsed)
    if area:
        subscriber = national[area:]
        return f"0{national[:area]}-" + "*" * max(len(subscriber) - 4, 0) + subscriber[-4:]
    if len(national) <= 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_name(name: str) -> str:
    """张* / 欧阳**: the surname only (its first character, both of a compound surname)."""
    name = (name or "").strip()
    if not name:
        return ""
    kept = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:kept] + "*" * max(len(name) - kept, 1)
