"""find_or_create_people (an intake's parties in a few statements) gives what calling
find_or_create_person once per party gives: the same matches, the same people filed and completed."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from fengqiao.people import actions
from fengqiao.people.actions import find_or_create_people, find_or_create_person
from fengqiao.people.models import Person
from fengqiao.people.validation import InvalidPersonalData

ID = "11010519491231002X"
OTHER_ID = "360426199101010071"
TOWN1 = "990102001000"

pytestmark = pytest.mark.django_db

# Each scenario: people already on file, then one intake's parties (name, phone, id_number).
SCENARIOS = {
    "all new": ([], [("张三", "13812345678", ""), ("李四", "13912345678", "")]),
    "the same person twice": ([], [("张三", "13812345678", ID), ("张叁", "", ID.lower())]),
    "name and phone twice, the second adds the ID": (
        [],
        [("王五", "13812345678", ""), ("王五", "+86 138 1234 5678", ID)],
    ),
    "on file by ID, the phone filled in": (
        [("张三", "", ID)],
        [("张叁", "13812345678", ID), ("赵六", "13700000000", "")],
    ),
    "on file by name and phone, the ID filled in": (
        [("王五", "13812345678", "")],
        [("王五", "13812345678", ID), ("王五", "", ID)],
    ),
    "same name and phone but another ID is someone else": (
        [("王五", "13812345678", OTHER_ID)],
        [("王五", "13812345678", ID)],
    ),
    "two on file with the same name and phone: the older": (
        [("孙七", "13812345678", ""), ("孙七", "13812345678", "")],
        [("孙七", "13812345678", ""), ("周八", "13812345678", "")],
    ),
    "no phone, no ID: always a new file": ([("吴九", "", "")], [("吴九", "", ""), ("吴九", "", "")]),
}


def people_state(people_before: set[int], results: list[Person]) -> tuple:
    """The results and every person's file, with the pks of newly filed people replaced by the
    order in which they were filed (a rolled-back run uses other pks)."""
    new = {}
    for person in Person.objects.exclude(pk__in=people_before).order_by("pk"):
        new[person.pk] = f"new{len(new)}"

    def key(pk):
        return new.get(pk, pk)

    rows = sorted(
        (
            str(key(p.pk)),
            p.name,
            p.name_pinyin,
            p.id_number,
            p.phone,
            p.id_number_hash or "",
            p.phone_hash or "",
            p.region_id or "",
        )
        for p in Person.objects.all()
    )
    return [key(person.pk) for person in results], rows


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_batch_matches_one_call_per_party(scenario):
    on_file, parties = SCENARIOS[scenario]
    for name, phone, id_number in on_file:
        person = Person(name=name)
        person.set_phone(phone)
        person.set_id_number(id_number)
        person.save()
    before = set(Person.objects.values_list("pk", flat=True))

    with transaction.atomic():
        one_by_one = [
            find_or_create_person(n, phone=p, id_number=i, region_code=TOWN1) for n, p, i in parties
        ]
        expected = people_state(before, one_by_one)
        transaction.set_rollback(True)

    batch = find_or_create_people(parties, region_code=TOWN1)
    assert people_state(before, batch) == expected


def test_batch_takes_one_select_and_one_insert():
    parties = [("张三", "13812345678", ID), ("李四", "13912345678", ""), ("王五", "13700000000", "")]
    with CaptureQueriesContext(connection) as queries:
        find_or_create_people(parties, region_code=TOWN1)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 1
    assert statements.count("INSERT") == 1


def test_bad_numbers_are_refused_before_anything_is_written():
    before = Person.objects.count()
    with pytest.raises(InvalidPersonalData) as refused:
        find_or_create_people([("张三", "13812345678", ""), ("李四", "", "110105194912310021")])
    assert refused.value.field == "id_number"
    assert Person.objects.count() == before


def test_an_id_number_filed_meanwhile_is_taken_not_duplicated(monkeypatch):
    """Another intake files the same ID number between this one's lookup and its insert: the
    batch's insert fails on the unique hash and the parties go the one-by-one way."""
    real_match_in = actions._match_in
    filed = []

    def file_it_first(known, name, id_hash, phone_hash):
        if id_hash and not filed:
            filed.append(find_or_create_person("张三", id_number=ID))  # the "other" intake
        return real_match_in(known, name, id_hash, phone_hash)

    monkeypatch.setattr(actions, "_match_in", file_it_first)
    with transaction.atomic():
        people = find_or_create_people([("张三", "13812345678", ID)], region_code=TOWN1)
    assert [p.pk for p in people] == [filed[0].pk]
    assert Person.objects.filter(id_number_hash=filed[0].id_number_hash).count() == 1
    people[0].refresh_from_db()
    assert people[0].phone == "+8613812345678"


def test_a_failure_other_than_a_race_is_not_hidden(monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("something else")

    monkeypatch.setattr(Person.objects, "bulk_create", fail)
    with pytest.raises(IntegrityError):
        find_or_create_people([("张三", "13812345678", "")])
