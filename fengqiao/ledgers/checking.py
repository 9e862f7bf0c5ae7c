"""The API's validation of a ledger row (imports._submission: cases.schemas.CaseIn), fast for the
common shape of a sound row, with the same verdict.

`Checker.submission(cells)` answers exactly what imports._submission(cells, layout) answers. A
row it can vouch for — every value of an expected type and within CaseIn's limits, phone and
ID-card numbers accepted by people.validation — is built without running pydantic's validation
(CaseIn.model_construct with the values validation would have produced); every other row, and so
every row with a problem, goes through imports._submission itself, so the reasons and the fields
named are the API's own. What is computed once instead of once per row:

- a phone or ID-card number is normalised once per distinct value (a ledger names the same
  people again and again), by the same functions CaseIn's validators call;
- channel and category labels are looked up in a dict built from the same choices;
- a region code's check is cached per distinct code.

tests/test_checking.py holds the proof: for generated rows (good and bad in every field) both
give the same submission (same JSON, same intake), the same row fields and the same problems.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fengqiao.cases.codes import Category, Channel, PartyRole
from fengqiao.cases.schemas import CaseIn, PartyIn
from fengqiao.people.validation import InvalidPersonalData, normalise_id_number, normalise_phone
from fengqiao.regions import codes as region_codes
from fengqiao.schemas import _moment

from . import imports
from .imports import ImportLayout

_INVALID = object()


def _labels(choices) -> dict:
    """imports._choice as a dict: the first choice whose code or label is the text."""
    table: dict = {}
    for value, label in choices:
        table.setdefault(value, value)
        table.setdefault(label, value)
    return table


class _Delegate(Exception):
    """This row is checked by imports._submission itself."""


class Checker:
    """The validation of one import (the caches live as long as it: an ID-card number's birth
    date is checked against the day the import runs)."""

    def __init__(self, layout: ImportLayout):
        self.layout = layout
        self.channels = _labels(Channel.choices)
        self.categories = _labels(Category.choices)
        self.phones: dict[str, object] = {}
        self.id_numbers: dict[str, object] = {}
        self.regions: dict[str, bool] = {}
        self.roles = {role: PartyRole(role) for role in ("applicant", "respondent")}
        self.delegated = 0
        self.zone = timezone.get_current_timezone()  # what timezone.make_aware would use

    def submission(self, cells: dict) -> tuple[CaseIn | None, dict, list[tuple[str, str]]]:
        try:
            return self._fast(cells)
        except _Delegate:
            self.delegated += 1
            return imports._submission(cells, self.layout)

    # ---------------------------------------------------------------------------- the fast path

    def _fast(self, cells: dict):
        text_of = imports._text
        text = {key: text_of(value) for key, value in cells.items()}
        layout = self.layout
        channel = layout.channel
        if text.get("channel"):
            channel = self.channels.get(text["channel"])
            if channel is None:
                raise _Delegate
        category = layout.category
        if text.get("category"):
            category = self.categories.get(text["category"])
            if category is None:
                raise _Delegate
        try:
            occurred_at = self.datetime(cells.get("occurred_at"))
            if occurred_at is not None:
                occurred_at = _moment(occurred_at)
        except (ValueError, OverflowError):
            raise _Delegate from None
        description = text.get("description", "")
        title = text.get("title", "")
        address = text.get("address", "")
        region_code = text.get("region_code") or None
        if not 0 < len(description) <= 5000 or len(title) > 200 or len(address) > 200:
            raise _Delegate
        if region_code is None or len(region_code) > 21 or not self._region(region_code):
            raise _Delegate
        parties = []
        for role in ("applicant", "respondent"):
            name = text.get(f"{role}_name", "")
            phone = text.get(f"{role}_phone", "")
            id_number = text.get(f"{role}_id_number", "")
            if not (name or phone or id_number):
                continue
            if not 0 < len(name) <= 50 or len(phone) > 32 or len(id_number) > 32:
                raise _Delegate
            parties.append(
                PartyIn.model_construct(
                    name=name,
                    role=self.roles[role],
                    phone=self._normalised(self.phones, normalise_phone, phone),
                    id_number=self._normalised(self.id_numbers, normalise_id_number, id_number),
                )
            )
        submission = CaseIn.model_construct(
            channel=Channel(channel),
            description=description,
            title=title,
            occurred_at=occurred_at,
            location=None,
            address=address,
            region_code=region_code,
            category=Category(category) if category is not None else None,
            parties=parties,
            client_id=None,
        )
        return submission, text, []

    def datetime(self, value):
        """imports._datetime(value), without asking for the current time zone on every cell."""
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=self.zone) if value.tzinfo is None else value
        return imports._datetime(value)

    def _region(self, code: str) -> bool:
        known = self.regions.get(code)
        if known is None:
            known = self.regions[code] = region_codes.is_valid(code)
        return known

    @staticmethod
    def _normalised(cache: dict, normalise, value: str) -> str:
        """The validator's result for a value (blank: ""), once per distinct value; a refused
        value sends the row to the normal path."""
        if not value.strip():
            return ""
        result = cache.get(value)
        if result is None:
            try:
                result = normalise(value)
            except InvalidPersonalData:
                result = _INVALID
            cache[value] = result
        if result is _INVALID:
            raise _Delegate
        return result
