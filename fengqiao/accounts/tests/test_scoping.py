import pytest
from django.http import Http404

from fengqiao.accounts.scoping import access_region, can_see_region, visible_regions
from fengqiao.regions.models import Region

TOWN1 = "990102001000"
TOWN2 = "990102002000"


@pytest.mark.django_db
def test_town1_sees_its_township_and_nothing_of_town2(users):
    visible = set(visible_regions(users["town1"]).values_list("code", flat=True))
    assert TOWN1 in visible
    assert all(code.startswith("990102001") for code in visible)
    assert not any(code.startswith("990102002") for code in visible)
    assert not can_see_region(users["town1"], TOWN2)


@pytest.mark.django_db
def test_county_sees_every_township(users):
    townships = set(visible_regions(users["county"]).filter(kind="township").values_list("code", flat=True))
    assert townships == set(Region.objects.filter(kind="township").values_list("code", flat=True))
    assert len(townships) >= 10


@pytest.mark.django_db
def test_grid_worker_sees_only_their_grid(users):
    grid1 = users["grid1"]
    assert list(visible_regions(grid1).values_list("code", flat=True)) == [grid1.region_id]


@pytest.mark.django_db
def test_forbidden_and_absent_regions_raise_the_same_404(users):
    with pytest.raises(Http404) as forbidden:
        access_region(users["town1"], TOWN2)
    with pytest.raises(Http404) as absent:
        access_region(users["town1"], "990102001999")
    assert str(forbidden.value) == str(absent.value)


@pytest.mark.django_db
def test_user_without_a_region_sees_nothing(users):
    users["county"].region = None
    assert not visible_regions(users["county"]).exists()


@pytest.mark.django_db
def test_town1_cannot_read_town2_through_the_api(api):
    town1 = api("town1")
    forbidden = town1.get(f"/regions/{TOWN2}")
    absent = town1.get("/regions/990102001999")
    assert forbidden.status_code == absent.status_code == 404
    assert forbidden.json() == absent.json()
    assert api("county").get(f"/regions/{TOWN2}").status_code == 200


@pytest.mark.django_db
def test_town1_cannot_open_town2_pages(client):
    client.login(username="town1", password="fengqiao-demo")
    assert client.get(f"/regions/{TOWN2}/").status_code == 404
    assert client.get(f"/regions/{TOWN1}/").status_code == 200
