"""/api/v1/supervision/… (letters and ledgers) and /api/v1/risk/… (risk assessment) over the API."""

from datetime import date
from decimal import Decimal

import ninja
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from fengqiao import clock as wallclock
from fengqiao.cases.workflow import ActionRefused
from fengqiao.regions import codes as region_codes

from . import actions, risk
from .documents import letter_docx
from .models import RiskAssessment, RiskMeasure
from .presenters import decision_dict, ledger_dict, ledger_summary, notice_dict

router = Router(tags=["supervision"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _refused(error: ActionRefused):
    raise HttpError(error.status, error.message) from None


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class LedgerIn(Schema):
    region_code: str
    title: str = Field(..., max_length=200)
    responsible_leader: str = Field(..., max_length=50)
    due_date: date
    case: str | None = None
    responsible_unit: str | None = None


class CloseIn(Schema):
    note: str = Field(..., max_length=4000)


class DecisionIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str
    proposer: str = Field(..., max_length=100)
    region_code: str
    description: str = ""
    investment: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    people_affected: int = Field(0, ge=0, le=100_000_000)


class MeasureIn(Schema):
    description: str = Field(..., max_length=2000)
    unit: str | None = None
    due_date: date | None = None


class AssessmentIn(Schema):
    stage: str
    risks_found: str = Field(..., max_length=4000)
    risk_level: str
    conclusion: str = ""
    measures: list[MeasureIn] = Field(default_factory=list, max_length=50)


class FileIn(Schema):
    filed_with: str = ""


class StatusIn(Schema):
    status: str


class ResultIn(Schema):
    result: str = Field(..., max_length=4000)


# ---------------------------------------------------------------------------------------- letters


@router.get("/supervision/notices", response=dict, summary="Supervision letters the caller may see")
def list_notices(request, case: str | None = None, letter: str | None = None, mine: bool = False):
    notices = actions.visible_notices(request.user).select_related("case", "unit", "leader")
    if case:
        notices = notices.filter(case__number=case)
    if letter:
        notices = notices.filter(letter=letter)
    if mine:
        notices = notices.filter(unit_id=request.user.unit_id or -1)
    return {"items": [notice_dict(notice) for notice in notices[:500]]}


@router.get("/supervision/notices/{notice_id}", response=dict, summary="One supervision letter")
def get_notice(request, notice_id: int):
    return notice_dict(actions.access_notice(request.user, notice_id))


@router.get("/supervision/notices/{notice_id}/document", summary="The letter as a Word document")
def notice_document(request, notice_id: int):
    notice = actions.access_notice(request.user, notice_id)
    response = HttpResponse(letter_docx(notice), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="supervision-{notice.pk}.docx"'
    return response


@router.post("/supervision/notices/{notice_id}/acknowledge", response=dict, summary="Sign for a letter")
def acknowledge_notice(request, notice_id: int):
    try:
        return notice_dict(actions.acknowledge(actions.access_notice(request.user, notice_id), request.user))
    except ActionRefused as error:
        _refused(error)


@router.post("/supervision/notices/{notice_id}/answer", response=dict, summary="Answer a letter")
def answer_notice(request, notice_id: int, payload: AnswerIn):
    notice = actions.access_notice(request.user, notice_id)
    try:
        return notice_dict(actions.answer(notice, request.user, payload.answer))
    except ActionRefused as error:
        _refused(error)


# ---------------------------------------------------------------------------------------- ledger


@router.get(
    "/supervision/ledger", response=dict, summary="The supervision ledgers (三级挂账) with done/overdue"
)
def list_ledger(request, level: str | None = None, region: str | None = None):
    items = actions.visible_ledger(request.user).select_related("case", "responsible_unit")
    if level:
        items = items.filter(level=level)
    if region:
        if not region_codes.is_valid(region):
            from fengqiao.errors import FieldError

            raise FieldError("region", "not a region code")
        items = items.filter(region_codes.subtree_q("region_id", region))
    items = list(items)
    today = timezone.localdate(wallclock.now())
    return {"summary": ledger_summary(items, today), "items": [ledger_dict(item, today) for item in items]}


@router.post("/supervision/ledger", response={201: dict}, summary="Put a matter on a supervision ledger")
def create_ledger_item(request, payload: LedgerIn):
    try:
        item = actions.list_on_ledger(
            request.user,
            region_code=payload.region_code,
            title=payload.title,
            responsible_leader=payload.responsible_leader,
            due_date=payload.due_date,
            case_number=payload.case,
            unit_code=payload.responsible_unit,
        )
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, ledger_dict(item))


@router.post("/supervision/ledger/{item_id}/close", response=dict, summary="Take a matter off the ledger")
def close_ledger_item(request, item_id: int, payload: CloseIn):
    item = actions.access_ledger_item(request.user, item_id)
    try:
        return ledger_dict(actions.close_ledger_item(item, request.user, payload.note))
    except ActionRefused as error:
        _refused(error)


# ---------------------------------------------------------------------------------------- risk


@router.get("/risk/decisions", response=dict, summary="The register of major decisions, projects and reforms")
def list_decisions(request, status: str | None = None):
    decisions = risk.visible_decisions(request.user)
    if status:
        decisions = decisions.filter(status=status)
    return {"items": [decision_dict(decision) for decision in decisions[:500]]}


@router.post("/risk/decisions", response={201: dict}, summary="Register a major decision, project or reform")
def register_decision(request, payload: DecisionIn):
    try:
        decision = risk.register(request.user, **payload.dict())
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, decision_dict(decision, full=True))


@router.get("/risk/decisions/{decision_id}", response=dict, summary="One item with its assessments")
def get_decision(request, decision_id: int):
    return decision_dict(risk.access_decision(request.user, decision_id), full=True)


@router.post(
    "/risk/decisions/{decision_id}/assessments", response={201: dict}, summary="Record a stage's assessment"
)
def record_assessment(request, decision_id: int, payload: AssessmentIn):
    decision = risk.access_decision(request.user, decision_id)
    try:
        risk.assess(
            decision,
            request.user,
            stage=payload.stage,
            risks_found=payload.risks_found,
            risk_level=payload.risk_level,
            conclusion=payload.conclusion,
            measures=[(m.description, m.unit, m.due_date) for m in payload.measures],
        )
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, decision_dict(decision, full=True))


