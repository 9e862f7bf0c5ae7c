"""The citizen portal without a browser: submission through the case intake path, look-up that
reveals nothing to a wrong phone, progress without staff data, rating, and the rate limits."""

import re

import pytest

from fengqiao.cases.models import Case, FollowUp
from fengqiao.portal.models import Hit, Rating
from fengqiao.portal.ratelimit import purge

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def lookup(client, number, phone, ip="10.0.0.1"):
    return client.post("/portal/track/", {"op": "lookup", "number": number, "phone": phone}, REMOTE_ADDR=ip)


def test_submission_becomes_a_portal_case_with_its_applicant(client, submit):
    case = submit()
    assert case.channel == "portal" and case.status == "reported"
    assert case.region_id.startswith("990102001")
    applicant = case.parties.get(role="applicant").person
    assert applicant.name == "陈女士" and applicant.phone == "+8613900139000"
    page = client.get("/portal/submitted/").content.decode()
    assert case.number in page and "查询办理进度" in page


def test_the_same_form_sent_twice_makes_one_case(client, submission):
    data = submission(client_id="6f1c1f7e-8a53-4a59-9d4e-3c0d61c2b4a1")
    client.post("/portal/submit/", data)
    client.post("/portal/submit/", data)
    assert Case.objects.filter(client_id=data["client_id"]).count() == 1


def test_anonymous_submission_is_accepted_but_cannot_be_followed_online(client, submit):
    case = submit(applicant_name="", applicant_phone="")
    assert not case.parties.exists()
    assert "无法在网上查询进度" in client.get("/portal/submitted/").content.decode()


@pytest.mark.parametrize(
    "fields, field_error",
    [
        ({"description": "  "}, "必填"),
        ({"region_code": ""}, "请选择事项发生的乡镇"),
        ({"applicant_name": ""}, "留下联系方式时请填写姓名"),
        ({"applicant_phone": ""}, "请填写手机号码"),
        ({"applicant_phone": "12345"}, "手机号码不正确"),
        ({"applicant_id_number": "110105194912310021"}, "身份证号码校验位不正确"),
        ({"region_code": "990102999000"}, "所选地点不正确"),
    ],
)
def test_bad_submissions_say_what_is_wrong_and_store_nothing(client, submission, fields, field_error):
    response = client.post("/portal/submit/", submission(**fields))
    assert response.status_code == 422
    assert field_error in response.content.decode()
    assert not Case.objects.filter(channel="portal").exists()


def _page_without_token(response, number="") -> str:
    """The page less its CSRF tokens (new each time) and the number the visitor typed (echoed back)."""
    page = re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())
    return page.replace(number, "NUMBER") if number else page


def test_a_wrong_phone_reveals_nothing(client, submit):
    case = submit()
    wrong_phone = lookup(client, case.number, "13900139001")
    wrong_number = lookup(client, "990102-20000101-0001", PHONE)
    malformed = lookup(client, case.number, "not a phone")
    # The phone of the respondent-to-be or anyone else: the same answer as for a case that does not exist.
    assert wrong_phone.status_code == wrong_number.status_code == malformed.status_code == 404
    pages = [
        _page_without_token(wrong_phone, case.number),
        _page_without_token(wrong_number, "990102-20000101-0001"),
        _page_without_token(malformed, case.number),
    ]
    assert pages[0] == pages[1] == pages[2]
    assert case.title not in _page_without_token(wrong_phone)
    assert "portal_case" not in client.session
    assert client.get("/portal/track/").content.decode().count(case.number) == 0


def test_progress_shows_the_steps_but_no_staff_data(client, submit, close_case):
    case = close_case(submit())
    response = lookup(client, case.number, "139 0013 9000")
    assert response.status_code == 302
    page = client.get("/portal/track/").content.decode()
    assert case.number in page and "已结案" in page
    for step in ("事项已提交", "已受理", "已交承办单位办理", "已办结,待核查", "已核查"):
        assert step in page
    for staff_data in ("王警官", "police1", "county", "派出所", "13900139000", "+8613900139000"):
        assert staff_data not in page


