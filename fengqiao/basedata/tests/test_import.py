"""Excel import per register: good rows all in, any bad row and nothing in, with a per-row report."""

from io import BytesIO

import pytest
from openpyxl import Workbook

from fengqiao.basedata.models import Entry

from .helpers import id_number

pytestmark = pytest.mark.django_db


def _sheet(rows) -> BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "sheet.xlsx"
    return buffer


def _post(client, code, rows):
    return client.post(f"/api/v1/basedata/registers/{code}/import", {"file": _sheet(rows)})


def test_good_rows_are_imported_in_the_village_layout(client, users):
    client.force_login(users["grid1"])
    grid = users["grid1"].region_id
    rows = [
        ["序号", "所属网格", "姓名", "公民身份号码", "手机号码", "现住址", "危险性等级", "诊断", "规律服药"],
        [1, grid, "导入甲", id_number(), "13905710101", "一组5号", "3级", "精神分裂症", "是"],
        [2, int(grid), "导入乙", id_number(), "", "二组8号", 1, "", "否"],
        [None, None, None, None, None, None, None, None, None],
    ]
    response = _post(client, "mental_disorder", rows)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    first = Entry.objects.get(person__name="导入甲")
    assert first.grade == 3 and first.data == {"diagnosis": "精神分裂症", "medicated": True}
    assert first.care_plan.carers.filter(pk=users["grid1"].pk).exists()


def test_one_bad_row_and_nothing_is_imported(client, users):
    client.force_login(users["grid1"])
    grid = users["grid1"].region_id
    twice = id_number()
    rows = [
        ["网格编码", "名称", "地址", "承租人数", "租约截止日期"],
        [grid, "好房子", "一组1号", 3, "2026-12-31"],
        [grid, "", "一组2号", "三个", "明年"],
        ["990102002001", "别人的网格", "二组", 1, ""],
    ]
    before = Entry.objects.count()
    response = _post(client, "rentals", rows)
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert {(3, "名称"), (3, "承租人数"), (3, "租约截止日期"), (4, "网格编码")} <= errors
    assert (2, "名称") not in errors
    assert Entry.objects.count() == before
    people = [
        ["网格编码", "姓名", "身份证号"],
        [grid, "甲", twice],
        [grid, "乙", twice],
        [grid, "丙", "110101199001011234"],
    ]
    response = _post(client, "floating", people)
    reasons = {(e["row"], e["column"]): e["reason"] for e in response.json()["errors"]}
    assert reasons[(3, "身份证号")] == "与第 2 行重复" and (4, "身份证号") in reasons
    assert Entry.objects.count() == before


def test_import_page_reports_rows_and_is_for_writers(client, users):
    client.force_login(users["leader"])
    assert client.get("/basedata/registers/rentals/import/").status_code == 403
    client.force_login(users["grid1"])
    page = client.post(
        "/basedata/registers/rentals/import/", {"sheet": _sheet([["网格编码", "名称"], ["", "无网格"]])}
    ).content.decode()
    assert "未导入" in page and "网格编码" in page and "必填" in page
    template = client.get("/basedata/registers/rentals/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    missing = client.post("/basedata/registers/rentals/import/", {"sheet": _sheet([["姓名"], ["x"]])})
    assert "缺少列" in missing.content.decode()
