"""The household import opens uploads through fengqiao.web.spreadsheets: a zip bomb or a damaged
sheet is refused with a report naming the file, never a 500, and nothing is written. (The grid app
writes no sheets.)"""

import io
import zipfile

from fengqiao.grid.models import Household
from fengqiao.web.spreadsheets import build_workbook, workbook_bytes
from fengqiao.web.tests.test_spreadsheets import _zip


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


def test_a_zip_bomb_or_a_damaged_sheet_is_refused_naming_the_file(client, grid1):
    before = Household.objects.count()
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\x00" * (2 * 1024 * 1024)})  # 2 MB of zeros in a few kB
    bomb.name = "households.xlsx"
    client.force_login(grid1)
    response = client.post("/grid/households/import/", {"sheet": bomb})
    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入" in html and "<td>文件</td>" in html and "压缩炸弹" in html

    damaged = damaged_workbook(["网格编码", "地址", "姓名", "备注"], [None, None, None, "仅有备注的空行"])
    response = client.post("/grid/households/import/", {"sheet": damaged})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<td>文件</td>" in html and "损坏" in html
    assert Household.objects.count() == before
