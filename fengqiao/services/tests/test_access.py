"""Who sees what: session notes only for counsellors, each read logged; psychological records only
for the centre and counsellors; everything scoped to the region (404 outside, as for absent)."""

import pytest

from fengqiao.services.models import NoteAccess

from .conftest import APPLICANT, phq9

pytestmark = pytest.mark.django_db

NOTES = "来访者述及夫妻矛盾与失眠,进行情绪疏导,约定一周后复诊。"


@pytest.fixture
def session(api):
    response = api("counsellor1").post(
        "/services/sessions",
        {"person": APPLICANT, "issue": "family", "notes": NOTES, "region_code": "990102001000"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_only_counsellors_read_session_notes_and_every_read_is_logged(api, users, session):
    path = f"/services/sessions/{session['id']}"
    before = NoteAccess.objects.count()
    seen = api("counsellor1").get(path).json()
    assert seen["notes"] == NOTES
    assert NoteAccess.objects.count() == before + 1
    log = NoteAccess.objects.latest("pk")
    assert (log.user, log.session_id, log.via) == (users["counsellor1"], session["id"], "api")

    for username in ("admin", "county", "town1"):
        response = api(username).get(path)
        assert response.status_code == 200
        assert response.json()["notes"] is None, username
    assert all(NOTES not in str(row) for row in api("county").get("/services/sessions").json())
    assert NoteAccess.objects.count() == before + 1


def test_only_counsellors_record_sessions(api):
    response = api("county").post(
        "/services/sessions", {"person": APPLICANT, "issue": "family", "notes": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["grid1", "mediator1", "police1", "leader"])
def test_roles_without_need_see_no_psychological_record(api, session, username):
    client = api(username)
    for path in ("/services/sessions", "/services/screenings", "/services/crises"):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/services/sessions/{session['id']}").status_code == 404


def test_another_township_sees_nothing_of_township_one(api, session):
    screening = api("town1").post(
        "/services/screenings", {"person": APPLICANT, "instrument": "phq9", "answers": phq9(6)}
    )
    consultation = api("town1").post(
        "/services/consultations",
        {"topic": "labour", "question": "工资被拖欠三个月怎么办", "person": APPLICANT},
    )
    town2 = api("town2")
    for path in (
        f"/services/sessions/{session['id']}",
        f"/services/screenings/{screening.json()['id']}",
        f"/services/consultations/{consultation.json()['id']}",
    ):
        hidden, absent = town2.get(path), town2.get(path.rsplit("/", 1)[0] + "/999999")
        assert hidden.status_code == absent.status_code == 404, path
        assert hidden.json() == absent.json()
    assert all(row["region_code"].startswith("990102002") for row in town2.get("/services/screenings").json())
    assert api("county").get(f"/services/screenings/{screening.json()['id']}").status_code == 200
    # town2 may not file records in township one either
    refused = town2.post(
        "/services/consultations", {"topic": "labour", "question": "x", "region_code": "990102001000"}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "region_code"


def test_personal_data_is_masked_in_the_services(api, session):
    person = api("counsellor1").get(f"/services/sessions/{session['id']}").json()["person"]
    assert person["phone"] != APPLICANT["phone"] and person["phone"].endswith(APPLICANT["phone"][-4:])
    assert APPLICANT["id_number"] not in str(person)


def test_the_session_page_shows_notes_to_counsellors_only_and_logs_the_read(client, users, session):
    from conftest import DEMO_PASSWORD

    url = f"/services/sessions/{session['id']}/"
    client.login(username="county", password=DEMO_PASSWORD)
    page = client.get(url).content.decode()
    assert NOTES not in page and "仅心理咨询师可见" in page
    client.login(username="counsellor1", password=DEMO_PASSWORD)
    before = NoteAccess.objects.count()
    assert NOTES in client.get(url).content.decode()
    assert NoteAccess.objects.filter(via="page").count() >= 1 and NoteAccess.objects.count() == before + 1


def test_a_profile_makes_an_account_a_counsellor(api, session):
    path = f"/services/sessions/{session['id']}"
    assert api("county").get(path).json()["notes"] is None
    assert api("grid1").post("/services/providers", {"kind": "counsellor", "name": "x"}).status_code == 403
    added = api("admin").post(
        "/services/providers",
        {"kind": "counsellor", "name": "县中心咨询师", "username": "county", "region_code": "990102000000"},
    )
    assert added.status_code == 201, added.content
    assert api("county").get(path).json()["notes"] == NOTES
    again = api("admin").post("/services/providers", {"kind": "lawyer", "name": "y", "username": "county"})
    assert again.status_code == 409


def test_lists_take_the_same_number_of_queries_however_many_rows(api, session):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    county, counsellor = api("county"), api("counsellor1")

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert county.get(path).status_code == 200
        return len(queries)

    paths = ["/services/consultations", "/services/sessions", "/services/crises", "/services/legal-aid"]
    count(paths[0])  # the token's first use of the test writes its last-used time
    before = {path: count(path) for path in paths}
    for number in range(3):
        county.post(
            "/services/consultations", {"topic": "labour", "question": f"问题{number}", "person": APPLICANT}
        )
        county.post(
            "/services/legal-aid", {"applicant": APPLICANT, "topic": "labour", "matter": "追索劳动报酬"}
        )
        county.post("/services/crises", {"reason": "测试", "person": APPLICANT})
        counsellor.post("/services/sessions", {"person": APPLICANT, "issue": "family", "notes": "x"})
    assert {path: count(path) for path in paths} == before
