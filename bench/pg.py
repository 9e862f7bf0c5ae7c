"""A throw-away PostgreSQL server for the benchmarks: started in a temporary directory, stopped and
removed at the end.

    .venv/bin/python bench/pg.py            # start one, print its DATABASE_URL, stop on Ctrl-C

    from pg import Postgres
    with Postgres() as pg:
        os.environ["DATABASE_URL"] = pg.url

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user (through
`runuser`), like tools/test.sh. The settings are those of a modest production server, not of a test
server: fsync, full_page_writes and synchronous_commit stay ON, so every committed case costs a real
WAL flush. The tuning is what any production install on this machine would set (SETTINGS below):
256 MB of shared buffers, larger WAL between checkpoints, SSD costs, and pg_stat_statements loaded
so the benchmarks can report time per query.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Tuned but honest: durability stays on (fsync, full_page_writes, synchronous_commit).
SETTINGS = {
    "shared_buffers": "256MB",
    "effective_cache_size": "4GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "max_connections": "200",
    "max_wal_size": "4GB",
    "min_wal_size": "512MB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "wal_buffers": "16MB",
    "random_page_cost": "1.1",
    "effective_io_concurrency": "200",
    "fsync": "on",
    "full_page_writes": "on",
    "synchronous_commit": "on",
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "top",  # statements sent by clients (FK checks fold into their INSERT)
    "pg_stat_statements.max": "5000",
    "track_io_timing": "on",
    "log_min_messages": "warning",
}


def postgres_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")]
    )
    if not found:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    def __init__(self, dbname: str = "fengqiao", settings: dict | None = None, port: int | None = None):
        self.bin = postgres_bin()
        self.dbname = dbname
        self.settings = {**SETTINGS, **(settings or {})}
        self.port = port or free_port()
        self.dir: Path | None = None
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.dbname}"

    @property
    def version(self) -> str:
        out = subprocess.run([self.bin / "postgres", "--version"], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def _run(self, *args, **kwargs):
        return subprocess.run([*self.as_user, *map(str, args)], check=True, **kwargs)

    def start(self) -> str:
        _stop_on_sigterm()
        self.dir = Path(tempfile.mkdtemp(prefix="fengqiao-bench-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self._run(
            self.bin / "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            stdout=subprocess.DEVNULL,
        )
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        self._run(
            self.bin / "pg_ctl",
            "-D",
            data,
            "-w",
            "-l",
            self.dir / "log",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 {options}",
            "start",
            stdout=subprocess.DEVNULL,
        )
        self.sql(f'CREATE DATABASE "{self.dbname}"', dbname="postgres", autocommit=True)
        self.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", autocommit=True)
        return self.url

    def stop(self) -> None:
        if self.dir is None:
            return
        with contextlib.suppress(Exception):
            self._run(
                self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "stop", stdout=subprocess.DEVNULL
            )
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> Postgres:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ helpers
    def connect(self, dbname: str | None = None, autocommit: bool = True):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname or self.dbname,
            autocommit=autocommit,
        )

    def sql(self, query: str, params=None, dbname: str | None = None, autocommit: bool = True) -> list[tuple]:
        with self.connect(dbname, autocommit) as conn, conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def postmaster_pid(self) -> int | None:
        return None if self.dir is None else postmaster_pid_in(self.dir / "data")


def postmaster_pid_in(data: Path) -> int | None:
    """The pid a server's data directory names as its postmaster's (postmaster.pid), or None."""
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so a benchmark's `finally: pg.stop()` runs when it is killed
    (by default SIGTERM ends Python at once and leaves the server running with its directory)."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main() -> None:
    pg = Postgres()
    pg.start()
    print(f"{pg.version} running; DATABASE_URL={pg.url}", flush=True)
    print("Ctrl-C stops and removes it.", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        pg.stop()
        print("stopped and removed", file=sys.stderr)


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    main()
