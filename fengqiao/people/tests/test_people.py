import pytest
from django.db import IntegrityError, connection

from fengqiao.people import crypto
from fengqiao.people.actions import find_or_create_person
from fengqiao.people.models import Person, name_to_pinyin
from fengqiao.people.validation import InvalidPersonalData, normalise_phone

ID = "11010519491231002X"
OTHER_ID = "360426199101010071"
TOWN1 = "990102001000"

pytestmark = pytest.mark.django_db


def stored_row(person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_numbers_are_stored_encrypted_and_hashed_only():
    person = find_or_create_person("张三", phone="138 1234 5678", id_number=ID.lower())
    row = stored_row(person)
    for fragment in ("13812345678", "1234 5678", ID, "19491231"):
        assert fragment not in row
    person.refresh_from_db()
    assert person.id_number == ID
    assert person.phone == "+8613812345678"
    assert person.masked_id_number == "110105********002X"
    assert person.masked_phone == "138****5678"
    assert person.name_pinyin == "zhang san"


def test_lookup_by_hash_never_needs_the_plaintext():
    person = find_or_create_person("李四", phone="13912345678")
    wanted = crypto.lookup_hash("phone", normalise_phone("+86 139-1234-5678"))
    assert list(Person.objects.filter(phone_hash=wanted)) == [person]


def test_matching_by_id_number_whatever_the_name_and_phone():
    before = Person.objects.count()  # the demo may hold people of its own
    first = find_or_create_person("张三", id_number=ID)
    again = find_or_create_person("张叁", phone="13812345678", id_number=ID.lower())
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.name == "张三"  # what the file holds is kept
    assert again.phone == "+8613812345678"  # what it lacked is filled in
    assert Person.objects.count() == before + 1


def test_matching_by_name_and_phone_and_filling_in_the_id_number():
    first = find_or_create_person("王五", phone="13812345678", region_code=None)
    again = find_or_create_person("王五", phone="+86 138 1234 5678", id_number=ID, region_code=TOWN1)
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.id_number == ID
    assert again.region_id == TOWN1


def test_creating_otherwise():
    first = find_or_create_person("王五", phone="13812345678", id_number=ID)
    other_name = find_or_create_person("王六", phone="13812345678")
    other_id = find_or_create_person("王五", phone="13812345678", id_number=OTHER_ID)
    nothing_to_match = find_or_create_person("王五")
    assert len({first.pk, other_name.pk, other_id.pk, nothing_to_match.pk}) == 4


def test_a_phone_already_on_file_is_not_overwritten():
    first = find_or_create_person("赵六", phone="13812345678", id_number=ID)
    find_or_create_person("赵六", phone="13900000000", id_number=ID)
    first.refresh_from_db()
    assert first.phone == "+8613812345678"


def test_bad_data_is_refused_before_anything_is_written():
    before = Person.objects.count()
    with pytest.raises(InvalidPersonalData):
        find_or_create_person("张三", phone="garbage")
    with pytest.raises(InvalidPersonalData):
        find_or_create_person("张三", id_number="110105194912310021")
    with pytest.raises(InvalidPersonalData):
        find_or_create_person("", phone="13812345678")
    assert Person.objects.count() == before


def test_one_file_per_id_number_is_enforced_by_the_database():
    Person.objects.create(name="甲", id_number_hash=crypto.lookup_hash("id", ID))
    Person.objects.create(name="乙")
    Person.objects.create(name="丙")  # many without an ID number
    with pytest.raises(IntegrityError):
        Person.objects.create(name="丁", id_number_hash=crypto.lookup_hash("id", ID))


def test_clearing_a_number():
    person = find_or_create_person("张三", phone="13812345678", id_number=ID)
    person.set_phone("")
    person.set_id_number("")
    person.save()
    person.refresh_from_db()
    assert (person.phone, person.id_number, person.phone_hash, person.id_number_hash) == ("", "", None, None)
    assert (person.masked_phone, person.masked_id_number) == ("", "")


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [("欧阳娜娜", "ou yang na na"), ("艾力·买买提", "ai li mai mai ti"), ("John Smith", "john smith")],
)
def test_name_pinyin(name, pinyin):
    assert name_to_pinyin(name) == pinyin


def test_pinyin_follows_a_renamed_person():
    person = Person.objects.create(name="张三")
    person.name = "李四"
    person.save(update_fields=["name"])
    person.refresh_from_db()
    assert person.name_pinyin == "li si"
