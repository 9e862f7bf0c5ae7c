"""The supervision letter as a Word document (.docx), generated on demand from the stored row."""

from io import BytesIO

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from .models import SupervisionNotice

DEMANDS = {
    "reminder": "该事项办理时限即将届满,请抓紧办理,确保按时办结。",
    "supervision": "该事项已超过办理时限,现予督办。请立即办理,并书面回复办理情况。",
    "warning": "该事项超期后仍未办结,现予警示。请单位主要负责人亲自过问,限期办结并书面说明超期原因。",
    "summons": "该事项长期超期未办结,请单位主要负责人按约定时间到综治中心接受约谈,并报告整改措施。",
    "accountability": "该事项经多次督办仍未办结,拟按规定启动责任追究程序。请于回复时限前书面说明情况。",
}


def letter_docx(notice: SupervisionNotice) -> bytes:
    case = notice.case
    document = Document()
    heading = document.add_heading(notice.get_letter_display(), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number = document.add_paragraph(notice.document_number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(f"{notice.unit.name if notice.unit else '承办单位'}:")
    if notice.leader is not None:
        document.add_paragraph(f"抄送责任领导:{notice.leader}")
    document.add_paragraph(
        f"你单位承办的事项 {case.number}「{case.title or case.description[:30]}」"
        f"({case.get_category_display()},{case.get_level_display()}),{notice.reason}。"
    )
    document.add_paragraph(DEMANDS[notice.letter])
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    issued = timezone.localtime(notice.issued_at)
    reply_due = timezone.localtime(notice.reply_due_at)
    for label, value in [
        ("事项编号", case.number),
        ("办理时限", f"{timezone.localtime(case.deadline_at):%Y-%m-%d %H:%M}" if case.deadline_at else "—"),
        ("发函时间", f"{issued:%Y-%m-%d %H:%M}"),
        ("回复时限", f"{reply_due:%Y-%m-%d %H:%M}"),
        ("签收情况", notice.get_state_display()),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    if notice.answer:
        document.add_paragraph(f"回复内容:{notice.answer}")
    signature = document.add_paragraph(f"社会治安综合治理中心\n{issued:%Y年%m月%d日}")
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
