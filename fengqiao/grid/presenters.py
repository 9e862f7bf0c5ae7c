"""The shapes grid rows take in the API and on the pages."""

from .models import Attachment, FieldVisit, Resident


def visit_dict(visit: FieldVisit) -> dict:
    return {
        "id": visit.pk,
        "client_id": str(visit.client_id),
        "kind": visit.kind,
        "worker": visit.worker.username,
        "grid_code": visit.grid_id,
        "household_id": visit.household_id,
        "occurred_at": visit.occurred_at,
        "location": {"lat": visit.lat, "lng": visit.lng} if visit.lat is not None else None,
        "notes": visit.notes,
    }


def attachment_dict(attachment: Attachment) -> dict:
    return {
        "client_id": str(attachment.client_id),
        "case": attachment.case.number,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
    }


def resident_dict(resident: Resident, revealed: dict | None = None) -> dict:
    person = resident.person
    revealed = revealed or {}
    return {
        "id": resident.pk,
        "name": person.masked_name if not revealed else person.name,
        "id_number": revealed.get("id_number", person.masked_id_number),
        "phone": revealed.get("phone", person.masked_phone),
        "relation": resident.relation,
        "tags": resident.tags,
        "tag_labels": resident.tag_labels,
    }
