"""Writing a ledger to an .xlsx workbook, streamed row by row (openpyxl's write-only mode), so a
county's year of cases does not have to fit in memory as cell objects."""

from datetime import date, datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from fengqiao.web.spreadsheets import XLSX_TYPE, safe_cell, workbook_bytes

from .layouts import Ledger

__all__ = ["XLSX_TYPE", "filename", "write_ledger"]
HEADER_ROW = 3  # title, scope line, then the header


def _scope_line(user, region_name: str, start: date | None, end: date | None) -> str:
    period = f"{start or '开始'} 至 {end or '今'}" if (start or end) else "全部"
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return f"范围:{region_name}  时间:{period}  导出:{user.username} {made}"


def write_ledger(ledger: Ledger, user, rows, *, region_name: str, start=None, end=None) -> tuple[bytes, int]:
    """The workbook's bytes and the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(ledger.title[:31])
    for index, column in enumerate(ledger.columns, start=1):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width
    sheet.column_dimensions["A"].width = 6
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    title = WriteOnlyCell(sheet, value=safe_cell(f"{region_name}{ledger.title}"))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([safe_cell(_scope_line(user, region_name, start, end))])
    header = []
    for text in ["序号", *ledger.headers]:
        cell = WriteOnlyCell(sheet, value=safe_cell(text))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    number = 0
    for number, row in enumerate(rows.iterator(chunk_size=1000), start=1):
        sheet.append([number, *(_cell(sheet, column.value(row)) for column in ledger.columns)])
    return workbook_bytes(book), number


def _cell(sheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str):
        # Text a citizen typed is never a formula in the office's spreadsheet.
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def filename(ledger: Ledger, region_name: str) -> str:
    return f"{region_name}{ledger.title}-{timezone.localdate():%Y%m%d}.xlsx"
