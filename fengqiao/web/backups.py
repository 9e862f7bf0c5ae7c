"""Backup and restore of the whole database: SQLite's online backup API (consistent while the
server keeps running), pg_dump/pg_restore for PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _database(url: str | None) -> dict:
    return dj_database_url.parse(url) if url else settings.DATABASES["default"]


def _pg_env(database: dict) -> tuple[list[str], dict]:
    args = ["-h", str(database.get("HOST") or "localhost"), "-p", str(database.get("PORT") or 5432)]
    if database.get("USER"):
        args += ["-U", database["USER"]]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client tools")


def backup(target: Path, database_url: str | None = None) -> Path:
    database = _database(database_url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if database["ENGINE"].endswith("sqlite3"):
        source = sqlite3.connect(database["NAME"])
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
        return target
    args, env = _pg_env(database)
    command = [_pg_tool("pg_dump"), *args, "-Fc", "--no-owner", "-f", str(target), database["NAME"]]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip())
    return target


def restore(source: Path, database_url: str | None = None) -> None:
    """Replace the database's content with the backup's. Stop the web server and the sweep first."""
    database = _database(database_url)
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source}: no such file")
    if database["ENGINE"].endswith("sqlite3"):
        connections.close_all()
        backup_db = sqlite3.connect(source)
        try:
            live = sqlite3.connect(database["NAME"])
            with live:
                backup_db.backup(live)
            live.close()
        finally:
            backup_db.close()
        return
    args, env = _pg_env(database)
    command = [
        _pg_tool("pg_restore"),
        *args,
        "--clean",
        "--if-exists",
        "--no-owner",
        "-d",
        database["NAME"],
        str(source),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip())
