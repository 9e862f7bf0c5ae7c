"""One file per person: every register entry and every case they are a party to."""

import pytest

from .helpers import file_entry, id_number

pytestmark = pytest.mark.django_db


def test_the_file_lists_registers_and_cases(api, client, users):
    number = id_number("19600606")
    grid = users["grid1"].region_id
    floating = file_entry(users["grid1"], "floating", grid, name="档案戊", id_number=number)
    file_entry(users["grid1"], "drug_users", grid, name="档案戊", id_number=number)
    case = (
        api("county")
        .post(
            "/cases",
            {
                "channel": "window",
                "description": "档案戊反映邻居占用通道",
                "region_code": grid,
                "parties": [{"name": "档案戊", "role": "applicant", "id_number": number}],
            },
        )
        .json()
    )
    person = floating.person
    county = api("county").get(f"/basedata/people/{person.pk}").json()
    assert {e["register"] for e in county["entries"]} == {"floating", "drug_users"}
    assert [c["number"] for c in county["cases"]] == [case["number"]]
    mediator = api("mediator1").get(f"/basedata/people/{person.pk}").json()
    assert sorted(e["register"] or "" for e in mediator["entries"]) == ["", "floating"]
    client.force_login(users["county"])
    page = client.get(f"/basedata/people/{person.pk}/").content.decode()
    assert "流动人口" in page and "吸毒人员" in page and case["number"] in page
