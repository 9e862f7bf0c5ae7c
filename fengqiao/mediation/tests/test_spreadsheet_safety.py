"""Mediator and mediation-body sheets go through fengqiao.web.spreadsheets: the templates are built
by build_workbook (numbers stay numbers), and a zip bomb, a file that is not a workbook or a damaged
one is refused with a report naming the file, never a 500, and nothing is written."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from fengqiao.mediation.imports import COLUMNS
from fengqiao.mediation.models import MediationBody, Mediator
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


def test_the_template_keeps_its_columns_and_number_types(client, users):
    client.force_login(users["admin"])
    response = client.get("/mediation/mediators/import/", {"template": "1"})
    assert response.status_code == 200
    header, example = load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    assert list(header) == COLUMNS and example[COLUMNS.index("同时承办上限")] == 10


def test_a_zip_bomb_a_non_workbook_or_a_damaged_sheet_is_refused_naming_the_file(client, users):
    before = (Mediator.objects.count(), MediationBody.objects.count())
    client.force_login(users["admin"])
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\x00" * (2 * 1024 * 1024)})  # 2 MB of zeros in a few kB
    bomb.name = "mediators.xlsx"
    response = client.post("/mediation/mediators/import/", {"file": bomb})
    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入" in html and "<td>文件</td>" in html and "压缩炸弹" in html

    text = io.BytesIO("名称,类型,区划代码\n一号村调委会,人民调解,990102001001\n".encode())
    text.name = "bodies.xlsx"
    response = client.post("/mediation/mediators/import/?what=bodies", {"file": text, "what": "bodies"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<td>文件</td>" in html and "不是有效的 Excel" in html

    damaged = damaged_workbook(COLUMNS, [None] * (len(COLUMNS) - 1) + ["仅有简介的行"])
    response = client.post("/mediation/mediators/import/", {"file": damaged})
    html = response.content.decode()
    assert response.status_code == 200 and "<td>文件</td>" in html and "损坏" in html
    assert (Mediator.objects.count(), MediationBody.objects.count()) == before
