"""Legal services: consultations and their referrals, legal aid through its statutory steps, the
duty roster and the three officials and one lawyer of each village."""

from datetime import timedelta

import pytest

from fengqiao import clock
from fengqiao.cases.sweep import sweep
from fengqiao.notices.models import Notice
from fengqiao.services.models import LegalAidApplication

from .conftest import APPLICANT

pytestmark = pytest.mark.django_db


def test_a_consultation_is_recorded_with_who_asked_the_answer_and_the_lawyer(api):
    response = api("lawyer1").post(
        "/services/consultations",
        {
            "topic": "labour",
            "question": "在工地打工,老板拖欠工资三个月",
            "answer": "可向劳动监察大队投诉,或申请劳动仲裁",
            "person": APPLICANT,
            "referral": "arbitration",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"]["name"] == "张三" and body["person"]["phone"] != APPLICANT["phone"]
    assert body["provider"]["username"] == "lawyer1"  # the lawyer who answered
    assert body["aid_application"] is None
    listed = api("county").get("/services/consultations", topic="labour").json()
    assert body["id"] in [row["id"] for row in listed]


def test_bad_input_names_the_field(api):
    client = api("county")
    bad_id = client.post(
        "/services/consultations",
        {"topic": "labour", "question": "x", "person": {**APPLICANT, "id_number": "110105194912310021"}},
    )
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "person.id_number"
    bad_topic = client.post("/services/consultations", {"topic": "astrology", "question": "x"})
    assert bad_topic.json()["errors"][0]["field"] == "topic"
    assert client.post("/services/consultations", {"topic": "labour", "question": " "}).status_code == 422


def test_referral_to_legal_aid_files_the_application_and_it_runs_its_course(api, users):
    consultation = (
        api("town1")
        .post(
            "/services/consultations",
            {
                "topic": "traffic",
                "question": "交通事故受伤,肇事方拒赔,家里困难",
                "person": APPLICANT,
                "referral": "legal_aid",
            },
        )
        .json()
    )
    application_id = consultation["aid_application"]
    county = api("county")
    application = county.get(f"/services/legal-aid/{application_id}").json()
    assert application["status"] == "submitted"
    assert application["applicant"]["name"] == "张三"
    assert not application["decision_overdue"]

    # A mediator may read the file but not decide; a refusal needs its reason.
    assert (
        api("mediator1").post(f"/services/legal-aid/{application_id}/decision", {"grant": True}).status_code
        == 403
    )
    refusal = county.post(f"/services/legal-aid/{application_id}/decision", {"grant": False})
    assert refusal.json()["errors"][0]["field"] == "note"

    granted = county.post(f"/services/legal-aid/{application_id}/decision", {"grant": True}).json()
    assert granted["status"] == "granted" and granted["assignment_due"] is not None
    assert county.post(f"/services/legal-aid/{application_id}/decision", {"grant": True}).status_code == 409

    lawyer_id = next(
        p["id"] for p in county.get("/services/providers", kind="lawyer").json() if p["username"] == "lawyer1"
    )
    assigned = county.post(
        f"/services/legal-aid/{application_id}/assignment", {"lawyer_id": lawyer_id}
    ).json()
    assert assigned["status"] == "assigned"
    assert Notice.objects.filter(recipient=users["lawyer1"], kind="legal_aid_assigned").exists()

    concluded = api("lawyer1").post(
        f"/services/legal-aid/{application_id}/conclusion", {"outcome": "settled", "note": "达成赔偿协议"}
    )
    assert concluded.status_code == 200 and concluded.json()["status"] == "concluded"


def test_an_application_undecided_after_seven_days_is_shown_overdue(api):
    created = (
        api("county")
        .post("/services/legal-aid", {"applicant": APPLICANT, "topic": "labour", "matter": "追索劳动报酬"})
        .json()
    )
    application = LegalAidApplication.objects.get(pk=created["id"])
    assert application.decision_due - application.applied_at == timedelta(days=7)
    LegalAidApplication.objects.filter(pk=application.pk).update(
        applied_at=clock.now() - timedelta(days=8), decision_due=clock.now() - timedelta(days=1)
    )
    assert api("county").get(f"/services/legal-aid/{application.pk}").json()["decision_overdue"]

    # The sweep tells the county's legal-aid agency (the justice bureau) once.
    sweep(clock.now())
    sweep(clock.now())
    told = Notice.objects.filter(kind="legal_aid_overdue", title__contains=f"#{application.pk}")
    assert {notice.recipient.username for notice in told} == {
        "lawyer1",
        "county",
    }  # bureau staff, who filed it
    assert told.count() == 2


def test_the_lawyer_on_duty_at_the_window_is_known(api):
    on_duty = api("county").get("/services/on-duty").json()
    assert any(shift["provider"]["kind"] == "counsellor" for shift in on_duty)  # the 24-hour line
    week = api("county").get("/services/roster").json()
    assert any(shift["provider"]["kind"] == "lawyer" for shift in week)

    lawyer_id = api("county").get("/services/providers", kind="lawyer").json()[0]["id"]
    start = clock.now() + timedelta(days=1)
    added = api("county").post(
        "/services/roster",
        {
            "provider_id": lawyer_id,
            "place": "一镇公共法律服务站",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=4)).isoformat(),
        },
    )
    assert added.status_code == 201
    backwards = {
        "provider_id": lawyer_id,
        "place": "x",
        "starts_at": start.isoformat(),
        "ends_at": start.isoformat(),
    }
    assert api("county").post("/services/roster", backwards).json()["errors"][0]["field"] == "ends_at"
    assert (
        api("grid1")
        .post("/services/roster", {**backwards, "ends_at": (start + timedelta(hours=1)).isoformat()})
        .status_code
        == 403
    )


