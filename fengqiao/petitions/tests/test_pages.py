"""The petition procedure on the pages: staff take every step from the case's petition page; the
petitioner follows it on the portal, rates the answer and asks for review there."""

import io

import pytest
from docx import Document

from fengqiao.cases import actions as case_actions
from fengqiao.cases.actions import Intake, PartyInput
from fengqiao.petitions.models import Petition

pytestmark = pytest.mark.django_db
PHONE = "13900139001"


@pytest.fixture
def case(users, grid_point):
    lat, lng, _ = grid_point("990102001")
    made, _ = case_actions.create_case(
        Intake(
            channel="petition_bureau",
            description="反映村里低保评定不公开,要求公开评定名单",
            category="petition",
            lat=lat,
            lng=lng,
            parties=[PartyInput("周六", "applicant", PHONE)],
        ),
        actor=users["county"],
    )
    return made


def _post(client, case, **data):
    response = client.post(f"/cases/{case.number}/petition/", data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _docx(response) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)


def test_staff_take_each_step_on_the_page_and_the_petitioner_rates_and_asks_for_review(users, client, case):
    client.force_login(users["admin"])
    assert "登记信访事项" in client.get(f"/cases/{case.number}/petition/").content.decode()
    assert "已登记信访事项" in _post(client, case, op="register")

    page = _post(client, case, op="decide", accept="1", reason="")
    assert "输入有误(reason)" in page  # the written opinion is required
    page = _post(client, case, op="decide", accept="1", reason="属于本机关职责范围,予以受理")
    assert "已作出受理决定" in page and "信访事项受理告知书" in page
    page = _post(client, case, op="extend", days="45", reason="需要调查")
    assert "输入有误(days)" in page  # at most 30 days
    page = _post(client, case, op="extend", days="20", reason="需要入户核实")
    assert "已延期 20 日" in page
    assert "延期办理(仅一次" not in page  # the form is gone after the one extension
    page = _post(client, case, op="answer", text="经核查,低保评定名单已在村务公开栏公示。")
    assert "信访事项处理意见书" in page
    petition = Petition.objects.get(case=case)
    assert petition.answered_at is not None and petition.extended_days == 20
    document = client.get(f"/cases/{case.number}/petition/answer.docx")
    assert "村务公开栏" in _docx(document)

    # the petitioner, anonymous, on the portal: a wrong phone reveals nothing
    public = client.__class__()
    wrong = public.post("/portal/petitions/", {"op": "lookup", "number": case.number, "phone": "13900139999"})
    assert "未找到相符的信访事项" in wrong.content.decode() and "村务公开栏" not in wrong.content.decode()
    public.post("/portal/petitions/", {"op": "lookup", "number": case.number, "phone": PHONE})
    page = public.get("/portal/petitions/").content.decode()
    assert "村务公开栏" in page and "请求复查" in page
    assert "信访事项处理意见书" in _docx(public.get("/portal/petitions/answer.docx"))
    assert public.get("/portal/petitions/transfer.docx").status_code == 404  # internal letters stay internal
    public.post("/portal/petitions/", {"op": "evaluate", "evaluation": "unsatisfied"})
    public.post(
        "/portal/petitions/", {"op": "request_review", "kind": "review", "reason": "公示名单仍有错误"}
    )
    petition.refresh_from_db()
    assert petition.evaluation == "unsatisfied"
    review = petition.reviews.get()
    assert review.kind == "review" and review.reason == "公示名单仍有错误"
    assert (
        "复核"
        not in dict(
            (k, v)
            for k, v in [("x", public.get("/portal/petitions/").content.decode().split("请求复查、复核")[-1])]
        )["x"]
        .split("提交请求")[0]
        .split("<select")[-1]
    )  # re-review is not offered before the review's answer

    # staff answer the review on the page; the petitioner may then ask for re-review
    page = _post(client, case, op="answer_review", kind="review", outcome="upheld", text="维持原处理意见")
    assert "已作出复查意见" in page
    assert "信访事项复查意见书" in public.get("/portal/petitions/").content.decode()
    public.post("/portal/petitions/", {"op": "request_review", "kind": "re_review", "reason": "仍不服"})
    assert petition.reviews.filter(kind="re_review").exists()


def test_the_page_is_scoped_and_closed_to_citizens(users, client, case):
    client.force_login(users["town2"])
    assert client.get(f"/cases/{case.number}/petition/").status_code == 404
