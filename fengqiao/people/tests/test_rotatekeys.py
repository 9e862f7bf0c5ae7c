import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command

import fengqiao.settings as project_settings
from fengqiao.people import crypto
from fengqiao.people.actions import find_or_create_person
from fengqiao.people.models import Person

ID = "11010519491231002X"

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_key(tmp_path, monkeypatch, settings):
    """Keys from the settings only: no key file of the install's own to fall back on. The key is
    the one in use, so the people the demo filed stay readable."""
    key = crypto.data_keys()[0].decode()
    hash_key = crypto._hash_key().decode()
    monkeypatch.setattr(project_settings, "DATA_DIR", tmp_path)
    settings.DATA_DIR = tmp_path
    settings.FENGQIAO_DATA_KEYS = [key]
    settings.FENGQIAO_HASH_KEY = hash_key
    return key


def test_rotatekeys_re_encrypts_with_the_new_key(settings, old_key, capsys):
    first = find_or_create_person("张三", phone="13812345678", id_number=ID)
    second = find_or_create_person("李四", phone="0571-88123456")
    third = find_or_create_person("王五")
    hashes = {p.pk: (p.id_number_hash, p.phone_hash) for p in Person.objects.all()}
    new_key = Fernet.generate_key().decode()
    settings.FENGQIAO_DATA_KEYS = [new_key, old_key]

    call_command("rotatekeys", batch_size=2)
    assert f"re-encrypted {Person.objects.count()} people" in capsys.readouterr().out

    settings.FENGQIAO_DATA_KEYS = [new_key]
    for person in (first, second, third):
        person.refresh_from_db()
    assert (first.id_number, first.phone) == (ID, "+8613812345678")
    assert second.phone == "+8657188123456"
    assert (third.id_number_encrypted, third.phone_encrypted, third.phone) == ("", "", "")
    assert Fernet(new_key).decrypt(first.id_number_encrypted.encode()).decode() == ID
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(first.id_number_encrypted.encode())
    # The hashes do not depend on the encryption key, so lookups carry on unchanged.
    assert {p.pk: (p.id_number_hash, p.phone_hash) for p in Person.objects.all()} == hashes
    assert find_or_create_person("张三", id_number=ID).pk == first.pk

    call_command("rotatekeys")  # safe to run again
    first.refresh_from_db()
    assert first.id_number == ID


def test_rotatekeys_takes_up_a_new_hash_key(settings):
    person = find_or_create_person("张三", phone="13812345678", id_number=ID)
    settings.FENGQIAO_HASH_KEY = "a new hash key"
    call_command("rotatekeys")
    person.refresh_from_db()
    assert person.id_number_hash == crypto.lookup_hash("id", ID)
    assert find_or_create_person("张三", id_number=ID).pk == person.pk


def test_rotatekeys_also_rotates_what_other_apps_registered(settings, old_key, capsys, users):
    from fengqiao.cases.actions import Intake, create_case
    from fengqiao.open311.models import ApiKey, RequestExtra
    from fengqiao.regions.models import Region

    case, _ = create_case(
        Intake(
            channel="open311", description="路灯不亮", category="public_service", region_code="990102001000"
        ),
        actor=users["county"],
    )
    ApiKey.issue("12345热线", Region.objects.get(code="990102000000"))
    extra = RequestExtra(case=case, api_key=ApiKey.objects.get())
    extra.set_email("someone@example.com")
    extra.save()
    new_key = Fernet.generate_key().decode()
    settings.FENGQIAO_DATA_KEYS = [new_key, old_key]
    call_command("rotatekeys")
    assert "re-encrypted 1 Open311 e-mail addresses" in capsys.readouterr().out
    settings.FENGQIAO_DATA_KEYS = [new_key]
    extra.refresh_from_db()
    assert extra.email == "someone@example.com"
