import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db(transaction=True)
def test_serve_forks_its_workers_without_a_database_connection(monkeypatch):
    """gunicorn forks the workers from the process that ran the system checks; an open PostgreSQL
    connection there would be one socket shared by every worker, answering one worker's query to
    another under load."""
    from gunicorn.app.base import BaseApplication

    seen = {}

    def run(app):
        seen["workers"] = app.cfg.workers
        app.load()  # what gunicorn does before forking, with preload_app
        seen["open_connection"] = connection.connection is not None
        seen["preloaded"] = app.cfg.preload_app

    monkeypatch.setattr(BaseApplication, "run", run)
    connection.ensure_connection()
    call_command("serve", "--no-collectstatic", "--workers", "3", "--bind", "127.0.0.1:0")
    assert seen == {"workers": 3, "open_connection": False, "preloaded": True}


def test_serve_loads_the_triage_model_before_forking(monkeypatch):
    """Each worker would otherwise load it inside its first request: seconds of CPU per worker,
    past gunicorn's timeout on a busy machine."""
    from gunicorn.app.base import BaseApplication

    from fengqiao.triage import classify

    monkeypatch.setattr(BaseApplication, "run", lambda app: app.load())
    monkeypatch.setattr(classify, "_model", None)
    call_command("serve", "--no-collectstatic", "--skip-checks", "--bind", "127.0.0.1:0")
    assert classify._model is not None
