"""The pages added around the mediation path: referrals made, signed for and closed on the linkage
page; fulfilment per area; the Excel import of mediation bodies; the availability switch; the
mediator's home panel."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from fengqiao import clock as wallclock
from fengqiao.mediation import actions
from fengqiao.mediation.imports import BODY_COLUMNS
from fengqiao.mediation.models import Mediation, MediationBody, Referral

pytestmark = pytest.mark.django_db
TOWN1_CENTRE = "990102001-centre"
TOWN1_MEDIATION = "990102001-mediation"


def test_referral_is_made_received_and_closed_on_the_page(client, users, make_case):
    case = make_case()
    client.force_login(users["town1"])
    page = client.get("/mediation/linkage/").content.decode()
    assert 'name="sender"' in page and TOWN1_MEDIATION in page
    response = client.post(
        "/mediation/linkage/",
        {
            "op": "refer",
            "kind": "police",
            "sender": "990102-public_security",
            "receiver": TOWN1_MEDIATION,
            "case": case.number,
            "summary": "110 接警:邻里排水纠纷,转人民调解",
        },
        follow=True,
    )
    assert "已移送" in response.content.decode()
    referral = Referral.objects.get(case=case)
    assert (referral.kind, referral.receiver.code, referral.outcome) == ("police", TOWN1_MEDIATION, "pending")
    assert case.timeline.filter(kind="referral").exists()

    # a case outside the user's area cannot be named
    client.force_login(users["town2"])
    refused = client.post(
        "/mediation/linkage/",
        {
            "op": "refer",
            "kind": "police",
            "sender": "990102-public_security",
            "receiver": "990102-mediation",
            "case": case.number,
            "summary": "x",
        },
        follow=True,
    )
    assert "输入有误(case)" in refused.content.decode() and Referral.objects.count() == 1

    # the receiving unit signs for it and closes it; the figures follow
    client.force_login(users["mediator1"])
    client.post("/mediation/linkage/", {"op": "receive", "referral": referral.pk})
    client.post(
        "/mediation/linkage/",
        {"op": "close", "referral": referral.pk, "outcome": "settled", "note": "已调解"},
    )
    referral.refresh_from_db()
    assert referral.received_at is not None and referral.outcome == "settled"
    page = client.get("/mediation/linkage/").content.decode()
    assert "100%" in page

    client.force_login(users["leader"])  # read-only: no form, and a POST is refused
    assert 'name="summary"' not in client.get("/mediation/linkage/").content.decode()


def test_fulfilment_by_area_page(client, users, make_case, mediators, grid_point):
    wang, mediator1 = mediators["wang"], users["mediator1"]
    results = []
    for fulfilment in ("full", "none"):
        case = make_case()
        choice = actions.choose_mediator(case, wang, by="staff", user=users["town1"])
        actions.respond(choice, mediator1, accept=True)
        mediation = Mediation.objects.get(case=case)
        agreement = actions.record_agreement(
            mediation,
            mediator1,
            facts="排水沟纠纷",
            terms=["共同疏通"],
            performance="自行履行",
            perform_by=date.today() + timedelta(days=1),
        )
        actions.sign_agreement(agreement, mediator1)
        visit = mediation.visits.get()
        actions.record_visit(visit, mediator1, fulfilment=fulfilment)
        results.append(case)
    client.force_login(users["county"])
    page = client.get("/mediation/fulfilment/").content.decode()
    row = page.split("990102001000")[1].split("</tr>")[0]  # township 1's row
    assert [cell.split(">")[-1] for cell in row.split("</td>")[:-1]][1:] == [
        "2",
        "2",
        "100%",
        "2",
        "1",
        "50%",
    ]
    assert "逾期未回访" in page
    client.force_login(users["town2"])  # another township sees none of it
    assert "990102001000" not in client.get("/mediation/fulfilment/").content.decode()


def _bodies_workbook(rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(BODY_COLUMNS)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "bodies.xlsx"
    return buffer


def test_import_of_mediation_bodies(client, users):
    client.force_login(users["admin"])
    bad = client.post(
        "/mediation/mediators/import/?what=bodies",
        {
            "what": "bodies",
            "file": _bodies_workbook(
                [
                    ["前村人民调解委员会", "人民调解", "990102001001", "", "村委会"],
                    ["", "未知类型", "123", "no-such-unit", ""],
                ]
            ),
        },
    ).content.decode()
    assert "未导入:共 4 处错误" in bad and "未知区划" in bad and "没有此调解组织机构" in bad
    assert not MediationBody.objects.filter(name="前村人民调解委员会").exists()  # nothing half-imported
    good = client.post(
        "/mediation/mediators/import/?what=bodies",
        {
            "what": "bodies",
            "file": _bodies_workbook(
                [
                    ["前村人民调解委员会", "人民调解", "990102001001", "", "村委会"],
                    ["一号镇人民调解委员会", "peoples", "990102001000", TOWN1_MEDIATION, "镇政府"],
                ]
            ),
        },
        follow=True,
    ).content.decode()
    assert "已导入 2 个调解组织" in good
    assert MediationBody.objects.get(name="一号镇人民调解委员会").unit.code == TOWN1_MEDIATION
    client.force_login(users["town1"])
    assert client.get("/mediation/mediators/import/?what=bodies").status_code == 403


def test_availability_switch_and_the_mediators_home_panel(client, users, make_case, mediators):
    wang = mediators["wang"]
    case = make_case()
    actions.choose_mediator(case, mediators["zhao"], by="staff", user=users["town1"])
    client.force_login(users["mediator1"])
    home = client.get("/").content.decode()
    assert "我的调解" in home and "暂停接案" in home and "王调解" in home

    client.post(f"/mediation/mediators/{wang.pk}/availability/", {"available": "0", "next": "home"})
    wang.refresh_from_db()
    assert not wang.available
    assert wang not in actions.suitable_mediators(make_case())  # nobody is offered a paused mediator
    assert "恢复接案" in client.get("/").content.decode()

    client.force_login(users["grid1"])  # not theirs to switch
    client.post(f"/mediation/mediators/{wang.pk}/availability/", {"available": "1"})
    wang.refresh_from_db()
    assert not wang.available
    client.force_login(users["town1"])  # the centre may
    client.post(f"/mediation/mediators/{wang.pk}/availability/", {"available": "1"})
    wang.refresh_from_db()
    assert wang.available
    assert wallclock.now()


def test_api_for_availability_receipt_and_fulfilment(api, users, mediators, make_case):
    wang = mediators["wang"]
    assert (
        api("mediator1").post(f"/mediators/{wang.pk}/availability", {"available": False}).json()["available"]
        is False
    )
    assert api("grid1").post(f"/mediators/{wang.pk}/availability", {"available": True}).status_code in (
        403,
        404,
    )
    referral = actions.refer(
        kind="court",
        sender=users["county"].unit,
        receiver=users["mediator1"].unit,
        summary="诉前委派调解",
        case=make_case(),
    )
    assert api("mediator1").post(f"/referrals/{referral.pk}/receive", {}).status_code == 200
    assert api("mediator1").post(f"/referrals/{referral.pk}/receive", {}).status_code == 409
    figures = api("county").get("/mediation/fulfilment").json()
    assert figures["region"] == "990102000000" and figures["total"]["cases"] == 0
    assert api("town2").get("/mediation/fulfilment?region=990102001000").status_code == 404
