"""`fengqiao sweep --workers N`: forked workers, each sweeping its share of the cases, beside
another such sweep; every case escalated exactly once, the other apps' sweepers run once."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection

from fengqiao.cases.models import Case, Clock, TimelineEntry

DAY = timedelta(days=1)
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="workers share the cases by SKIP LOCKED batches: PostgreSQL")
def test_two_sweeps_of_two_workers_each_escalate_every_case_exactly_once(make_case):
    cases = [make_case("town1", region_code="990102001000") for _ in range(40)]
    at = (cases[-1].reported_at + 8 * DAY).isoformat()
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "fengqiao.cli", "sweep", "--at", at, "--workers", "2"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        outputs.append(out.decode())
    ids = [case.pk for case in cases]
    escalated = TimelineEntry.objects.filter(kind="escalate", case__in=ids).values_list("case_id", flat=True)
    assert sorted(escalated) == sorted(ids)
    assert set(Case.objects.filter(pk__in=ids).values_list("level", flat=True)) == {"county"}
    # One running handle clock each, at the new level: nothing escalated twice, nothing left over.
    running = Clock.objects.filter(case__in=ids, stage="handle", outcome="running")
    assert sorted(running.values_list("case_id", flat=True)) == sorted(ids)
    assert all("escalations" in output for output in outputs)