def test_each_village_shows_its_three_officials_and_one_lawyer_and_the_gaps(api):
    villages = api("town1").get("/services/village-advisers").json()
    assert villages and all(v["region_code"].startswith("990102001") for v in villages)
    gap = next(v for v in api("county").get("/services/village-advisers").json() if not v["complete"])
    assert gap["posts"]["prosecutor"] is None

    filled = api("county").post(
        "/services/village-advisers",
        {
            "region_code": gap["region_code"],
            "post": "prosecutor",
            "name": "王检",
            "organisation": "县人民检察院",
        },
    )
    assert filled.status_code == 200 and filled.json()["complete"]
    not_a_village = api("county").post(
        "/services/village-advisers", {"region_code": "990102001000", "post": "judge", "name": "x"}
    )
    assert not_a_village.json()["errors"][0]["field"] == "region_code"


def test_the_figures_count_what_was_recorded(api):
    before = api("leader").get("/services/stats").json()
    api("county").post("/services/consultations", {"topic": "labour", "question": "欠薪咨询"})
    after = api("leader").get("/services/stats").json()
    assert after["legal"]["consultations"] == before["legal"]["consultations"] + 1
    assert after["legal"]["villages"] >= after["legal"]["villages_with_all_four"] > 0
    assert api("leader").get("/services/consultations").status_code == 403  # figures, not files
    assert api("town2").get("/services/stats", region="990102001000").status_code == 404


def test_an_adviser_named_after_midnight_in_beijing_serves_from_that_day(api):
    """17:30 UTC on 30 November is 01:30 on 1 December in the county: the day it is there."""
    from datetime import UTC, date, datetime

    from fengqiao.services.models import VillageAdviser

    gap = next(v for v in api("county").get("/services/village-advisers").json() if not v["complete"])
    with clock.at(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)):
        named = api("county").post(
            "/services/village-advisers",
            {"region_code": gap["region_code"], "post": "prosecutor", "name": "王检"},
        )
    assert named.status_code == 200
    adviser = VillageAdviser.objects.get(region__code=gap["region_code"], post="prosecutor")
    assert adviser.since == date(2026, 12, 1)
