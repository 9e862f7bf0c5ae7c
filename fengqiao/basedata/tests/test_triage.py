"""A case whose party is on a special-group register gets that as a risk reason."""

import pytest

from fengqiao.basedata.signals import SPECIAL_GROUP_REASON
from fengqiao.triage import risk

from .helpers import file_entry, id_number

pytestmark = pytest.mark.django_db


def test_the_risk_score_names_a_party_on_a_special_group_register(users):
    person = file_entry(
        users["grid1"], "community_correction", users["grid1"].region_id, name="矫正丙"
    ).person
    other = file_entry(users["grid1"], "rentals", users["grid1"].region_id, title="无关房屋")
    plain = risk.score("邻居因漏水吵架", risk.RiskSignals(party_ids=[]))
    marked = risk.score("邻居因漏水吵架", risk.RiskSignals(party_ids=[person.pk]))
    assert SPECIAL_GROUP_REASON in marked.reasons and SPECIAL_GROUP_REASON not in plain.reasons
    assert marked.score > plain.score
    assert other.person_id is None


def test_a_party_on_a_register_adds_the_reason_at_intake(api, users):
    number = id_number("19700101")
    file_entry(
        users["grid1"], "released_prisoners", users["grid1"].region_id, name="释放丁", id_number=number
    )
    response = api("county").post(
        "/cases",
        {
            "channel": "window",
            "description": "释放丁与邻居因宅基地边界发生争执,双方互不相让",
            "region_code": users["grid1"].region_id,
            "parties": [{"name": "释放丁", "role": "applicant", "id_number": number}],
        },
    )
    assert response.status_code == 201, response.content
    assert SPECIAL_GROUP_REASON in response.json()["risk_reasons"]
