"""Ledger uploads are opened through fengqiao.web.spreadsheets: a zip bomb, a file that is not a
workbook or a damaged one is refused with a report naming the file, on the page and over the API,
never a 500. (The export's neutraliser is tested in test_export.test_text_is_never_a_formula.)"""

import io
import zipfile

import pytest

from fengqiao.cases.models import Case
from fengqiao.web.spreadsheets import build_workbook, workbook_bytes
from fengqiao.web.tests.test_spreadsheets import _zip

pytestmark = pytest.mark.django_db


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


def zip_bomb() -> io.BytesIO:
    """2 MB of zeros in a few kB, named like a worksheet (the web tests' archive builder)."""
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\x00" * (2 * 1024 * 1024)})
    bomb.name = "台账.xlsx"
    return bomb


def test_a_zip_bomb_a_non_workbook_or_a_damaged_sheet_is_refused_naming_the_file(client, api, users):
    before = Case.objects.count()
    client.force_login(users["county"])
    response = client.post("/ledgers/cases/import/", {"file": zip_bomb()})
    assert response.status_code == 422
    text = response.content.decode()
    assert "文件" in text and "压缩炸弹" in text

    headers = {"HTTP_AUTHORIZATION": f"Bearer {api('county').token}"}
    not_a_workbook = io.BytesIO("事项描述,区划代码\n噪音,990102001000\n".encode())
    not_a_workbook.name = "台账.xlsx"
    response = client.post("/api/v1/ledgers/cases/import", {"file": not_a_workbook}, **headers)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["column"] == "文件" and "Excel" in error["reason"]

    damaged = damaged_workbook(["事项描述", "区划代码", "备注"], [None, None, "仅有备注的空行"])
    response = client.post("/api/v1/ledgers/cases/import", {"file": damaged}, **headers)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["column"] == "文件" and "损坏" in error["reason"]
    assert Case.objects.count() == before
