"""The ledger page and the API: who may export and import, the validation report as a person
sees it, and the API's error envelope with row and column."""

import pytest

from conftest import DEMO_PASSWORD
from fengqiao.cases.models import Case

from .conftest import TOWN1, read_sheet, workbook

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_page_exports_and_imports_with_a_report(client, users):
    client.login(username="town1", password=DEMO_PASSWORD)
    page = client.get("/ledgers/").content.decode()
    for title in ("矛盾纠纷排查化解台账", "人民调解案件登记台账", "信访事项登记台账", "挂账督办台账"):
        assert title in page
    response = client.get("/ledgers/cases/export.xlsx", {"region": TOWN1})
    assert response["Content-Type"] == XLSX and read_sheet(response.content)[2][0] == "序号"
    bad = workbook(["事项描述", "区划代码", "申请人", "申请人电话"], [["噪音扰民", TOWN1, "王五", "123"]])
    response = client.post("/ledgers/cases/import/", {"file": bad})
    assert response.status_code == 422
    text = response.content.decode()
    assert (
        "导入校验报告" in text and "申请人电话" in text and "电话号码不正确" in text and "整表未导入" in text
    )
    good = workbook(["事项描述", "区划代码"], [["噪音扰民", TOWN1]])
    response = client.post("/ledgers/cases/import/", {"file": good})
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    template = client.get("/ledgers/mediations/template.xlsx")
    assert read_sheet(template.content)[0][:2] == ["事项编号", "区划代码"]


@pytest.mark.parametrize(
    "username, export_status, import_status",
    [("leader", 200, 403), ("grid1", 403, 403), ("county", 200, 200)],
)
def test_roles(client, users, username, export_status, import_status):
    client.login(username=username, password=DEMO_PASSWORD)
    assert client.get("/ledgers/cases/export.xlsx").status_code == export_status
    sheet = workbook(["事项描述", "区划代码"], [["噪音扰民", TOWN1]])
    assert client.post("/ledgers/cases/import/", {"file": sheet}).status_code == import_status


def test_api_export_and_import(client, api, users):
    county = api("county")
    response = county.get("/ledgers/cases.xlsx", region=TOWN1, **{"from": "2020-01-01"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert int(response["X-Ledger-Rows"]) == len(read_sheet(response.content)) - 3
    assert county.get("/ledgers/cases.xlsx", region="990103000000").status_code == 404
    assert county.get("/ledgers/nothing.xlsx").status_code == 404
    headers = {"HTTP_AUTHORIZATION": f"Bearer {county.token}"}
    good = workbook(["事项描述", "区划代码"], [["噪音扰民", TOWN1]])
    response = client.post("/api/v1/ledgers/cases/import", {"file": good}, **headers)
    assert response.status_code == 200
    assert Case.objects.filter(number__in=response.json()["created"]).count() == 1
    bad = workbook(["事项描述", "区划代码"], [["", TOWN1], ["噪音", "123"]])
    response = client.post("/api/v1/ledgers/cases/import", {"file": bad}, **headers)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid input"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "事项描述"), (3, "区划代码")]
    assert all(e["field"] and e["reason"] for e in body["errors"])
    leader = {"HTTP_AUTHORIZATION": f"Bearer {api('leader').token}"}
    assert client.post("/api/v1/ledgers/cases/import", {"file": good}, **leader).status_code == 403


def test_api_bulk_import_reads_the_upload_and_reports_bad_rows(client, api, users):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api('county').token}"}
    good = workbook(
        ["事项描述", "区划代码", "登记时间", "办理状态", "结案时间"],
        [["噪音扰民", TOWN1, "2024-05-06 09:30", "已结案", "2024-05-20 10:00"]],
    )
    response = client.post("/api/v1/ledgers/cases/import?bulk=true", {"file": good}, **headers)
    assert response.status_code == 200
    assert Case.objects.get(number__in=response.json()["created"]).status == "closed"
    bad = workbook(["事项描述", "区划代码", "申请人", "申请人电话"], [["噪音", TOWN1, "王五", "123"]])
    response = client.post("/api/v1/ledgers/cases/import?bulk=true", {"file": bad}, **headers)
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "申请人电话")]
