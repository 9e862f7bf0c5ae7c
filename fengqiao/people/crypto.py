"""Encryption and keyed hashes of personal data (ID and phone numbers).

Values are encrypted with MultiFernet: the keys are settings.FENGQIAO_DATA_KEYS, newest first (the
newest encrypts, every key decrypts). Without that setting the install keeps its own key: a random
secret in DATA_DIR/data_keys (mode 0600, like SECRET_KEY), from which the Fernet key is derived.
When the setting is given and that file exists, its key is still tried last, so moving an install
from the file to the environment never strands data; `fengqiao rotatekeys` then re-encrypts
everything with the newest key, after which the file may be deleted.

Exact lookup never needs the plaintext: lookup_hash() is an HMAC-SHA256 of the normalised value
with its kind mixed in, keyed by settings.FENGQIAO_HASH_KEY (else DATA_DIR/hash_key).

Keys are read once per process; reset() forgets them (done automatically when a test overrides
one of the settings).
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from fengqiao.settings import _persistent_secret

__all__ = ["InvalidToken", "KINDS", "decrypt", "encrypt", "lookup_hash", "reset", "rotate"]

KINDS = frozenset({"id", "phone"})
DATA_KEY_FILE = "data_keys"
HASH_KEY_FILE = "hash_key"


def _file_key(create: bool) -> bytes | None:
    """The Fernet key derived from the install's own secret, created on first use if allowed."""
    if not create and not (settings.DATA_DIR / DATA_KEY_FILE).exists():
        return None
    secret = _persistent_secret(DATA_KEY_FILE)
    return base64.urlsafe_b64encode(hashlib.sha256(b"fengqiao data key\0" + secret.encode()).digest())


def data_keys() -> list[bytes]:
    """Every Fernet key in use, newest first."""
    keys = [key.encode() for key in settings.FENGQIAO_DATA_KEYS]
    fallback = _file_key(create=not keys)
    if fallback is not None and fallback not in keys:
        keys.append(fallback)
    return keys


@functools.lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in data_keys()])
    except ValueError as error:
        raise ImproperlyConfigured(
            f"FENGQIAO_DATA_KEYS holds a key that is not a Fernet key: {error}"
        ) from None


@functools.lru_cache(maxsize=1)
def _hash_key() -> bytes:
    return (settings.FENGQIAO_HASH_KEY or _persistent_secret(HASH_KEY_FILE)).encode()


def reset() -> None:
    """Forget the cached keys, so the next call reads the settings again."""
    _fernet.cache_clear()
    _hash_key.cache_clear()


@receiver(setting_changed)
def _keys_changed(setting, **kwargs):
    if setting in ("FENGQIAO_DATA_KEYS", "FENGQIAO_HASH_KEY", "DATA_DIR"):
        reset()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext; raises InvalidToken when no key opens the token."""
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same plaintext encrypted with the newest key (its original timestamp kept)."""
    return _fernet().rotate(token.encode()).decode()


def lookup_hash(kind: str, normalised_value: str) -> str:
    """Hex HMAC-SHA256 of an already normalised value; equal values of different kinds differ."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of personal data: {kind!r}")
    message = f"{kind}:{normalised_value}".encode()
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


def rotate_table(
    model, fields: list[str], batch_size: int = 500, rehash: dict[str, tuple[str, str]] | None = None
) -> int:
    """Re-encrypt `fields` of every row of `model` with the newest key, a batch per transaction
    (an interrupted run is simply run again). `rehash` maps an encrypted field to its
    (hash field, kind), recomputed on the way so a changed hash key is taken up too."""
    from django.db import transaction

    rehash = rehash or {}
    columns = [*fields, *(hashed for hashed, _ in rehash.values())]
    done, last_pk = 0, None
    while True:
        with transaction.atomic():
            rows = model.objects.select_for_update().order_by("pk").only("pk", *columns)
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows[:batch_size])
            if not batch:
                return done
            for row in batch:
                for field in fields:
                    token = getattr(row, field)
                    if not token:
                        continue
                    setattr(row, field, rotate(token))
                    if field in rehash:
                        hashed, kind = rehash[field]
                        setattr(row, hashed, lookup_hash(kind, decrypt(token)))
            model.objects.bulk_update(batch, columns)
        done += len(batch)
        last_pk = batch[-1].pk


# Other apps that store encrypted values register how to rotate them (label, function(batch_size)).
ROTATIONS: list[tuple[str, object]] = []


def register_rotation(label: str, function) -> None:
    ROTATIONS.append((label, function))
