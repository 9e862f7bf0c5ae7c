"""Test-wide fixtures: the demo county loaded once per test database, one user per role, API
clients, and Playwright pointed at Debian's Chromium."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "fengqiao-demo"


def pytest_configure(config):
    from django.conf import settings

    # Tests render pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The lock-out needs the request at every authentication; client.login() has none. Its own
    # tests turn it on (fengqiao/accounts/tests/test_lockout.py).
    settings.AXES_ENABLED = False
    # A deliberately slow password hash costs seconds per login across the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo_for_tests():
    """The demo, and the default routing rules (migrations seed them, but a transactional test's
    flush empties every table)."""
    from fengqiao.demo.load import load_demo
    from fengqiao.triage.models import RoutingRule
    from fengqiao.triage.routing import seed_default_rules

    load_demo(password=DEMO_PASSWORD)
    seed_default_rules(RoutingRule)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the demo city, its units and accounts (each test's changes
    are rolled back around it)."""
    with django_db_blocker.unblock():
        load_demo_for_tests()


@pytest.fixture(autouse=True)
def fresh_grid_index():
    """The point-in-grid index and the holiday calendar are cached per process; a test's
    rolled-back changes must not leak into the next test through them."""
    yield
    from fengqiao.regions import locate
    from fengqiao.workdays import calendar

    locate.invalidate()
    calendar.invalidate()


@pytest.fixture
def live_demo(transactional_db, live_server):
    """The live server with the demo data: transactional tests flush the database after each test,
    so the demo is loaded again (it is idempotent)."""
    load_demo_for_tests()
    return live_server


@pytest.fixture
def grid_point():
    """grid_point(township_prefix, n) -> (lat, lng, grid_code) inside the n-th grid of a township."""
    from shapely.geometry import shape

    from fengqiao.regions.models import Region

    def point(township_prefix="990102001", n=0):
        grid = Region.objects.filter(kind="grid", code__startswith=township_prefix).order_by("code")[n]
        inside = shape(grid.polygon).representative_point()
        return inside.y, inside.x, grid.code

    return point


def log_in(page, base_url, username, password=DEMO_PASSWORD):
    """Log in through the login page of a live server, as a person would."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


@pytest.fixture
def users(db):
    from fengqiao.accounts.models import User

    if not User.objects.filter(username="admin").exists():  # flushed by an earlier transactional test
        load_demo_for_tests()
    return {user.username: user for user in User.objects.select_related("region", "unit")}


class ApiClient:
    """A JSON client for /api/v1/ holding a bearer token."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path, data=None, raw=None):
        import json

        body = raw if raw is not None else json.dumps(data)
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", **self._headers())

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", **self._headers())


@pytest.fixture
def api(client, users):
    """api("county") -> an ApiClient logged in as that demo account; api() -> anonymous."""

    def make(username=None):
        anonymous = ApiClient(client)
        if username is None:
            return anonymous
        response = anonymous.post("/auth/token", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.content
        return ApiClient(client, response.json()["token"])

    return make


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}
