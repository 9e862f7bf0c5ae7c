"""Fixtures for the portal tests: a submission posted as a citizen would, and staff closing the case."""

import pytest

from fengqiao.cases import actions
from fengqiao.cases.models import Case

PHONE = "13900139000"
TOWNSHIP = "990102001000"
POLICE = "990102-public_security"


@pytest.fixture
def submission():
    def make(**fields):
        data = {
            "description": "小区楼上住户长期深夜装修,噪音扰民,多次沟通无果",
            "region_code": TOWNSHIP,
            "category": "neighbour",
            "applicant_name": "陈女士",
            "applicant_phone": PHONE,
            "client_id": "",
        }
        data.update(fields)
        return data

    return make


@pytest.fixture
def submit(client, submission):
    """submit(**fields) -> the case the portal created (the client follows the redirect)."""

    def post(**fields):
        data = submission(**fields)
        before = set(Case.objects.values_list("pk", flat=True))
        response = client.post("/portal/submit/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return Case.objects.exclude(pk__in=before).get()

    return post


@pytest.fixture
def close_case(users):
    """Staff take the case round the loop to closed."""

    def run(case):
        steps = [
            ("county", "accept", {}),
            ("county", "dispatch", {"units": [POLICE], "note": "请派出所民警王警官上门调处"}),
            ("police1", "start", {}),
            ("police1", "resolve", {"note": "经民警王警官调解,双方约定装修时间"}),
            ("county", "verify", {}),
            ("county", "close", {"satisfaction": 5}),
        ]
        for username, action, params in steps:
            case = actions.take_action(case, users[username], action, **params)
        return case

    return run
