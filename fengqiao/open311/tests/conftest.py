import pytest

from fengqiao.open311.models import ApiKey

TOWNSHIP_1 = "990102001000"
TOWNSHIP_2 = "990102002000"
COUNTY = "990102000000"


@pytest.fixture
def issue(users):
    """issue("990102001000", channel="hotline") -> a raw key for that region."""

    def make(region_code=TOWNSHIP_1, channel="open311", name="测试系统"):
        return ApiKey.issue(name, region_code, channel=channel)

    return make


class Open311Client:
    def __init__(self, client):
        self.client = client

    def get(self, path, **params):
        return self.client.get(f"/open311/v2/{path}", params)

    def post(self, path="requests.json", **fields):
        return self.client.post(f"/open311/v2/{path}", fields)

    def post_json(self, body, path="requests.json"):
        import json

        return self.client.post(f"/open311/v2/{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def o311(client, users):
    return Open311Client(client)
