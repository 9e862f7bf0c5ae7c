import sqlite3
import subprocess
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from fengqiao.cases.actions import Intake, create_case
from fengqiao.web.backups import restore


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path, users, settings):
    case, _ = create_case(
        Intake(
            channel="window", description="备份前登记的事项", category="neighbour", region_code="990102001000"
        ),
        actor=users["town1"],
    )
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        file = tmp_path / "backup.sqlite3"
        call_command("backup", "--output", str(file))
        copy = tmp_path / "restored.sqlite3"
        sqlite3.connect(copy).close()
        restore(file, f"sqlite:///{copy}")
        numbers = [row[0] for row in sqlite3.connect(copy).execute("SELECT number FROM cases_case")]
    else:
        file = tmp_path / "backup.dump"
        call_command("backup", "--output", str(file))
        target = f"restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {target}")
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{target}"
        try:
            call_command("restore", str(file), "--database-url", url, "--yes")
            out = subprocess.run(
                ["psql", url, "-At", "-c", "SELECT number FROM cases_case"],
                capture_output=True,
                text=True,
                check=True,
            )
            numbers = out.stdout.split()
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {target}")
    assert case.number in numbers


def test_backup_of_a_missing_database_file_reports_clearly(tmp_path):
    from fengqiao.web.backups import BackupError

    with pytest.raises(BackupError):
        restore(tmp_path / "nope.dump", f"sqlite:///{tmp_path / 'x.sqlite3'}")
