"""A factory of case rows for analysis: analytics only reads cases, so the tests write the rows the
closed loop would have left (thousands of them through the write path would cost minutes), in
places inside the demo county's real grids, at chosen moments."""

import itertools
import random
from datetime import datetime

import pytest
from shapely.geometry import Point, shape

from fengqiao.cases.deadlines import LOCAL

# A Wednesday in June: the week, month and quarter each have days before "now".
NOW = datetime(2026, 6, 17, 15, 0, tzinfo=LOCAL)
COUNTY = "990102000000"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


@pytest.fixture
def now():
    import time_machine

    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def grids(db):
    from fengqiao.regions.codes import subtree_q
    from fengqiao.regions.models import Region

    return list(
        Region.objects.filter(subtree_q("code", COUNTY), kind="grid", polygon__isnull=False).order_by("code")
    )


class Planter:
    def __init__(self, grids):
        self.grids = grids
        self.random = random.Random(8)
        self.sequence = itertools.count(1)
        self.people = {}

    def point_in(self, grid, near=None, metres=None):
        """A random point inside the grid (or within `metres` of `near`, a (lat, lng))."""
        polygon = shape(grid.polygon)
        if near is not None:
            lat, lng = near
            step = metres / 111_000
            return lat + self.random.uniform(-step, step) * 0.7, lng + self.random.uniform(-step, step) * 0.7
        minx, miny, maxx, maxy = polygon.bounds
        while True:
            x, y = self.random.uniform(minx, maxx), self.random.uniform(miny, maxy)
            if polygon.contains(Point(x, y)):
                return y, x

    def person(self, name):
        from fengqiao.people.models import Person

        if name not in self.people:
            self.people[name] = Person.objects.create(name=name)
        return self.people[name]

    def __call__(
        self,
        at,
        *,
        grid=None,
        point=None,
        category="neighbour",
        channel="grid",
        status="reported",
        level="village",
        overdue=False,
        risk=0,
        parties=(),
        resolved_at=None,
    ):
        from fengqiao.cases.models import Case, Party

        grid = grid or self.random.choice(self.grids)
        lat, lng = point or self.point_in(grid)
        number = f"T{next(self.sequence):07d}"
        settled = status in ("resolved", "verified", "closed")
        case = Case.objects.create(
            number=number,
            channel=channel,
            title=f"测试事项{number}",
            description="测试",
            category=category,
            track="mediation",
            level=level,
            status=status,
            region_id=grid.parent_id,
            grid_code=grid.code,
            lat=lat,
            lng=lng,
            reported_at=at,
            overdue=overdue,
            risk=risk,
            resolved_at=resolved_at or (at if settled else None),
        )
        for name in parties:
            Party.objects.create(case=case, person=self.person(name), role="applicant")
        return case


@pytest.fixture
def plant(grids):
    """plant(at, category=..., grid=..., point=(lat, lng), status=..., parties=[names]) -> a case row."""
    return Planter(grids)
