"""The document of each step of the petition procedure, as Word, generated from the rows."""

from fengqiao import clock as wallclock
from fengqiao.mediation.documents import DOCX_TYPE, _bytes, _docx_document, _heading, _local  # noqa: F401

from .models import Petition, Review

STEPS = {
    "receipt": "信访事项登记回执",
    "acceptance": "信访事项受理告知书",
    "non_acceptance": "信访事项不予受理告知书",
    "transfer": "信访事项转送(交办)函",
    "extension": "信访事项延期办理告知书",
    "answer": "信访事项处理意见书",
    "review": "信访事项复查意见书",
    "re_review": "信访事项复核意见书",
}


def available_steps(petition: Petition) -> list[str]:
    steps = ["receipt"]
    if petition.accepted is True:
        steps.append("acceptance")
    if petition.accepted is False:
        steps.append("non_acceptance")
    if petition.transferred_at:
        steps.append("transfer")
    if petition.extended_days:
        steps.append("extension")
    if petition.answered_at:
        steps.append("answer")
    steps += [review.kind for review in petition.reviews.all() if review.answered_at]
    return steps


def _name(petition: Petition) -> str:
    return petition.petitioner.name if petition.petitioner else "信访人"


def document(petition: Petition, step: str) -> bytes:
    """The step's document; KeyError for a step the petition has not reached."""
    if step not in available_steps(petition):
        raise KeyError(step)
    case = petition.case
    doc = _docx_document()
    _heading(doc, STEPS[step])
    doc.add_paragraph(f"事项编号:{case.number}")
    doc.add_paragraph(f"{_name(petition)}:")
    summary = f"您于{_local(petition.registered_at)}提出的信访事项({case.title})"
    if step == "receipt":
        doc.add_paragraph(f"{summary}已登记。我们将在15日内决定是否受理并书面告知您。")
        if petition.repeat_of_id:
            doc.add_paragraph(f"该事项与您此前的信访事项 {petition.repeat_of.case.number} 相关联。")
    elif step == "acceptance":
        due = case.deadline_at
        doc.add_paragraph(f"{summary},经审查,决定予以受理。{petition.decision_reason}")
        doc.add_paragraph(f"本事项将自受理之日起60日内办结(办理期限:{_local(due)})。")
    elif step == "non_acceptance":
        doc.add_paragraph(f"{summary},经审查,决定不予受理。理由:{petition.decision_reason}")
    elif step == "transfer":
        doc.add_paragraph(
            f"{summary}已于{_local(petition.transferred_at)}转送(交办){petition.transferred_to}办理。"
        )
    elif step == "extension":
        doc.add_paragraph(
            f"{summary}因{petition.extension_reason},办理期限延长{petition.extended_days}日,"
            f"延长后的办理期限为{_local(case.deadline_at)}。"
        )
    elif step == "answer":
        doc.add_paragraph(f"{summary},处理意见如下:")
        doc.add_paragraph(petition.answer)
        doc.add_paragraph("如对本处理意见不服,可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查。")
    else:
        review = petition.reviews.get(kind=step)
        label = Review.Kind(step).label
        doc.add_paragraph(f"您于{_local(review.requested_at)}提出的{label}请求,经{label},意见如下:")
        doc.add_paragraph(f"结论:{review.get_outcome_display()}。{review.answer}")
        if step == "review":
            doc.add_paragraph(
                "如对复查意见不服,可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核。"
            )
        else:
            doc.add_paragraph("本复核意见为终结意见。信访人仍以同一事实和理由提出信访的,不再受理。")
    doc.add_paragraph(_local(wallclock.now()))
    return _bytes(doc)
