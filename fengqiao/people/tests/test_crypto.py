import os
import re

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured

import fengqiao.settings as project_settings
from fengqiao.people import crypto
from fengqiao.people.validation import normalise_id_number, normalise_phone


@pytest.fixture
def own_data_dir(tmp_path, monkeypatch, settings):
    """An empty DATA_DIR and no keys in the settings: the install must make its own."""
    monkeypatch.setattr(project_settings, "DATA_DIR", tmp_path)
    settings.DATA_DIR = tmp_path
    settings.FENGQIAO_DATA_KEYS = []
    settings.FENGQIAO_HASH_KEY = ""
    return tmp_path


def test_round_trip_and_ciphertext_hides_the_plaintext():
    token = crypto.encrypt("+8613812345678")
    assert crypto.decrypt(token) == "+8613812345678"
    assert "13812345678" not in token and "5678" not in token
    assert crypto.encrypt("+8613812345678") != token  # a fresh IV each time


def test_keys_made_once_and_kept_private(own_data_dir):
    token = crypto.encrypt("11010519491231002X")
    digest = crypto.lookup_hash("id", "11010519491231002X")
    for name in ("data_keys", "hash_key"):
        assert (own_data_dir / name).stat().st_mode & 0o777 == 0o600
    crypto.reset()  # as after a restart
    assert crypto.decrypt(token) == "11010519491231002X"
    assert crypto.lookup_hash("id", "11010519491231002X") == digest


def test_the_own_key_still_opens_old_data_once_keys_come_from_the_environment(own_data_dir, settings):
    token = crypto.encrypt("+8613812345678")
    new_key = Fernet.generate_key().decode()
    settings.FENGQIAO_DATA_KEYS = [new_key]
    assert crypto.decrypt(token) == "+8613812345678"
    assert Fernet(new_key).decrypt(crypto.encrypt("x").encode()) == b"x"  # the newest key encrypts


def test_configured_keys_need_no_file(own_data_dir, settings):
    settings.FENGQIAO_DATA_KEYS = [Fernet.generate_key().decode()]
    settings.FENGQIAO_HASH_KEY = "a hash key from the environment"
    crypto.decrypt(crypto.encrypt("x"))
    crypto.lookup_hash("phone", "+8613812345678")
    assert os.listdir(own_data_dir) == []


def test_a_key_that_is_not_a_fernet_key_is_a_configuration_error(settings):
    settings.FENGQIAO_DATA_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_a_token_of_another_key_is_refused(settings):
    foreign = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    with pytest.raises(InvalidToken):
        crypto.decrypt(foreign)


def test_lookup_hash_is_equal_for_equal_normalised_values():
    first = crypto.lookup_hash("phone", normalise_phone("138 1234 5678"))
    second = crypto.lookup_hash("phone", normalise_phone("+86-138-1234-5678"))
    assert first == second
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert crypto.lookup_hash("id", normalise_id_number("11010519491231002x")) == crypto.lookup_hash(
        "id", "11010519491231002X"
    )
    assert crypto.lookup_hash("phone", "+8613812345679") != first


def test_lookup_hash_differs_across_kinds_and_keys(settings):
    assert crypto.lookup_hash("id", "123") != crypto.lookup_hash("phone", "123")
    before = crypto.lookup_hash("id", "123")
    settings.FENGQIAO_HASH_KEY = "another key"
    assert crypto.lookup_hash("id", "123") != before
    with pytest.raises(ValueError):
        crypto.lookup_hash("name", "123")


def test_rotate_re_encrypts_with_the_newest_key(settings):
    token = crypto.encrypt("secret")
    new_key = Fernet.generate_key().decode()
    settings.FENGQIAO_DATA_KEYS = [new_key, *(key.decode() for key in crypto.data_keys())]
    rotated = crypto.rotate(token)
    assert Fernet(new_key).decrypt(rotated.encode()) == b"secret"
