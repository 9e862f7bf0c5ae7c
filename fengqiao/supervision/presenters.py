"""Supervision rows as the API returns them (and pages show them)."""

from django.utils import timezone

from fengqiao import clock as wallclock

from .models import (
    LEDGER_STATUS_LABELS,
    LedgerItem,
    MajorDecision,
    RiskAssessment,
    RiskMeasure,
    SupervisionNotice,
)


def _iso(value):
    return value.isoformat() if value else None


def notice_dict(notice: SupervisionNotice) -> dict:
    return {
        "id": notice.pk,
        "case": notice.case.number,
        "letter": notice.letter,
        "letter_label": notice.get_letter_display(),
        "document_number": notice.document_number,
        "unit": notice.unit.code if notice.unit else None,
        "unit_name": notice.unit.name if notice.unit else None,
        "leader": notice.leader.username if notice.leader else None,
        "reason": notice.reason,
        "issued_at": _iso(notice.issued_at),
        "reply_due_at": _iso(notice.reply_due_at),
        "state": notice.state,
        "acknowledged_at": _iso(notice.acknowledged_at),
        "answered_at": _iso(notice.answered_at),
        "answer": notice.answer,
    }


def ledger_dict(item: LedgerItem, today=None) -> dict:
    today = today or timezone.localdate(wallclock.now())
    status = item.status(today)
    return {
        "id": item.pk,
        "level": item.level,
        "region_code": item.region_id,
        "case": item.case.number if item.case_id else None,
        "title": item.title,
        "responsible_leader": item.responsible_leader,
        "responsible_unit": item.responsible_unit.code if item.responsible_unit_id else None,
        "due_date": item.due_date.isoformat(),
        "listed_at": _iso(item.listed_at),
        "closed_at": _iso(item.closed_at),
        "close_note": item.close_note,
        "status": status,
        "status_label": LEDGER_STATUS_LABELS[status],
    }


def ledger_summary(items, today) -> dict:
    counts = {"total": 0, "done": 0, "done_late": 0, "overdue": 0, "open": 0}
    for item in items:
        counts["total"] += 1
        counts[item.status(today)] += 1
    return counts


def measure_dict(measure: RiskMeasure) -> dict:
    return {
        "id": measure.pk,
        "description": measure.description,
        "unit": measure.unit.code if measure.unit_id else None,
        "due_date": measure.due_date.isoformat() if measure.due_date else None,
        "done_at": _iso(measure.done_at),
        "result": measure.result,
    }


def assessment_dict(assessment: RiskAssessment) -> dict:
    return {
        "id": assessment.pk,
        "stage": assessment.stage,
        "risks_found": assessment.risks_found,
        "risk_level": assessment.risk_level,
        "conclusion": assessment.conclusion,
        "assessed_at": _iso(assessment.assessed_at),
        "filed_at": _iso(assessment.filed_at),
        "filed_with": assessment.filed_with,
        "measures": [measure_dict(measure) for measure in assessment.measures.all()],
    }


def decision_dict(decision: MajorDecision, full: bool = False) -> dict:
    data = {
        "id": decision.pk,
        "title": decision.title,
        "kind": decision.kind,
        "proposer": decision.proposer,
        "region_code": decision.region_id,
        "investment": str(decision.investment),
        "people_affected": decision.people_affected,
        "grade": decision.grade,
        "status": decision.status,
        "registered_at": _iso(decision.registered_at),
    }
    if full:
        data["description"] = decision.description
        data["assessments"] = [assessment_dict(a) for a in decision.assessments.prefetch_related("measures")]
    return data
