"""Hostile input against every operation of the OpenAPI document (schemathesis generates valid and
invalid requests from the schema): nothing may answer 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from conftest import DEMO_PASSWORD
from fengqiao.accounts.models import ApiToken, User
from fengqiao.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Called as a WSGI app, Django closes the database connection after each request; inside a
    test that would close the test's transaction (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, users, keep_test_connection):
    return ApiToken.issue(User.objects.get(username="county"), label="schemathesis")


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_fails_on_generated_input(case, token):
    headers = {"Authorization": f"Bearer {token}"}
    if case.path == "/api/v1/auth/token":
        headers = {}
    response = case.call(headers=headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )


def test_the_demo_password_is_not_in_the_schema():
    assert DEMO_PASSWORD not in str(schema.raw_schema)
