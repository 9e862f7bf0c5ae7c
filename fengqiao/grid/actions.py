"""The one write path of grid work: check-ins and photos (both idempotent on the phone's client
id), and revealing a resident's numbers with its audit row."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from fengqiao import clock
from fengqiao.accounts.scoping import can_see_region, visible_cases
from fengqiao.errors import FieldError
from fengqiao.regions import locate
from fengqiao.regions.models import Region

from .models import Attachment, FieldVisit, GridAssignment, Household, Resident, StaffRole

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # a 2 MB file claiming more than this is a decompression bomb
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass
class CheckIn:
    client_id: uuid.UUID
    kind: str
    occurred_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    household_id: int | None = None
    notes: str = ""


def _grid_of(check_in: CheckIn, worker, household: Household | None) -> Region:
    """The grid the position falls in; else the household's; else the worker's own grid."""
    if check_in.lat is not None and check_in.lng is not None:
        code = locate.locate(check_in.lat, check_in.lng)
        if code:
            if not can_see_region(worker, code):
                raise FieldError("location", "outside your region")
            return Region.objects.get(code=code[:15])
    if household is not None:
        return household.grid
    if worker.region_id and worker.region.kind == "grid":
        return worker.region
    raise FieldError("location", "give a position inside one of your grids")


def record_visit(check_in: CheckIn, worker) -> tuple[FieldVisit, bool]:
    """File a patrol or visit; (visit, True). The same client_id again: (the first one, False)."""
    existing = FieldVisit.objects.filter(client_id=check_in.client_id).first()
    if existing is not None:
        if existing.worker_id != worker.pk:
            raise FieldError("client_id", "already used")
        return existing, False
    household = None
    if check_in.household_id is not None:
        household = Household.objects.filter(pk=check_in.household_id).select_related("grid").first()
        if household is None or not can_see_region(worker, household.grid_id):
            raise FieldError("household_id", "no such household")
    if check_in.kind == FieldVisit.Kind.VISIT and household is None and not check_in.notes.strip():
        raise FieldError("notes", "a visit names its household or says whom it saw")
    grid = _grid_of(check_in, worker, household)
    try:
        with transaction.atomic():
            visit = FieldVisit.objects.create(
                client_id=check_in.client_id,
                kind=check_in.kind,
                worker=worker,
                grid=grid,
                household=household,
                occurred_at=check_in.occurred_at or clock.now(),
                lat=check_in.lat,
                lng=check_in.lng,
                notes=check_in.notes.strip(),
            )
    except IntegrityError:  # the same upload raced itself
        return FieldVisit.objects.get(client_id=check_in.client_id), False
    return visit, True


def sniff_image_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _image_size(data: bytes) -> tuple[int | None, int | None]:
    """(width, height) read from the header only; refuses a pixel count past MAX_PHOTO_PIXELS."""
    try:
        from PIL import Image
    except ImportError:  # Pillow is a dependency; without it only type and size are checked
        return None, None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise FieldError("file", f"image larger than {MAX_PHOTO_PIXELS} pixels")
            image.verify()
    except FieldError:
        raise
    except Exception:  # Pillow raises many kinds for a corrupt file
        raise FieldError("file", "not a readable image") from None
    return width, height


def store_attachment(
    client_id: uuid.UUID, case_client_id: uuid.UUID, data: bytes, user
) -> tuple[Attachment, bool]:
    """File a photo with the case the same phone reported under case_client_id; idempotent."""
    existing = Attachment.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.uploaded_by_id != user.pk:
            raise FieldError("client_id", "already used")
        return existing, False
    case = visible_cases(user).filter(client_id=case_client_id).first()
    if case is None:
        raise FieldError("case_client_id", "no such case (yet)", status=404)
    if len(data) > MAX_PHOTO_BYTES:
        raise FieldError("file", f"larger than {MAX_PHOTO_BYTES} bytes", status=413)
    content_type = sniff_image_type(data[:16])
    if content_type is None:
        raise FieldError("file", "only JPEG, PNG or WebP images")
    width, height = _image_size(data)
    attachment = Attachment(
        client_id=client_id,
        case=case,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        uploaded_by=user,
    )
    try:
        with transaction.atomic():
            attachment.file.save(attachment_name(attachment), ContentFile(data), save=False)
            attachment.save()
    except IntegrityError:
        attachment.file.delete(save=False)
        return Attachment.objects.get(client_id=client_id), False
    return attachment, True


def attachment_name(attachment: Attachment) -> str:
    return f"{attachment.client_id}{attachment.extension}"


def reveal_resident(resident: Resident, user, ip: str | None = None, purpose: str = "grid") -> dict:
    """The resident's full ID and phone numbers, written to people.AccessLog; PermissionDenied for
    a role that may not see them (nothing logged)."""
    from fengqiao.people.actions import reveal

    return reveal(
        user,
        resident.person,
        ["id_number", "phone"],
        object_type="resident",
        object_id=resident.pk,
        purpose=purpose,
        ip=ip,
    )


# ------------------------------------------------------------------------------------ staffing


def assign_post(
    user,
    *,
    grid: Region,
    role: str,
    person=None,
    name: str = "",
    organisation: str = "",
    starts_on=None,
    households_responsible: int | None = None,
) -> GridAssignment:
    """Post someone (a platform account, or a named person without one) to a grid from a date."""
    from django.utils import timezone

    if role not in StaffRole.values:
        raise FieldError("role", "unknown post")
    if grid.kind != "grid" or not can_see_region(user, grid.code):
        raise FieldError("grid", "no such grid")
    name = name.strip()
    if person is None and not name:
        raise FieldError("name", "name the person or choose their account")
    if person is not None and not can_see_region(user, person.region_id or ""):
        raise FieldError("user", "no such account in your area")
    return GridAssignment.objects.create(
        grid=grid,
        role=role,
        user=person,
        name="" if person is not None else name,
        organisation=organisation.strip(),
        starts_on=starts_on or timezone.localdate(clock.now()),
        households_responsible=households_responsible,
    )


def end_post(assignment: GridAssignment, user, *, ends_on=None) -> GridAssignment:
    """End a post (the worker leaves or moves); a volunteer's households are freed for another."""
    from django.utils import timezone

    ends_on = ends_on or timezone.localdate(clock.now())
    if ends_on < assignment.starts_on:
        raise FieldError("ends_on", "before the post began")
    with transaction.atomic():
        assignment.ends_on = ends_on
        assignment.save(update_fields=["ends_on"])
        Household.objects.filter(volunteer=assignment).update(volunteer=None)
    return assignment


def tie_household(household: Household, volunteer: GridAssignment | None, user) -> Household:
    """Put a household in a volunteer's care (联户), or free it (volunteer None). A volunteer of the
    same grid, in post, and with fewer than 15 households."""
    from .staffing import VOLUNTEER_HOUSEHOLDS

    if volunteer is not None:
        if volunteer.role != StaffRole.VOLUNTEER or volunteer.grid_id != household.grid_id:
            raise FieldError("volunteer", "a volunteer of the household's grid")
        if not GridAssignment.objects.current().filter(pk=volunteer.pk).exists():
            raise FieldError("volunteer", "no longer in post")
        full = Household.objects.filter(volunteer=volunteer).count() >= VOLUNTEER_HOUSEHOLDS[1]
        if volunteer.pk != household.volunteer_id and full:
            raise FieldError("volunteer", f"already looks after {VOLUNTEER_HOUSEHOLDS[1]} households")
    household.volunteer = volunteer
    household.save(update_fields=["volunteer"])
    return household
