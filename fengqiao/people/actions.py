"""Writes on people: finding or filing a person, and revealing their data with an audit row."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from . import crypto
from .masking import may_unmask
from .models import AccessLog, Person
from .validation import InvalidPersonalData, normalise_id_number, normalise_phone

REVEALABLE_FIELDS = ("id_number", "phone")


def find_or_create_person(
    name: str, phone: str = "", id_number: str = "", region_code: str | None = None
) -> Person:
    """The person these details describe, filed if new.

    Matched by ID number first; else by the same name and phone number (unless the record found
    carries a different ID number: then it is someone else). Values the record lacks are filled in,
    values it has are never overwritten. Raises InvalidPersonalData for a bad ID or phone number.
    """
    name = (name or "").strip()
    id_number = normalise_id_number(id_number) if (id_number or "").strip() else ""
    phone = normalise_phone(phone) if (phone or "").strip() else ""
    id_hash = crypto.lookup_hash("id", id_number) if id_number else None
    phone_hash = crypto.lookup_hash("phone", phone) if phone else None

    with transaction.atomic():
        person = _match(name, id_hash, phone_hash)
        if person is None:
            if not name:
                raise InvalidPersonalData("name", "a name is needed to file a new person")
            person = Person(name=name, region_id=region_code)
            person.set_id_number(id_number)
            person.set_phone(phone)
            try:
                with transaction.atomic():
                    person.save()
                return person
            except IntegrityError:
                # Someone filed the same ID number in between: use their record.
                if id_hash is None:
                    raise
                person = Person.objects.select_for_update().get(id_number_hash=id_hash)

        changed = []
        if id_number and not person.id_number_hash:
            person.set_id_number(id_number)
            changed += ["id_number_encrypted", "id_number_hash"]
        if phone and not person.phone_hash:
            person.set_phone(phone)
            changed += ["phone_encrypted", "phone_hash"]
        if region_code and not person.region_id:
            person.region_id = region_code
            changed.append("region")
        if name and not person.name:
            person.name = name
            changed.append("name")
        if changed:
            person.save(update_fields=[*changed, "updated_at"])
        return person


def _match(name: str, id_hash: str | None, phone_hash: str | None) -> Person | None:
    people = Person.objects.select_for_update()
    if id_hash:
        person = people.filter(id_number_hash=id_hash).first()
        if person is not None:
            return person
    if phone_hash and name:
        same = people.filter(name=name, phone_hash=phone_hash)
        if id_hash:
            same = same.filter(Q(id_number_hash__isnull=True) | Q(id_number_hash=id_hash))
        return same.order_by("pk").first()
    return None


def record_access(
    user, person, fields, object_type: str, object_id, purpose: str = "", ip: str | None = None
):
    """Write the audit row of one look at a person's unmasked data."""
    unknown = set(fields) - set(REVEALABLE_FIELDS)
    if unknown:
        raise ValueError(f"not personal-data fields: {sorted(unknown)}")
    return AccessLog.objects.create(
        user=user,
        person=person,
        fields=list(fields),
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose,
        ip=ip or None,
    )


def reveal(
    user, person, fields, *, object_type: str, object_id, purpose: str = "", ip: str | None = None
) -> dict:
    """The plaintext of the requested fields ({"phone": "+8613812345678", …}), logged once.

    Raises PermissionDenied, and logs nothing, for a role that may not see unmasked data."""
    if not may_unmask(user):
        raise PermissionDenied("this role may not see unmasked personal data")
    fields = list(dict.fromkeys(fields))
    record_access(user, person, fields, object_type, object_id, purpose=purpose, ip=ip)
    return {field: getattr(person, field) for field in fields}
