"""The Excel import (per-row errors, nothing half-imported), linkage success rates from known data,
and the API's scoping."""

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit, User
from fengqiao.mediation import actions, stats
from fengqiao.mediation.imports import COLUMNS, ImportRejected, import_mediators
from fengqiao.mediation.models import Mediator, Referral
from fengqiao.notices.models import Notice

pytestmark = pytest.mark.django_db


def _workbook(rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(COLUMNS)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_files_every_row(committee):
    imported = import_mediators(
        _workbook(
            [
                [
                    "周调解",
                    "人民调解员",
                    "一号镇人民调解委员会",
                    "990102001000",
                    "邻里纠纷、neighbour",
                    "是",
                    8,
                    "",
                    "老党员",
                ],
                ["吴心理", "心理咨询师", "", "990102000000", "", "否", "", "", ""],
            ]
        )
    )
    assert [m.name for m in imported] == ["周调解", "吴心理"]
    zhou = Mediator.objects.get(name="周调解")
    assert zhou.body == committee and zhou.specialities == ["neighbour", "neighbour"] and zhou.max_load == 8
    assert Mediator.objects.get(name="吴心理").available is False


def test_one_bad_row_imports_nothing(committee):
    with pytest.raises(ImportRejected) as rejected:
        import_mediators(
            _workbook(
                [
                    ["周调解", "人民调解员", "", "990102001000", "邻里纠纷", "是", 8, "", ""],
                    ["", "木匠", "不存在的委员会", "123", "打架", "也许", 0, "nobody", ""],
                ]
            )
        )
    problems = {(error.row, error.column) for error in rejected.value.errors}
    assert {(3, "姓名"), (3, "类型"), (3, "区划代码"), (3, "擅长类别"), (3, "可接案")} <= problems
    assert {(3, "同时承办上限"), (3, "调解组织"), (3, "平台账号")} <= problems
    assert not Mediator.objects.exists()


def test_import_page_reports_rows(client, users, committee):
    client.force_login(users["admin"])
    bad = _workbook([["周调解", "木匠", "", "990102001000", "", "是", 1, "", ""]])
    bad.name = "m.xlsx"
    response = client.post("/mediation/mediators/import/", {"file": bad})
    assert (
        response.status_code == 200
        and "未导入" in response.content.decode()
        and "未知类型" in response.content.decode()
    )
    client.force_login(users["town1"])
    assert client.get("/mediation/mediators/import/").status_code == 403


def test_linkage_success_rates_from_known_data(users):
    units = {unit.code: unit for unit in Unit.objects.all()}
    court, police, petition = (
        units["990102-court"],
        units["990102001-public_security"],
        units["990102-petition"],
    )
    town1_mediation, town2_mediation = units["990102001-mediation"], units["990102002-mediation"]
    # court → mediation: 4 referred, 3 closed, 2 settled; police → mediation: 2 closed, both settled;
    # petition bureau → mediation in township 2: 1 closed, failed.
    plan = [
        ("court", court, town1_mediation, "settled"),
        ("court", court, town1_mediation, "settled"),
        ("court", court, town1_mediation, "failed"),
        ("court", court, town1_mediation, None),
        ("police", police, town1_mediation, "settled"),
        ("police", police, town1_mediation, "settled"),
        ("petition", petition, town2_mediation, "failed"),
    ]
    for kind, sender, receiver, outcome in plan:
        referral = actions.refer(
            kind=kind, sender=sender, receiver=receiver, summary="移送调解", user=users["county"]
        )
        if outcome:
            actions.close_referral(referral, users["county"], outcome=outcome)
    figures = stats.linkage_stats(Referral.objects.all(), "990102000000")
    assert figures["by_kind"]["court"] == {
        "label": "诉调对接",
        "referred": 4,
        "closed": 3,
        "settled": 2,
        "success_rate": 0.6667,
    }
    assert figures["by_kind"]["police"]["success_rate"] == 1.0
    assert figures["by_kind"]["petition"]["success_rate"] == 0.0
    assert figures["by_kind"]["military"]["success_rate"] is None
    assert figures["by_area"]["990102001000"]["success_rate"] == 0.8  # 4 of 5 closed in township 1
    assert figures["by_area"]["990102002000"]["success_rate"] == 0.0
    assert figures["total"]["success_rate"] == round(4 / 6, 4)


def test_linkage_api_and_page(api, users, client):
    units = {
        unit.code: unit for unit in Unit.objects.filter(code__in=["990102-court", "990102002-mediation"])
    }
    clerk = User.objects.create_user("mediation-clerk", password="x", unit=units["990102002-mediation"])
    referral = actions.refer(
        kind="court",
        sender=units["990102-court"],
        receiver=units["990102002-mediation"],
        summary="诉前调解",
        user=users["county"],
    )
    told = Notice.objects.filter(kind="referral_received", recipient=clerk)
    assert told.count() == 1
    assert told[0].title == "诉调对接:" + units["990102-court"].name + "移送" and told[0].body == "诉前调解"
    actions.close_referral(referral, users["county"], outcome="settled")
    body = api("county").get("/linkage/stats").json()
    assert body["by_kind"]["court"]["success_rate"] == 1.0
    assert api("town1").get("/linkage/stats", region="990102002000").status_code == 404
    assert api("town1").get("/linkage/stats").json()["total"]["referred"] == 0
    response = api("county").post(
        "/referrals",
        {
            "kind": "police",
            "sender": "990102-public_security",
            "receiver": "990102001-mediation",
            "summary": "纠纷类警情",
        },
    )
    assert response.status_code == 201
    assert (
        api("county")
        .post(
            "/referrals",
            {"kind": "police", "sender": "nope", "receiver": "990102001-mediation", "summary": "x"},
        )
        .json()["errors"][0]["field"]
        == "sender"
    )
    client.force_login(users["county"])
    page = client.get("/mediation/linkage/").content.decode()
    assert "诉调对接" in page and "100%" in page


def test_mediation_api_is_scoped(api, make_case, mediators, users):
    case = make_case()
    county = api("county")
    assert {m["name"] for m in county.get(f"/cases/{case.number}/mediation/suitable").json()} == {
        "王调解",
        "赵律师",
    }
    assert api("town2").get(f"/cases/{case.number}/mediation").status_code == 404
    response = county.post(f"/cases/{case.number}/mediation/choice", {"mediator": mediators["wang"].pk})
    assert response.status_code == 201
    assert api("town1").post(f"/cases/{case.number}/mediation/respond", {"accept": True}).status_code == 403
    body = api("mediator1").post(f"/cases/{case.number}/mediation/respond", {"accept": True}).json()
    assert body["mediator"]["name"] == "王调解"
    agreement = api("mediator1").post(
        f"/cases/{case.number}/mediation/agreement",
        {
            "facts": "事实",
            "terms": [],
            "performance": "当面",
            "perform_by": str((wallclock.now() + timedelta(days=2)).date()),
        },
    )
    assert agreement.status_code == 422 and agreement.json()["errors"][0]["field"] == "terms"
    town2_mediators = {m["name"] for m in api("town2").get("/mediators").json()}
    assert "王调解" not in town2_mediators and "赵律师" in town2_mediators
