"""Finding people: homophones and pinyin, ID and phone through the lookup hashes, scoped."""

import pytest

from .helpers import file_entry, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang_wei(users):
    return file_entry(
        users["grid1"], "floating", users["grid1"].region_id, name="张伟", id_number=id_number("19880808"),
        phone="13905718888",
    ).person  # fmt: skip


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_homophone_finds_the_person(api, zhang_wei):
    county = api("county")
    found = county.get("/basedata/people", q="张卫").json()
    assert zhang_wei.pk in [row["id"] for row in found["results"]]
    assert next(r for r in found["results"] if r["id"] == zhang_wei.pk)["matched_by"] == "同音"
    assert zhang_wei.pk in _ids(county.get("/basedata/people", q="zhangwei"))
    assert zhang_wei.pk in _ids(county.get("/basedata/people", q="Zhang Wei"))
    assert zhang_wei.pk not in _ids(county.get("/basedata/people", q="张薇薇"))


def test_by_id_number_and_phone(api, zhang_wei):
    county = api("county")
    assert _ids(county.get("/basedata/people", q=zhang_wei.id_number)) == [zhang_wei.pk]
    assert _ids(county.get("/basedata/people", q=zhang_wei.id_number.lower())) == [zhang_wei.pk]
    assert zhang_wei.pk in _ids(county.get("/basedata/people", q="139 0571 8888"))
    wrong = zhang_wei.id_number[:17] + ("0" if zhang_wei.id_number[17] != "0" else "1")
    response = county.get("/basedata/people", q=wrong)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"


def test_search_is_scoped_and_masked(api, client, users, zhang_wei):
    assert zhang_wei.pk not in _ids(api("town2").get("/basedata/people", q="张伟"))
    row = next(
        r for r in api("town1").get("/basedata/people", q="张伟").json()["results"] if r["id"] == zhang_wei.pk
    )
    assert row["name"] == "张*" and "*" in row["id_number"] and "8888" in row["phone"]
    assert api("town2").get(f"/basedata/people/{zhang_wei.pk}").status_code == 404
    client.force_login(users["county"])
    page = client.get("/basedata/people/", {"q": "张卫"}).content.decode()
    assert f"/basedata/people/{zhang_wei.pk}/" in page and "同音" in page
