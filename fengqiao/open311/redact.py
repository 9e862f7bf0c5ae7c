"""Masking of the personal numbers people type into free text ("王先生 13912345678 来电…"), for
what Open311 reads show to other systems: descriptions and addresses are published, the parties'
numbers never are, so numbers inside the text are masked the same way the platform masks them."""

import re

# Order matters: an ID-card number contains runs of digits a phone pattern would also match.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])(0\d{2,3})[ -]?\d{3,4}(\d{4})(?![\d-])")


def redact(text: str | None) -> str | None:
    if not text:
        return text
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _LANDLINE.sub(r"\1-****\2", text)
