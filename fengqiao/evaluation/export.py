"""The evaluation table as an Excel workbook (.xlsx): one row per subject, then the totals."""

from openpyxl import Workbook
from openpyxl.styles import Font

from fengqiao.web.spreadsheets import XLSX_TYPE, safe_cell, safe_row, workbook_bytes

XLSX = XLSX_TYPE  # the name the evaluation views and API import

COLUMNS = [
    ("rank", "排名"),
    ("code", "编码"),
    ("name", "名称"),
    ("received", "受理数"),
    ("resolved", "化解数"),
    ("resolution_rate", "化解率"),
    ("on_time_rate", "按期办结率"),
    ("satisfaction", "满意度"),
    ("follow_up_rate", "回访率"),
    ("grassroots_share", "村镇两级化解占比"),
    ("overdue", "超期件数"),
    ("notices", "督办函数"),
    ("checklist_deduction", "清单扣分"),
    ("score", "综合得分"),
]
TITLES = {"township": "乡镇(街道)考核排名", "department": "部门考核排名"}


def evaluation_xlsx(result: dict) -> bytes:
    """The workbook's bytes. Names come from the region and unit registers, which admins type, so
    every cell goes through safe_cell like any other export."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考核排名"
    sheet.append([safe_cell(f"{TITLES[result['kind']]}({result['from']} 至 {result['to']})")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(safe_row(label for _, label in COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in result["rows"]:
        sheet.append(safe_row(row.get(key) for key, _ in COLUMNS))
    totals = result["totals"]
    sheet.append(safe_row(["合计", "", "", *[totals.get(key) for key, _ in COLUMNS[3:12]]]))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJKLMN", [6, 16, 24, 8, 8, 8, 10, 8, 8, 14, 8, 8, 8, 10], strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3, min_col=6, max_col=10):
        for cell in row:
            if isinstance(cell.value, float) and cell.column != 8:
                cell.number_format = "0.0%"
    return workbook_bytes(workbook)
