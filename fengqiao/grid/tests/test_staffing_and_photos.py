"""The staffing page (posts per grid, full- and part-time, vacancies), volunteers tied to
households, and photos shown on their case's page and fetched only by those who may see the case."""

import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from fengqiao.cases.actions import Intake, create_case
from fengqiao.grid import actions
from fengqiao.grid.models import GridAssignment, Household, StaffRole
from fengqiao.grid.staffing import staffing_report

pytestmark = pytest.mark.django_db
TOWNSHIP = "990102001000"


def _post(grid, role, name, **fields):
    fields.setdefault("starts_on", timezone.localdate() - timedelta(days=10))
    return GridAssignment.objects.create(grid_id=grid, role=role, name=name, **fields)


def test_staffing_report_counts_posts_and_finds_vacancies(grid1, household):
    grid = grid1.region_id
    _post(grid, StaffRole.CHIEF, "村支书")
    GridAssignment.objects.create(
        grid_id=grid, role=StaffRole.WORKER, user=grid1, starts_on=timezone.localdate() - timedelta(days=5)
    )
    _post(grid, StaffRole.ASSISTANT, "兼职甲")
    _post(grid, StaffRole.ASSISTANT, "离职乙", ends_on=timezone.localdate() - timedelta(days=1))
    volunteer = _post(grid, StaffRole.VOLUNTEER, "志愿者丙")
    report = staffing_report(TOWNSHIP)
    row = next(r for r in report["grids"] if r["grid"].code == grid)
    assert [a.display_name for a in row["part_time"]] == ["兼职甲"]  # the one who left is not counted
    assert "无驻村(社区)民警" in row["vacancies"] and "1 户无联户志愿者" in row["vacancies"]
    assert "无网格长" not in row["vacancies"] and "无专职网格员" not in row["vacancies"]
    other = next(r for r in report["grids"] if r["grid"].code != grid)
    assert "无网格长" in other["vacancies"]
    assert report["totals"]["full_time"] == 1 and report["totals"]["part_time"] == 1

    actions.tie_household(household, volunteer, grid1)
    row = next(r for r in staffing_report(TOWNSHIP)["grids"] if r["grid"].code == grid)
    assert row["volunteers"][0]["households"] == 1 and not any("无联户" in v for v in row["vacancies"])


def test_a_volunteer_looks_after_at_most_fifteen_households(grid1):
    volunteer = _post(grid1.region_id, StaffRole.VOLUNTEER, "志愿者丁")
    households = [Household.objects.create(grid_id=grid1.region_id, address=f"后村{n}号") for n in range(16)]
    for household in households[:15]:
        actions.tie_household(household, volunteer, grid1)
    with pytest.raises(Exception) as refused:
        actions.tie_household(households[15], volunteer, grid1)
    assert "15" in str(refused.value.reason)
    actions.end_post(volunteer, grid1)  # leaving frees the households for someone else
    assert not Household.objects.filter(volunteer=volunteer).exists()


def test_staffing_page_posts_and_ends_and_households_page_ties(client, users, grid1, household):
    grid = grid1.region_id
    client.force_login(users["town1"])
    page = client.post(
        f"/grid/staffing/?region={TOWNSHIP}",
        {
            "op": "assign",
            "grid": grid,
            "role": "volunteer",
            "name": "志愿者戊",
            "households_responsible": "12",
        },
        follow=True,
    ).content.decode()
    assert "已配备" in page and "志愿者戊(0)" in page and "兼职网格员" in page
    volunteer = GridAssignment.objects.get(name="志愿者戊")
    client.force_login(grid1)
    client.post(
        f"/grid/households/?grid={grid}", {"op": "tie", "household": household.pk, "volunteer": volunteer.pk}
    )
    household.refresh_from_db()
    assert household.volunteer == volunteer
    assert (
        client.post(f"/grid/staffing/?region={grid}", {"op": "end", "assignment": volunteer.pk}).status_code
        == 403  # a grid worker sees their grid's staffing but does not post people
    )
    client.force_login(users["town1"])
    client.post(f"/grid/staffing/?region={TOWNSHIP}", {"op": "end", "assignment": volunteer.pk})
    volunteer.refresh_from_db()
    assert volunteer.ends_on is not None
    client.force_login(users["town2"])
    assert client.get(f"/grid/staffing/?region={TOWNSHIP}").status_code == 404


@pytest.fixture
def photo_case(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case, _ = create_case(
        Intake(
            channel="grid",
            description="路边电线杆倾斜,有倒塌危险",
            region_code="990102001001001",
            client_id=uuid.uuid4(),
        ),
        actor=users["grid1"],
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    attachment, _ = actions.store_attachment(uuid.uuid4(), case.client_id, buffer.getvalue(), users["grid1"])
    return case, attachment


def test_photos_on_the_case_page_and_scoped_by_url(client, users, photo_case):
    case, attachment = photo_case
    url = f"/grid/photos/{attachment.client_id}"
    client.force_login(users["town1"])
    case_page = client.get(f"/cases/{case.number}/").content.decode()
    assert f'href="/cases/{case.number}/photos/">现场照片(1)</a>' in case_page
    page = client.get(f"/cases/{case.number}/photos/").content.decode()
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    for outsider in ("town2",):
        client.force_login(users[outsider])  # another township: the same 404 as a photo that is not there
        assert client.get(url).status_code == 404
        assert client.get(f"/grid/photos/{uuid.uuid4()}").status_code == 404
        assert client.get(f"/cases/{case.number}/photos/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
