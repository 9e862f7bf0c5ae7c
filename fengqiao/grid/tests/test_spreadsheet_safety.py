"""The household import opens uploads through fengqiao.web.spreadsheets: a zip bomb is refused with
a report naming the file, never a 500, and nothing is written. (The grid app writes no sheets.)"""

from fengqiao.grid.models import Household
from fengqiao.web.tests.test_spreadsheets import _zip


def test_a_zip_bomb_is_refused_naming_the_file(client, grid1):
    before = Household.objects.count()
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\x00" * (2 * 1024 * 1024)})  # 2 MB of zeros in a few kB
    bomb.name = "households.xlsx"
    client.force_login(grid1)
    response = client.post("/grid/households/import/", {"sheet": bomb})
    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入" in html and "<td>文件</td>" in html and "压缩炸弹" in html
    assert Household.objects.count() == before
