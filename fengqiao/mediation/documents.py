"""Documents generated from the case data: the mediation agreement (调解协议书) as Word and PDF, and
the application for judicial confirmation (司法确认申请书) as Word. Generated on request, so they
always show the rows as they are; the tests read them back."""

import io
from dataclasses import dataclass

from django.template.loader import render_to_string

from fengqiao.cases.codes import PartyRole
from fengqiao.cases.deadlines import LOCAL

from .models import Agreement, JudicialConfirmation

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Noto Sans CJK SC"


@dataclass
class PartyLine:
    role: str
    name: str
    id_number: str


def _parties(case) -> list[PartyLine]:
    """Names in full (the agreement binds them by name); ID numbers masked, as on every page."""
    return [
        PartyLine(PartyRole(party.role).label, party.person.name, party.person.masked_id_number or "—")
        for party in case.parties.select_related("person").order_by("role", "pk")
    ]


def _local(moment, pattern="%Y年%m月%d日"):
    return moment.astimezone(LOCAL).strftime(pattern) if moment else "____年__月__日"


def agreement_context(agreement: Agreement) -> dict:
    mediation = agreement.mediation
    case = mediation.case
    confirmation = getattr(agreement, "confirmation", None)
    mediator = mediation.mediator
    return {
        "agreement": agreement,
        "case": case,
        "parties": _parties(case),
        "mediator": mediator,
        "body": mediator.body.name if mediator and mediator.body else "人民调解委员会",
        "perform_by": agreement.perform_by.strftime("%Y年%m月%d日"),
        "signed_on": _local(agreement.signed_at),
        "confirmation_due": _local(confirmation.due_at) if confirmation else "协议生效之日起三十日内",
        "font": FONT,
    }


def _docx_document():
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return document


def _heading(document, text):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_heading(text, level=1)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def agreement_docx(agreement: Agreement) -> bytes:
    context = agreement_context(agreement)
    document = _docx_document()
    _heading(document, "人民调解协议书")
    document.add_paragraph(f"编号:{agreement.number}")
    document.add_paragraph(f"事项编号:{context['case'].number}")
    document.add_heading("当事人", level=2)
    for party in context["parties"]:
        document.add_paragraph(f"{party.role}:{party.name}  身份证号:{party.id_number}")
    document.add_heading("纠纷主要事实、争议事项", level=2)
    document.add_paragraph(agreement.facts)
    document.add_heading("经调解,双方自愿达成如下协议", level=2)
    for index, term in enumerate(agreement.terms, start=1):
        document.add_paragraph(f"{index}. {term}")
    document.add_heading("履行方式、时限", level=2)
    document.add_paragraph(f"履行方式:{agreement.performance}")
    document.add_paragraph(f"履行期限:{context['perform_by']}前履行完毕")
    document.add_paragraph(
        "本协议自各方当事人签名、调解员签名并加盖人民调解委员会印章之日起生效。"
        f"当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认(截止:{context['confirmation_due']})。"
        "本协议一式三份,当事人各执一份,人民调解委员会留存一份。"
    )
    document.add_heading("签名", level=2)
    for party in context["parties"]:
        document.add_paragraph(f"{party.role}(签名):{party.name}  ______________")
    mediator = context["mediator"]
    document.add_paragraph(f"调解员(签名):{mediator.name if mediator else ''}  ______________")
    document.add_paragraph(f"{context['body']}(印章)")
    status = f"已签字生效:{context['signed_on']}" if agreement.signed_at else "未签字"
    document.add_paragraph(f"{context['signed_on']}    签署状态:{status}")
    return _bytes(document)


def agreement_pdf(agreement: Agreement) -> bytes:
    from weasyprint import HTML

    html = render_to_string("mediation/agreement_pdf.html", agreement_context(agreement))
    return HTML(string=html).write_pdf()


def confirmation_docx(confirmation: JudicialConfirmation) -> bytes:
    agreement = confirmation.agreement
    context = agreement_context(agreement)
    court = confirmation.court.name if confirmation.court else "______人民法院"
    document = _docx_document()
    _heading(document, "司法确认申请书")
    document.add_heading("申请人", level=2)
    for party in context["parties"]:
        document.add_paragraph(f"{party.name}({party.role})  身份证号:{party.id_number}")
    document.add_heading("请求事项", level=2)
    document.add_paragraph(
        f"请求确认申请人于{context['signed_on']}经{context['body']}主持调解达成的"
        f"《人民调解协议书》(编号{agreement.number})有效。"
    )
    document.add_heading("事实与理由", level=2)
    document.add_paragraph(agreement.facts)
    document.add_paragraph("协议内容:" + ";".join(agreement.terms))
    document.add_paragraph(
        f"申请人依照《中华人民共和国人民调解法》第三十三条,于协议生效之日起三十日内"
        f"(截止:{_local(confirmation.due_at)})共同提出申请。申请人保证协议系自愿达成,"
        "不损害国家利益、社会公共利益和他人合法权益。"
    )
    document.add_paragraph(f"此致\n{court}")
    for party in context["parties"]:
        document.add_paragraph(f"申请人(签名):{party.name}  ______________")
    document.add_paragraph("附:人民调解协议书一份;当事人身份证明;调解员身份证明。")
    return _bytes(document)
