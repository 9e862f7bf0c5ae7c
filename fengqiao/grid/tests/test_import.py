"""Excel import of households and residents: every row checked, all or nothing."""

import io

from openpyxl import Workbook

from fengqiao.grid.imports import import_households
from fengqiao.grid.models import Household, Resident
from fengqiao.people.models import Person

from .conftest import VALID_ID

HEADER = ["网格编码", "地址", "楼栋", "姓名", "身份证号", "联系电话", "与户主关系", "标签"]
OTHER_ID = "110105194912310029"  # not valid: wrong check digit


def sheet(rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "households.xlsx"
    return buffer


def test_good_rows_are_imported_as_households_and_people(grid1):
    grid = grid1.region_id
    result = import_households(
        sheet(
            [
                [grid, "前村1号", "一组", "张大爷", VALID_ID, "13800138000", "户主", "独居、高龄老人"],
                [grid, "前村1号", "一组", "张小妹", "", "", "孙女", "留守儿童"],
                [grid, "前村2号", "一组", "李四", "", "0571-86001234", "户主", ""],
            ]
        ),
        grid1,
    )
    assert result.ok, result.errors
    assert (result.households, result.residents) == (2, 3)
    home = Household.objects.get(grid_id=grid, address="前村1号")
    elder = Resident.objects.get(household=home, person__name="张大爷")
    assert elder.tags == ["living_alone", "elderly"]
    person = elder.person
    assert person.id_number == VALID_ID and person.phone == "+8613800138000"
    assert VALID_ID not in person.id_number_encrypted  # stored encrypted only
    # importing the same sheet again adds nobody
    again = import_households(
        sheet([[grid, "前村1号", "一组", "张大爷", VALID_ID, "", "户主", "独居"]]), grid1
    )
    assert again.ok and again.households == 0
    assert Person.objects.filter(name="张大爷").count() == 1
    assert Resident.objects.get(pk=elder.pk).tags == ["living_alone"]


def test_any_bad_row_imports_nothing_and_says_where(grid1, users):
    grid = grid1.region_id
    other_grid = "990102002001001"  # a grid outside grid1's region (or no grid at all)
    people, households = Person.objects.count(), Household.objects.count()
    result = import_households(
        sheet(
            [
                [grid, "前村1号", "", "张大爷", VALID_ID, "13800138000", "户主", "独居"],  # good
                [grid, "前村3号", "", "王五", OTHER_ID, "", "", ""],
                [grid, "前村4号", "", "赵六", "", "12345", "", ""],
                [other_grid, "后村1号", "", "钱七", "", "", "", ""],
                [grid, "", "", "", "", "", "", "外星人"],
                [grid, "前村5号", "", "孙八", VALID_ID, "", "", ""],
            ]
        ),
        grid1,
    )
    assert not result.ok
    found = {(e.row, e.column): e.reason for e in result.errors}
    assert found[(3, "身份证号")] == "身份证号校验位错误"
    assert (4, "联系电话") in found
    assert found[(5, "网格编码")] == "不是您辖区内的网格"
    assert found[(6, "地址")] == "必填" and found[(6, "姓名")] == "必填"
    assert "外星人" in found[(6, "标签")]
    assert found[(7, "身份证号")] == "与第 2 行重复"
    assert not any(e.row == 2 for e in result.errors)
    assert (Person.objects.count(), Household.objects.count()) == (people, households)


def test_a_missing_column_and_a_file_that_is_not_excel(grid1):
    book = Workbook()
    book.active.append(["姓名", "地址"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    [error] = import_households(buffer, grid1).errors
    assert error.row == 1 and "网格编码" in error.reason
    [error] = import_households(io.BytesIO(b"name,address\n"), grid1).errors
    assert "Excel" in error.reason


def test_import_page_shows_the_error_report(client, grid1):
    client.force_login(grid1)
    upload = sheet([[grid1.region_id, "前村3号", "", "王五", OTHER_ID, "", "", ""]])
    response = client.post("/grid/households/import/", {"sheet": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入" in html and "身份证号校验位错误" in html
    good = sheet([[grid1.region_id, "前村3号", "", "王五", "", "", "", ""]])
    response = client.post("/grid/households/import/", {"sheet": good}, follow=True)
    assert "已导入 1 户新户、1 名居民" in response.content.decode()
    assert Household.objects.filter(address="前村3号").exists()
