"""Every page and API route, found from the URL configuration and the OpenAPI document (so a new
route cannot escape): anonymous visitors are refused unless the route is listed as public, and a
case, region or object outside a user's region answers 404 exactly like one that does not exist."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import DEMO_PASSWORD
from fengqiao.cases.actions import Intake, create_case

# Pages anyone may open (each is checked to reveal nothing without its own secret).
PUBLIC_PAGES = {
    "login/",
    "logout/",
    "healthz",
    "follow-up/<str:token>/",
    "i18n/setlang/",
}
PUBLIC_PREFIXES = ("open311/", "portal/", "static/", "media/")
PUBLIC_API = {"/api/v1/auth/token", "/api/v1/openapi.json", "/api/v1/docs"}


def walk(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/v1/")):
                continue  # the admin is Django's own; the API is walked from its OpenAPI document
            yield from walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def fill(route, values):
    def value(match):
        kind, name = match.group(1) or "str", match.group(2)
        return str(values.get(name, 1 if kind == "int" else "x"))

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return "/" + path.lstrip("^").rstrip("$")


@pytest.fixture
def town1_case(users):
    case, _ = create_case(
        Intake(
            channel="window",
            description="矩阵测试事项",
            category="village_affairs",
            region_code="990102001000",
        ),
        actor=users["town1"],
    )
    return case


@pytest.mark.django_db
def test_every_page_needs_a_login_unless_public(client, town1_case):
    values = {"number": town1_case.number, "code": "990102001000", "token": uuid.uuid4().hex}
    checked = 0
    for route in walk():
        if route in PUBLIC_PAGES or route.startswith(PUBLIC_PREFIXES):
            continue
        response = client.get(fill(route, values))
        checked += 1
        assert response.status_code in (302, 401, 403, 405), (
            f"{route} answered {response.status_code} to a stranger"
        )
        if response.status_code == 302:
            assert "/login/" in response["Location"], route
    assert checked >= 8


@pytest.mark.django_db
def test_every_case_page_of_another_region_is_404(client, town1_case):
    client.login(username="town2", password=DEMO_PASSWORD)
    for route in walk():
        if "<str:number>" not in route:
            continue
        for method in (client.get, client.post):
            hidden = method(fill(route, {"number": town1_case.number}))
            absent = method(fill(route, {"number": "990102-20000101-0001"}))
            if hidden.status_code == 405:
                continue
            assert hidden.status_code == absent.status_code == 404, route


def openapi_operations(client):
    client.login(username="admin", password=DEMO_PASSWORD)
    document = client.get("/api/v1/openapi.json").json()
    client.logout()
    for path, methods in document["paths"].items():
        for method in methods:
            yield path, method


@pytest.mark.django_db
def test_every_api_operation_needs_authentication_unless_public(client, town1_case):
    values = {"number": town1_case.number, "code": "990102001000"}
    checked = 0
    for path, method in openapi_operations(client):
        if path in PUBLIC_API:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)
        response = (
            getattr(client, method)(url, content_type="application/json")
            if method != "get"
            else client.get(url)
        )
        checked += 1
        assert response.status_code == 401, (
            f"{method.upper()} {path} answered {response.status_code} without a token"
        )
    assert checked >= 6


@pytest.mark.django_db
def test_every_api_operation_on_another_regions_case_is_404(client, api, town1_case):
    town2 = api("town2")
    bodies = {"/api/v1/cases/{number}/actions": {"action": "accept"}}
    for path, method in openapi_operations(client):
        if "{number}" not in path:
            continue

        def call(number, path=path, method=method):
            url = path.replace("{number}", number).removeprefix("/api/v1")
            return town2.get(url) if method == "get" else town2.post(url, bodies.get(path, {}))

        hidden, absent = call(town1_case.number), call("990102-20000101-0001")
        # Either the lookup answers 404, or the input is refused before any lookup; in both cases
        # the answer must be exactly that for a case that does not exist.
        assert hidden.status_code in (404, 422), f"{method.upper()} {path} answered {hidden.status_code}"
        assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json()), path