def test_rating_a_closed_case_answers_its_follow_up(client, submit, close_case):
    case = close_case(submit())
    lookup(client, case.number, PHONE)
    assert "提交评价" in client.get("/portal/track/").content.decode()
    response = client.post(
        "/portal/track/", {"op": "rate", "score": "4", "settled": "yes", "comment": "满意"}
    )
    assert response.status_code == 302
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.settled, rating.comment) == (4, True, "满意")
    follow_up = FollowUp.objects.get(case=case)
    assert follow_up.answered_at is not None and follow_up.settled is True
    page = client.get("/portal/track/").content.decode()
    assert "提交评价" not in page and "满意" in page
    client.post("/portal/track/", {"op": "rate", "score": "1", "settled": "no"})
    assert Rating.objects.filter(case=case).count() == 1


def test_not_settled_reopens_the_case(client, submit, close_case):
    case = close_case(submit())
    lookup(client, case.number, PHONE)
    client.post("/portal/track/", {"op": "rate", "score": "2", "settled": "no", "comment": "还在装修"})
    case.refresh_from_db()
    assert case.status == "accepted"
    assert case.timeline.filter(kind="reopen").exists()


def test_an_incomplete_rating_is_refused(client, submit, close_case):
    case = close_case(submit())
    lookup(client, case.number, PHONE)
    response = client.post("/portal/track/", {"op": "rate", "score": "9"})
    assert response.status_code == 422
    assert "请选择满意程度" in response.content.decode() and not Rating.objects.exists()


def test_an_open_case_cannot_be_rated(client, submit):
    case = submit()
    lookup(client, case.number, PHONE)
    assert "提交评价" not in client.get("/portal/track/").content.decode()
    client.post("/portal/track/", {"op": "rate", "score": "5", "settled": "yes"})
    assert not Rating.objects.exists()


def test_lookups_are_rate_limited_per_address_and_per_case_number(client, submit, settings):
    settings.PORTAL_LIMITS = {"lookup": (3, 600), "miss": (2, 3600)}
    case = submit()
    answers = [lookup(client, f"990102-20000101-000{n}", PHONE).status_code for n in range(1, 5)]
    assert answers == [404, 404, 404, 429]
    # Guessing one case's phone from many addresses: stopped after the misses allowed for that number.
    answers = [
        lookup(client, case.number, f"1390013900{n}", ip=f"10.0.1.{n}").status_code for n in range(1, 4)
    ]
    assert answers == [404, 404, 429]
    assert lookup(client, case.number, PHONE, ip="10.0.2.1").status_code == 429


def test_submissions_are_rate_limited(client, submission, settings):
    settings.PORTAL_LIMITS = {"submit": (1, 3600)}
    assert client.post("/portal/submit/", submission()).status_code == 302
    limited = client.post("/portal/submit/", submission(client_id=""))
    assert limited.status_code == 429 and "提交过于频繁" in limited.content.decode()
    assert Case.objects.filter(channel="portal").count() == 1


def test_the_sweep_forgets_old_counters(client, submission):
    import time_machine

    with time_machine.travel("2026-01-01 08:00 +0800"):
        client.post("/portal/submit/", submission())
    assert Hit.objects.exists()
    from fengqiao import clock as wallclock

    assert purge(wallclock.now()) >= 1 and not Hit.objects.exists()


def test_home_links_the_mediator_choice(client):
    page = client.get("/portal/").content.decode()
    for link in ("/portal/submit/", "/portal/track/", "/portal/mediators/", "/portal/petitions/"):
        assert link in page


def test_a_petition_is_rated_on_the_petition_page(client, submit, users):
    from fengqiao.petitions import actions as petitions

    case = submit(category="petition", description="反映村道多年未修,要求政府答复")
    petitions.register(case, users["town1"])
    lookup(client, case.number, PHONE)
    page = client.get("/portal/track/").content.decode()
    assert "/portal/petitions/" in page
    assert case.number in client.get("/portal/petitions/").content.decode()


def test_the_home_panel_shows_the_centre_what_citizens_said(client, submit, close_case):
    from conftest import DEMO_PASSWORD

    case = close_case(submit())
    lookup(client, case.number, PHONE)
    client.post("/portal/track/", {"op": "rate", "score": "1", "settled": "no", "comment": "根本没人来"})
    client.logout()
    client.login(username="county", password=DEMO_PASSWORD)
    page = client.get("/").content.decode()
    assert "群众评价" in page and case.number in page and "根本没人来" in page
    client.login(username="town2", password=DEMO_PASSWORD)
    assert case.number not in client.get("/").content.decode()
