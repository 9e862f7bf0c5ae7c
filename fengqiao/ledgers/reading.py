"""Reading a large ledger sheet fast: python-calamine (Rust) instead of openpyxl's read-only
parser, about ten times less CPU per row, giving the values openpyxl would give.

The values are made the same as openpyxl's read-only, values-only iteration (what
imports._read uses): an empty cell is None, a date-only cell a datetime at midnight, rows
counted from the sheet's first row (so the row numbers in error reports are the same).

One difference cannot be made up afterwards: openpyxl and calamine round a cell's date serial to
the millisecond differently (openpyxl rounds the fraction of the day, calamine the whole serial),
so a timestamp with a sub-millisecond part may come out 1 ms apart. Since the client id of a row
is derived from its content, a sheet with any date-time that is not a whole second is read with
openpyxl instead (a ledger written by people holds minutes; a whole-second value is the same in
both: its serial is within 10^-3 ms of a whole millisecond, far from where the roundings differ).
Anything python-calamine is not installed for, or cannot open, is also left to openpyxl, which
then accepts or refuses it with its usual reasons.
"""

from __future__ import annotations

import datetime as dt
import zipfile

from fengqiao.web.spreadsheets import SpreadsheetRejected, check_zip

from . import imports
from .imports import ImportLayout, ImportRejected, RowError

try:  # an optional dependency: without it every sheet is read by openpyxl
    from python_calamine import CalamineWorkbook
except ImportError:  # pragma: no cover
    CalamineWorkbook = None


class _NotForCalamine(Exception):
    """This sheet is read by openpyxl instead."""


class _Rows:
    """What imports._read_sheet asks of a worksheet: iter_rows(values_only=True)."""

    def __init__(self, rows):
        self.rows = rows

    def iter_rows(self, values_only: bool = True):
        return iter(self.rows)


def _has_error_cell(member) -> bool:
    tail = b""
    while chunk := member.read(1 << 20):
        data = tail + chunk
        if b't="e"' in data or b"t='e'" in data:
            return True
        tail = data[-8:]
    return False


def _openpyxl_value(value):
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # openpyxl: a number written without a decimal point is an int
    if isinstance(value, dt.datetime):
        if value.microsecond:
            raise _NotForCalamine
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)  # openpyxl: a datetime at midnight
    if isinstance(value, dt.time) and value.microsecond:
        raise _NotForCalamine
    if isinstance(value, dt.timedelta):
        raise _NotForCalamine  # durations: openpyxl's own rounding
    return value


def calamine_rows(file) -> list[tuple]:
    """Every row of the first sheet as openpyxl's read-only values_only iteration gives it.
    Raises _NotForCalamine when that cannot be promised."""
    if CalamineWorkbook is None:
        raise _NotForCalamine
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" not in names:  # an .xlsx, not another format calamine reads
                raise _NotForCalamine
            # An error cell (#N/A, #REF!…): openpyxl gives its text, calamine an empty cell.
            for name in names:
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as member:
                        if _has_error_cell(member):
                            raise _NotForCalamine
        file.seek(0)
        book = CalamineWorkbook.from_filelike(file)
        try:
            sheet = book.get_sheet_by_index(0)
            raw = sheet.to_python(skip_empty_area=False)
        finally:
            book.close()
    except Exception:  # any refusal: openpyxl decides, with the reasons users know
        raise _NotForCalamine from None
    finally:
        file.seek(0)
    convert = _openpyxl_value
    return [tuple(map(convert, values)) for values in raw]


def read(file, layout: ImportLayout, limit: int, **sizes) -> list[tuple[int, dict]]:
    """imports._read, by python-calamine where it gives the same rows, else by openpyxl. `sizes`:
    web.spreadsheets.check_zip's max_bytes / max_uncompressed (the bulk import's own)."""
    try:
        check_zip(file, **sizes)
    except SpreadsheetRejected as refused:
        raise ImportRejected([RowError(0, "文件", refused.reason)]) from None
    try:
        rows = calamine_rows(file)
    except _NotForCalamine:
        return imports._read(file, layout, limit=limit, **sizes)
    return imports._read_sheet(_Rows(rows), layout, limit)
