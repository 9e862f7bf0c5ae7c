"""Check-ins and photos from the app: idempotent on the phone's client id; photos checked by
their bytes, size and pixel count; the service worker and manifest served under /grid/."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fengqiao.cases import actions as case_actions
from fengqiao.cases.actions import Intake
from fengqiao.grid.models import Attachment, FieldVisit


def image_bytes(fmt="JPEG", size=(800, 600), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 1 if mode == "1" else (10, 120, 60)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def grid_case(grid1, grid_point):
    lat, lng, _ = grid_point(grid1.region_id[:9], 0)
    case, _ = case_actions.create_case(
        Intake(channel="grid", description="路灯损坏", lat=lat, lng=lng, client_id=uuid.uuid4()), actor=grid1
    )
    return case


def upload(client, headers, case, data, client_id=None, name="p.jpg"):
    return client.post(
        "/api/v1/grid/attachments",
        {
            "client_id": str(client_id or uuid.uuid4()),
            "case_client_id": str(case.client_id),
            "file": SimpleUploadedFile(name, data, content_type="image/jpeg"),
        },
        **headers,
    )


def test_visit_is_idempotent_and_located(api, grid1, grid_point, household):
    lat, lng, code = grid_point(grid1.region_id[:9], 0)
    body = {
        "client_id": str(uuid.uuid4()),
        "kind": "visit",
        "household_id": household.pk,
        "location": {"lat": lat, "lng": lng},
        "notes": "入户走访",
    }
    first = api("grid1").post("/grid/visits", body)
    assert first.status_code == 201, first.content
    assert first.json()["grid_code"] == code
    again = api("grid1").post("/grid/visits", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert FieldVisit.objects.count() == 1


def test_visit_outside_the_region_and_bad_input(api, grid1, grid_point):
    lat, lng, _ = grid_point("990102002", 0)  # another township's grid
    response = api("grid1").post(
        "/grid/visits",
        {"client_id": str(uuid.uuid4()), "kind": "patrol", "location": {"lat": lat, "lng": lng}},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "location", "reason": "outside your region"}]
    response = api("grid1").post("/grid/visits", {"client_id": "not-a-uuid", "kind": "visit"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "client_id"
    # a visit names a household or says whom it saw
    response = api("grid1").post("/grid/visits", {"client_id": str(uuid.uuid4()), "kind": "visit"})
    assert response.status_code == 422
    # a patrol without a position falls back to the worker's own grid
    response = api("grid1").post("/grid/visits", {"client_id": str(uuid.uuid4()), "kind": "patrol"})
    assert response.status_code == 201 and response.json()["grid_code"] == grid1.region_id
    assert FieldVisit.objects.count() == 1


def test_photo_upload_is_idempotent(client, bearer, grid_case):
    headers = bearer("grid1")
    client_id = uuid.uuid4()
    first = upload(client, headers, grid_case, image_bytes(), client_id)
    assert first.status_code == 201, first.content
    assert first.json()["width"] == 800 and first.json()["content_type"] == "image/jpeg"
    assert upload(client, headers, grid_case, image_bytes(), client_id).status_code == 200
    assert Attachment.objects.filter(case=grid_case).count() == 1
    assert Attachment.objects.get().file.read()[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"GIF89a" + b"\0" * 100, 422, "only JPEG, PNG or WebP images"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 422, "only JPEG, PNG or WebP images"),
        (b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), 413, "larger than 2097152 bytes"),
        (b"\x89PNG\r\n\x1a\n" + b"broken", 422, "not a readable image"),
    ],
)
def test_photo_type_and_size_are_checked(client, bearer, grid_case, data, status, reason):
    response = upload(client, bearer("grid1"), grid_case, data)
    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["reason"] == reason
    assert Attachment.objects.count() == 0


def test_decompression_bomb_is_refused(client, bearer, grid_case):
    bomb = image_bytes("PNG", size=(8000, 6000), mode="1")
    assert len(bomb) < 2 * 1024 * 1024
    response = upload(client, bearer("grid1"), grid_case, bomb)
    assert response.status_code == 422 and "pixels" in response.json()["errors"][0]["reason"]


def test_webp_and_png_are_accepted(client, bearer, grid_case):
    for fmt in ("PNG", "WEBP"):
        assert upload(client, bearer("grid1"), grid_case, image_bytes(fmt)).status_code == 201
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == ["image/png", "image/webp"]


def test_photo_for_a_case_not_there_yet_or_not_visible(client, bearer, grid_case):
    class Missing:
        client_id = uuid.uuid4()

    assert upload(client, bearer("grid1"), Missing, image_bytes()).status_code == 404
    assert upload(client, bearer("town2"), grid_case, image_bytes()).status_code == 404


def test_session_needs_csrf(client, grid1, grid_case):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(grid1)
    body = {"client_id": str(uuid.uuid4()), "kind": "patrol"}
    assert browser.post("/api/v1/grid/visits", body, content_type="application/json").status_code in (
        401,
        403,
    )
    token = browser.get("/grid/app/token").json()["csrf_token"]
    response = browser.post(
        "/api/v1/grid/visits", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


def test_tasks(api, grid_case):
    data = api("grid1").get("/grid/tasks").json()
    assert grid_case.number in [task["number"] for task in data["tasks"]]


def test_service_worker_manifest_and_shell(client, grid1):
    assert client.get("/grid/sw.js").status_code == 302  # to the login page, like every page
    assert client.get("/grid/manifest.webmanifest").status_code == 302
    assert client.get("/grid/app/token").status_code == 401
    assert client.get("/grid/app/").status_code == 302
    client.force_login(grid1)
    response = client.get("/grid/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/grid/"
    source = response.content.decode()
    assert '"/grid/app/"' in source and "grid/app.js" in source
    manifest = client.get("/grid/manifest.webmanifest").json()
    assert manifest["start_url"] == "/grid/app/" and manifest["display"] == "standalone"
    html = client.get("/grid/app/").content.decode()
    assert 'rel="manifest"' in html and "保存上报" in html


def test_tasks_list_my_reports_the_centre_refused_with_its_reason(api, users, grid_case):
    case_actions.take_action(grid_case, users["town1"], "reject", note="重复上报,请补充具体位置后再报")
    refused = api("grid1").get("/grid/tasks").json()["refused"]
    assert [(r["number"], r["reason"], r["description"]) for r in refused] == [
        (grid_case.number, "重复上报,请补充具体位置后再报", "路灯损坏")
    ]
    assert api("town1").get("/grid/tasks").json()["refused"] == []  # only the reporter's own
