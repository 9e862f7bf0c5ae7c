import uuid

import pytest

from fengqiao.grid.models import FieldVisit, Household

VALID_ID = "11010519491231002X"


@pytest.fixture
def grid1(users):
    return users["grid1"]


@pytest.fixture
def household(grid1):
    return Household.objects.create(grid_id=grid1.region_id, address="前村12号", building="三组")


@pytest.fixture
def visit(grid1):
    """visit(at, household=None, kind="visit") -> a check-in by grid1 at that moment."""

    def make(at, household=None, kind=FieldVisit.Kind.VISIT, worker=None):
        return FieldVisit.objects.create(
            client_id=uuid.uuid4(),
            kind=kind,
            worker=worker or grid1,
            grid_id=(household.grid_id if household else grid1.region_id),
            household=household,
            occurred_at=at,
        )

    return make


@pytest.fixture
def bearer(client, api):
    """bearer("grid1") -> headers for a Django test client call with that user's API token."""

    def make(username):
        return {"HTTP_AUTHORIZATION": f"Bearer {api(username).token}"}

    return make
