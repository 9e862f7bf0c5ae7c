"""Residents are shown masked; unmasking is by role, and every unmasked view is in the access log."""

from fengqiao.grid.models import Household, Resident
from fengqiao.people.actions import find_or_create_person
from fengqiao.people.models import AccessLog

from .conftest import VALID_ID


def make_resident(household):
    person = find_or_create_person("张大爷", phone="13800138000", id_number=VALID_ID)
    return Resident.objects.create(household=household, person=person, relation="户主", tags=["living_alone"])


def test_api_shows_residents_masked(api, grid1, household):
    make_resident(household)
    data = api("grid1").get("/grid/households", grid=grid1.region_id).json()
    [resident] = data["households"][0]["residents"]
    assert resident["name"] == "张**"
    assert resident["id_number"] == "110105********002X"
    assert resident["phone"] == "138****8000"
    assert resident["tag_labels"] == ["独居"]
    assert AccessLog.objects.count() == 0


def test_reveal_is_audited(api, grid1, household):
    resident = make_resident(household)
    response = api("grid1").post(f"/grid/residents/{resident.pk}/reveal")
    assert response.status_code == 200, response.content
    assert response.json()["id_number"] == VALID_ID
    assert response.json()["phone"] == "+8613800138000"
    log = AccessLog.objects.get()
    assert (log.user, log.person, log.object_type, log.object_id) == (
        grid1,
        resident.person,
        "resident",
        str(resident.pk),
    )
    assert log.fields == ["id_number", "phone"]


def test_leader_may_not_unmask_and_nothing_is_logged(api, household):
    resident = make_resident(household)
    assert api("leader").post(f"/grid/residents/{resident.pk}/reveal").status_code == 403
    assert AccessLog.objects.count() == 0


def test_resident_outside_the_region_is_not_found(api, users, household):
    resident = make_resident(household)
    assert api("town2").post(f"/grid/residents/{resident.pk}/reveal").status_code == 404
    assert api("town2").get("/grid/households", grid=household.grid_id).status_code == 404
    assert AccessLog.objects.count() == 0


def test_households_page_masks_then_reveals_with_a_log(client, grid1, household):
    resident = make_resident(household)
    client.force_login(grid1)
    html = client.get("/grid/households/").content.decode()
    assert "110105********002X" in html and VALID_ID not in html
    html = client.post("/grid/households/", {"resident": resident.pk}).content.decode()
    assert VALID_ID in html and "+8613800138000" in html
    assert AccessLog.objects.filter(object_type="resident", purpose="page").count() == 1


def test_household_unique_per_grid_address(household):
    import pytest
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Household.objects.create(grid_id=household.grid_id, address=household.address)
