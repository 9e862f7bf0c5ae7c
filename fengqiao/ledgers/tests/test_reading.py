"""The fast sheet reader of the bulk import (ledgers.reading, python-calamine) gives the rows that
imports._read (openpyxl) gives, and leaves to openpyxl what it could not read the same."""

import io
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from fengqiao.ledgers import imports, reading
from fengqiao.ledgers.imports import ImportRejected

from .conftest import TOWN1

LAYOUT = imports.LAYOUTS["cases"]
HEADERS = ["事项编号", "事项类别", "事项描述", "发生时间", "区划代码", "申请人", "申请人电话", "登记时间"]


def sheet(rows, at="B3") -> bytes:
    """A workbook whose header is at `at` (blank rows and columns before it), then the rows."""
    book = Workbook()
    ws = book.active
    first_row, first_column = ws[at].row, ws[at].column
    for offset, values in enumerate([HEADERS, *rows]):
        for position, value in enumerate(values):
            if value is not None:
                ws.cell(first_row + offset, first_column + position, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def both(content: bytes):
    def run(read):
        try:
            return read(io.BytesIO(content), LAYOUT, limit=100)
        except ImportRejected as refused:
            return [error.as_dict() for error in refused.errors]

    return run(reading.read), run(imports._read)


def test_cells_of_every_kind_are_read_as_openpyxl_reads_them():
    rows = [
        [
            None,
            "邻里纠纷",
            "院墙滴水",
            datetime(2026, 1, 31, 9, 30),
            TOWN1,
            "王五",
            13800138000,
            date(2025, 3, 1),
        ],
        [None, "", "  楼道堆放杂物 ", "2026-01-31", int(TOWN1), "", "", datetime(2025, 3, 1, 8, 0, 5)],
        [],
        [None, "neighbour", 12.5, time(9, 30), float(TOWN1), "赵六", "138 0013 8000", None],
        ["990102-20260131-0001", None, "说明", None, TOWN1, None, None, ""],
    ]
    content = sheet(rows)
    reading.calamine_rows(io.BytesIO(content))  # read by calamine, not handed to openpyxl
    fast, slow = both(content)
    assert fast == slow
    assert [number for number, _ in fast] == [4, 5, 7, 8]  # sheet row numbers, blank rows skipped


def test_what_calamine_would_read_differently_is_read_by_openpyxl(monkeypatch):
    sub_second = [[None, "邻里纠纷", "院墙滴水", datetime(2026, 1, 31, 9, 30, 0, 250_500), TOWN1]]
    error_cell = [[None, "邻里纠纷", "院墙滴水", "#N/A", TOWN1]]
    for rows in (sub_second, error_cell):
        content = sheet(rows)
        with pytest.raises(reading._NotForCalamine):
            reading.calamine_rows(io.BytesIO(content))
        fast, slow = both(content)
        assert fast == slow


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken", b""])
def test_a_file_that_is_not_a_workbook_is_refused_with_the_same_reason(content):
    fast, slow = both(content)
    assert fast == slow
    assert fast[0]["column"] == "文件"


def test_a_sheet_without_its_header_or_rows_is_refused_with_the_same_reason():
    book = Workbook()
    book.active.append(["标题"])
    out = io.BytesIO()
    book.save(out)
    for content in (out.getvalue(), sheet([])):
        fast, slow = both(content)
        assert fast == slow and fast


def test_the_bulk_import_has_its_own_size_limits_for_both_readers():
    """A bulk ledger may be larger than an ordinary upload: the limits it is read under are the
    ones it is given, by python-calamine and by openpyxl alike (a sheet with sub-second times
    goes to openpyxl)."""
    content = sheet([[None, "邻里纠纷", "院墙滴水", None, TOWN1, "王五", None, None]])
    sub_second = sheet(
        [[None, "邻里纠纷", "院墙滴水", None, TOWN1, "王五", None, datetime(2025, 3, 1, 8, 0, 5, 500000)]]
    )
    for workbook in (content, sub_second):
        small = len(workbook) - 1
        with pytest.raises(ImportRejected) as refused:
            reading.read(io.BytesIO(workbook), LAYOUT, limit=100, max_bytes=small)
        assert "文件过大" in refused.value.errors[0].reason
        with pytest.raises(ImportRejected) as refused:
            reading.read(io.BytesIO(workbook), LAYOUT, limit=100, max_uncompressed=1000)
        assert refused.value.errors[0].reason == "文件解压后过大"
        assert len(reading.read(io.BytesIO(workbook), LAYOUT, limit=100, max_bytes=len(workbook))) == 1


def test_a_bulk_upload_above_the_ordinary_limit_is_read(monkeypatch):
    from fengqiao.ledgers import bulk
    from fengqiao.web import spreadsheets

    assert bulk.BULK_UPLOAD_BYTES > spreadsheets.MAX_UPLOAD_BYTES
    assert bulk.BULK_UNCOMPRESSED_BYTES > spreadsheets.MAX_UNCOMPRESSED_BYTES
    seen = {}
    monkeypatch.setattr(
        bulk, "import_rows", lambda ledger, rows, user, ip=None: seen.setdefault("rows", rows)
    )
    content = sheet([[None, "邻里纠纷", "院墙滴水", None, TOWN1, "王五", None, None]])
    monkeypatch.setattr(bulk, "BULK_UPLOAD_BYTES", len(content) - 1)
    with pytest.raises(ImportRejected):
        bulk.import_ledger_bulk("cases", io.BytesIO(content), user=None)
    monkeypatch.setattr(bulk, "BULK_UPLOAD_BYTES", len(content))
    bulk.import_ledger_bulk("cases", io.BytesIO(content), user=None)
    assert len(seen["rows"]) == 1
