"""Finding people: by ID-card number or phone (through the HMAC lookup hashes, never the plaintext),
by name, and by the sound of the name (pypinyin), so 张伟 typed as 张卫, or as "zhangwei", is found.

The query says what it is: 15–18 ID characters are an ID number, digits that make a mainland
phone number are a phone, Latin letters are pinyin, anything else is a name. Every search runs
inside access.visible_people, so it finds only people the user may open.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Replace

from fengqiao.people import crypto
from fengqiao.people.models import Person, name_to_pinyin
from fengqiao.people.validation import InvalidPersonalData, normalise_id_number, normalise_phone

from .access import visible_people

LIMIT = 50
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
PHONE_LIKE = re.compile(r"^\+?[\d\s-]{7,16}$")
PINYIN_LIKE = re.compile(r"^[A-Za-z\s']+$")


@dataclass
class SearchResult:
    kind: str  # id_number, phone, name, pinyin, empty
    people: list
    problem: str = ""  # for a malformed ID or phone number


def _clean(query: str) -> str:
    return unicodedata.normalize("NFKC", query or "").strip()


def search_people(user, query: str, limit: int = LIMIT) -> SearchResult:
    text = _clean(query)
    if not text:
        return SearchResult("empty", [])
    people = visible_people(user)
    compact = re.sub(r"[\s-]", "", text)
    if ID_LIKE.match(compact):
        try:
            number = normalise_id_number(compact)
        except InvalidPersonalData as error:
            return SearchResult("id_number", [], problem=error.reason)
        found = people.filter(id_number_hash=crypto.lookup_hash("id", number))
        return SearchResult("id_number", list(found[:limit]))
    if PHONE_LIKE.match(text) and sum(ch.isdigit() for ch in text) >= 7:
        try:
            number = normalise_phone(text)
        except InvalidPersonalData as error:
            return SearchResult("phone", [], problem=error.reason)
        found = people.filter(phone_hash=crypto.lookup_hash("phone", number))
        return SearchResult("phone", list(found.order_by("name", "pk")[:limit]))
    if PINYIN_LIKE.match(text):
        letters = re.sub(r"[\s']", "", text.lower())
        spaced = " ".join(text.lower().replace("'", " ").split())
        found = (
            people.annotate(joined=Replace("name_pinyin", Value(" "), Value("")))
            .filter(Q(joined=letters) | Q(name_pinyin__startswith=spaced))
            .order_by("name", "pk")
        )
        return SearchResult("pinyin", list(found[:limit]))
    sound = name_to_pinyin(text)
    condition = Q(name__contains=text)
    if sound:
        condition |= Q(name_pinyin=sound)
    found = (
        people.filter(condition)
        .annotate(
            rank=Case(
                When(name=text, then=Value(0)),
                When(name__contains=text, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name", "pk")
    )
    return SearchResult("name", list(found[:limit]))


def match_reason(person: Person, result: SearchResult, query: str) -> str:
    text = _clean(query)
    if result.kind == "id_number":
        return "身份证号"
    if result.kind == "phone":
        return "电话"
    if result.kind == "pinyin":
        return "拼音"
    if person.name == text:
        return "姓名"
    if text in person.name:
        return "姓名包含"
    return "同音"
