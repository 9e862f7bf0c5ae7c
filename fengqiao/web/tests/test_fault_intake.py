"""The short fault run of the suite: the server SIGKILLed and restarted while clients post cases
with client ids; every acknowledged case is stored exactly once, no retry is duplicated.
The long runs (PostgreSQL restarts, the sweep killed mid-run) are bench/faults/intake_faults.py."""

import os
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

sys.path.insert(0, str(settings.BASE_DIR.parent / "bench" / "faults"))

from harness import ROOT, Server, run_load, verify  # noqa: E402


def database_url() -> str:
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_killed_server_loses_and_duplicates_no_acknowledged_case(users):
    from conftest import load_demo_for_tests
    from fengqiao.accounts.models import ApiToken
    from fengqiao.cases.models import Case
    from fengqiao.regions.models import Region

    if not Region.objects.exists():
        load_demo_for_tests()
    token = ApiToken.issue(users["county"], label="fault run")
    codes = list(
        Region.objects.filter(kind="village", code__startswith="990102").values_list("code", flat=True)[:10]
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "FENGQIAO_DATA": str(settings.DATA_DIR),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
        "PYTHONPATH": str(ROOT),
    }
    server = Server(env, workers=2)
    server.start()
    kills = []

    def kill_once(ends):
        time.sleep(2)
        server.kill()
        kills.append(time.time())
        server.start()

    try:
        tally = run_load(lambda: server.url, token, codes, clients=4, duration=5, faults=kill_once, grace=30)
    finally:
        server.stop()
    stored = Case.objects.filter(client_id__in=list(tally.sent)).values_list("client_id", "number")
    result = verify(tally, [(str(client_id), number) for client_id, number in stored])
    assert kills, "the server was killed"
    assert tally.acknowledged and not tally.refused, tally.summary()
    assert result["lost"] == 0, result
    assert result["duplicates"] == 0, result


@pytest.mark.django_db
def test_a_database_outage_is_answered_503_retry_after(api, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    client = api("county")
    monkeypatch.setattr("fengqiao.cases.actions.create_case", down)
    response = client.post(
        "/cases", {"channel": "hotline", "description": "路灯坏了", "region_code": "990102001001"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