@router.post("/risk/assessments/{assessment_id}/file", response=dict, summary="File (报备) an assessment")
def file_assessment(request, assessment_id: int, payload: FileIn):
    assessment = RiskAssessment.objects.filter(
        pk=assessment_id, decision__in=risk.visible_decisions(request.user)
    ).first()
    if assessment is None:
        from django.http import Http404

        raise Http404("no such assessment")
    try:
        risk.file(assessment, request.user, payload.filed_with)
    except ActionRefused as error:
        _refused(error)
    return decision_dict(assessment.decision, full=True)


@router.post(
    "/risk/decisions/{decision_id}/status",
    response=dict,
    summary="Mark an item decided, started, completed or shelved (decided/started need a filed assessment)",
)
def decision_status(request, decision_id: int, payload: StatusIn):
    decision = risk.access_decision(request.user, decision_id)
    try:
        decision = risk.set_status(decision, request.user, payload.status)
    except ActionRefused as error:
        _refused(error)
    return decision_dict(decision, full=True)


@router.post("/risk/measures/{measure_id}/complete", response=dict, summary="Report a measure carried out")
def complete_measure(request, measure_id: int, payload: ResultIn):
    measure = RiskMeasure.objects.filter(
        pk=measure_id, assessment__decision__in=risk.visible_decisions(request.user)
    ).first()
    if measure is None:
        from django.http import Http404

        raise Http404("no such measure")
    try:
        risk.complete_measure(measure, request.user, payload.result)
    except ActionRefused as error:
        _refused(error)
    return decision_dict(measure.assessment.decision, full=True)
