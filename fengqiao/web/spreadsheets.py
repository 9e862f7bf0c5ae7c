"""Spreadsheets in and out, safely: neutralise formula injection on export, refuse zip bombs
and oversized or corrupt workbooks on import.

Every place that writes a cell a user could have typed (case titles, names, addresses, notes)
passes it through `safe_cell`; every place that reads an uploaded .xlsx opens it with
`open_workbook`, which checks the archive before openpyxl inflates anything.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

# A cell whose text starts with one of these is taken as a formula (or a DDE command) by Excel,
# LibreOffice or WPS when the file is opened or a CSV is imported. The full-width forms are
# included because Chinese input methods type them and some spreadsheet programs accept them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Import limits. A real ledger of a county is a few MB; these are far above that and far below
# what would exhaust the server.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ARCHIVE_MEMBERS = 2000


def safe_cell(value: Any) -> Any:
    """The value to write into a spreadsheet cell: text that a spreadsheet program would run as
    a formula gets a leading apostrophe so it shows as the text typed; everything else
    (numbers, dates, None, ordinary text) is returned unchanged."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """`safe_cell` applied to every value of a row."""
    return [safe_cell(value) for value in values]


def build_workbook(sheets: dict[str, tuple[Sequence[Any], Iterable[Sequence[Any]]]]):
    """An openpyxl Workbook with one sheet per entry {title: (header, rows)}, every cell
    passed through `safe_cell`."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])
        sheet.append(safe_row(header))
        for row in rows:
            sheet.append(safe_row(row))
    return book


def workbook_bytes(book) -> bytes:
    """The .xlsx file of an openpyxl Workbook."""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(book, filename: str):
    """An HttpResponse downloading the workbook as `filename` (UTF-8 names are fine)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(workbook_bytes(book), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class SpreadsheetRejected(ValueError):
    """An uploaded file that is not a workbook we will open; `reason` is Chinese, for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_zip(
    file, *, max_bytes: int = MAX_UPLOAD_BYTES, max_uncompressed: int = MAX_UNCOMPRESSED_BYTES
) -> None:
    """Refuse (SpreadsheetRejected) an upload that is too big, not a zip archive, or a zip
    bomb: too many members, too much uncompressed data, or a member compressed more than
    MAX_COMPRESSION_RATIO to one. Reads only the archive's directory. Also right for .docx."""
    size = _size(file)
    if size > max_bytes:
        raise SpreadsheetRejected(f"文件过大(超过 {max_bytes // (1024 * 1024)} MB)")
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SpreadsheetRejected("不是有效的 Excel(.xlsx)文件") from None
    finally:
        file.seek(0)
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise SpreadsheetRejected("文件结构异常(包含的部件过多)")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO and member.file_size > 1024 * 1024:
            raise SpreadsheetRejected("文件结构异常(压缩比过高,疑似压缩炸弹)")
    if total > max_uncompressed:
        raise SpreadsheetRejected("文件解压后过大")


def open_workbook(file, *, max_bytes: int = MAX_UPLOAD_BYTES, max_uncompressed: int = MAX_UNCOMPRESSED_BYTES):
    """Open an uploaded .xlsx read-only (values, not formulas) after `check_zip`; raise
    SpreadsheetRejected for anything that is not a sound workbook."""
    from openpyxl import load_workbook

    check_zip(file, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
        if not book.worksheets:
            raise ValueError("no worksheet")
        return book
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors…) for a broken file
        raise SpreadsheetRejected("不是有效的 Excel(.xlsx)文件") from None


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return size


def sheet_rows(sheet):
    """The sheet's rows as value tuples. openpyxl parses a read-only sheet as it is iterated, so a
    truncated or corrupt worksheet fails here, after open_workbook: refuse it the same way."""
    rows = sheet.iter_rows(values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # expat, zlib and zipfile errors, whichever the damage causes
            raise SpreadsheetRejected("Excel 文件内容已损坏,无法读取") from None
        yield row
