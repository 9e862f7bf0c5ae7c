"""Writes on people: finding or filing a person, and revealing their data with an audit row."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from . import crypto
from .masking import may_unmask
from .models import AccessLog, Person, name_to_pinyin
from .validation import InvalidPersonalData, normalise_id_number, normalise_phone

REVEALABLE_FIELDS = ("id_number", "phone")


def _fill_blanks(person: Person, name: str, id_number: str, phone: str, region_code) -> list[str]:
    """What a new mention of a known person adds to their file: only fields still empty (a file's
    ID number, phone, place or name are never overwritten by a later mention). The fields changed."""
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
        person.name_pinyin = name_to_pinyin(name)  # save() sets it too; bulk updates do not
        changed.append("name")
    return changed


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

        changed = _fill_blanks(person, name, id_number, phone, region_code)
        if changed:
            person.save(update_fields=[*changed, "updated_at"])
        return person


def find_or_create_people(
    details: list[tuple[str, str, str]], region_code: str | None = None
) -> list[Person]:
    """find_or_create_person for each (name, phone, id_number) in order, with the same answers,
    in a few statements: one SELECT for every party's candidates, one INSERT for the new people.

    The parties of one intake are matched against the rows found and against each other, exactly
    as one call after the other would (a later party finds a person an earlier one filed or
    completed). If another transaction files one of the same ID numbers in between, the batch is
    abandoned (its savepoint rolled back) and the parties go through find_or_create_person one by
    one, which takes the other record as before."""
    if not details:
        return []
    wanted = []
    for name, phone, id_number in details:
        name = (name or "").strip()
        id_number = normalise_id_number(id_number) if (id_number or "").strip() else ""
        phone = normalise_phone(phone) if (phone or "").strip() else ""
        id_hash = crypto.lookup_hash("id", id_number) if id_number else None
        phone_hash = crypto.lookup_hash("phone", phone) if phone else None
        wanted.append((name, id_number, phone, id_hash, phone_hash))

    # In the caller's transaction (intake's), without a savepoint of its own: two statements fewer.
    with transaction.atomic(savepoint=False):
        id_hashes = {w[3] for w in wanted if w[3]}
        pairs = {(w[0], w[4]) for w in wanted if w[4] and w[0]}
        # Known rows in pk order; people filed by this batch come after them, in filing order
        # (the order their primary keys will take).
        known = _known_people(id_hashes, pairs) if (id_hashes or pairs) else []
        new: list[Person] = []
        changed: dict[int, set[str]] = {}
        result = []
        for name, id_number, phone, id_hash, phone_hash in wanted:
            person = _match_in(known, name, id_hash, phone_hash)
            if person is None:
                if not name:
                    raise InvalidPersonalData("name", "a name is needed to file a new person")
                person = Person(name=name, region_id=region_code)
                person.set_id_number(id_number)
                person.set_phone(phone)
                person.name_pinyin = name_to_pinyin(person.name)  # what save() sets; bulk_create skips it
                new.append(person)
                known.append(person)
                result.append(person)
                continue
            fields = _fill_blanks(person, name, id_number, phone, region_code)
            if fields and person.pk is not None:
                changed.setdefault(person.pk, set()).update(fields)
            result.append(person)
        if new:
            try:
                with transaction.atomic():
                    Person.objects.bulk_create(new)
            except IntegrityError:
                if not any(person.id_number_hash for person in new):
                    raise
                # Someone filed one of these ID numbers in between: the one-by-one path finds it
                # (nothing of this batch was written; the rows in memory are dropped).
                return [
                    find_or_create_person(name, phone=phone, id_number=id_number, region_code=region_code)
                    for name, phone, id_number in details
                ]
        for person in {id(p): p for p in result if p.pk in changed}.values():
            person.save(update_fields=[*changed[person.pk], "updated_at"])
        return result


def _known_people(id_hashes: set[str], pairs: set[tuple[str, str]]) -> list[Person]:
    """Person.objects.select_for_update().filter(id hash in id_hashes, or name and phone hash in
    the pairs' names and hashes).order_by("pk"), written by hand: one intake's lookup, without the
    CPU of building and compiling that queryset (cases.actions.rows_where)."""
    from django.db import connection

    from fengqiao.cases.actions import rows_where

    conditions, params = [], []
    if id_hashes:
        conditions.append(f"id_number_hash IN ({', '.join(['%s'] * len(id_hashes))})")
        params += sorted(id_hashes)
    if pairs:
        names, hashes = sorted({n for n, _ in pairs}), sorted({h for _, h in pairs})
        conditions.append(
            f"(name IN ({', '.join(['%s'] * len(names))}) AND phone_hash IN ({', '.join(['%s'] * len(hashes))}))"
        )
        params += names + hashes
    tail = " ORDER BY id" + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    return rows_where(Person, " OR ".join(conditions), params, tail)


def _match_in(known: list[Person], name: str, id_hash: str | None, phone_hash: str | None) -> Person | None:
    """_match over rows in memory (in primary-key order)."""
    if id_hash:
        for person in known:
            if person.id_number_hash == id_hash:
                return person
    if phone_hash and name:
        for person in known:
            if (
                person.name == name
                and person.phone_hash == phone_hash
                and (not id_hash or person.id_number_hash in (None, id_hash))
            ):
                return person
    return None


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
