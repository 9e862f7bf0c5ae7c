"""The services' pages: each renders for the roles that use it, the forms write through the
actions, and the roles without need are refused."""

import pytest

from conftest import DEMO_PASSWORD
from fengqiao.notices.models import Notice
from fengqiao.services.models import Consultation, Crisis, Screening

pytestmark = pytest.mark.django_db

PERSON = {"name": "王五", "phone": "13700137000", "id_number": ""}


def login(client, username):
    client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_the_pages_render_for_the_centre(client, users):
    login(client, "county")
    for url, text in [
        ("/services/", "当前值班"),
        ("/services/consultations/", "登记法律咨询"),
        ("/services/legal-aid/", "登记法律援助申请"),
        ("/services/roster/", "安排值班"),
        ("/services/village-advisers/", "空缺"),
        ("/services/psych/", "危机干预"),
        ("/services/screenings/new/phq9/", "有不如死掉或用某种方式伤害自己的念头"),
        ("/services/screenings/new/gad7/", "很难放松下来"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    assert "法律与心理服务" in client.get("/").content.decode()  # in the menu


def test_a_leader_sees_the_overview_but_not_the_files(client, users):
    login(client, "leader")
    assert client.get("/services/").status_code == 200
    assert client.get("/services/village-advisers/").status_code == 200
    for url in ("/services/consultations/", "/services/psych/", "/services/screenings/new/phq9/"):
        assert client.get(url).status_code == 403, url


def test_a_phq9_filled_in_on_the_page_is_scored_and_a_crisis_reaches_the_counsellor(client, users):
    login(client, "town1")
    answers = {f"item_{n}": "2" for n in range(1, 9)} | {"item_9": "1"}
    response = client.post("/services/screenings/new/phq9/", {**PERSON, **answers}, follow=True)
    page = response.content.decode()
    screening = Screening.objects.latest("pk")
    assert screening.score == 17 and screening.band == "moderately_severe"
    assert "17 分" in page and "中重度抑郁" in page and "已启动危机干预" in page
    assert Notice.objects.filter(recipient=users["counsellor1"], kind="crisis").exists()

    login(client, "counsellor1")
    crisis_page = client.get(f"/services/crises/{screening.crisis_id}/").content.decode()
    assert "记录随访" in crisis_page and PERSON["phone"] not in crisis_page
    revealed = client.post(f"/services/crises/{screening.crisis_id}/", {"op": "contact"}).content.decode()
    assert PERSON["phone"] in revealed  # to call now; written to the access log
    follow_up = screening.crisis.follow_ups.first()
    client.post(f"/services/crises/{screening.crisis_id}/", {"follow_up": follow_up.pk, "note": "已上门随访"})
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    client.post(f"/services/crises/{screening.crisis_id}/", {"op": "close", "note": "危机解除"})
    assert Crisis.objects.get(pk=screening.crisis_id).status == "closed"


def test_an_incomplete_questionnaire_is_not_scored(client, users):
    login(client, "county")
    before = Screening.objects.count()
    response = client.post("/services/screenings/new/gad7/", {**PERSON, "item_1": "3"})
    assert response.status_code == 200 and Screening.objects.count() == before


def test_a_consultation_referred_to_legal_aid_leads_to_the_application(client, users):
    login(client, "county")
    response = client.post(
        "/services/consultations/",
        {
            **PERSON,
            "channel": "window",
            "topic": "labour",
            "question": "欠薪",
            "answer": "可申请援助",
            "referral": "legal_aid",
        },
        follow=True,
    )
    consultation = Consultation.objects.latest("pk")
    assert consultation.aid_application is not None
    assert "法律援助申请 #" in response.content.decode()
    url = f"/services/legal-aid/{consultation.aid_application.pk}/"
    client.post(url, {"op": "decide", "grant": "1", "note": ""})
    assert "指派承办律师" in client.get(url).content.decode()


def test_counsellors_record_sessions_and_others_may_not(client, users):
    login(client, "county")
    assert client.get("/services/sessions/new/").status_code == 403
    login(client, "counsellor1")
    response = client.post(
        "/services/sessions/new/",
        {**PERSON, "kind": "individual", "issue": "emotion", "minutes": 50, "notes": "焦虑情绪疏导"},
        follow=True,
    )
    assert "焦虑情绪疏导" in response.content.decode()


def test_the_home_panel_lists_open_crises(client, users):
    login(client, "county")
    client.post("/services/crises/", {**PERSON, "reason": "来访者称要轻生"})
    assert "危机干预 #" in client.get("/").content.decode()
