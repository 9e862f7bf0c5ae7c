"""`fengqiao demo`: the embedded default in one process: SQLite, the demo county, the web server
and the deadline scheduler."""

import os
import socket
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from fengqiao.demo.accounts import DEFAULT_PASSWORD, demo_accounts
from fengqiao.demo.load import load_demo

SCHEDULER_SECONDS = 60


class Command(BaseCommand):
    help = "Run the platform on its embedded default (SQLite under ./var or $FENGQIAO_DATA) with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for the LAN)")
        parser.add_argument("--fresh", action="store_true", help="delete the demo database and start over")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo account")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-history", action="store_true", help="do not load the year of demo case history"
        )

    def handle(self, *args, port, host, fresh, password, threads, no_history, **options):
        database = settings.DATABASES["default"]
        if fresh:
            if database["ENGINE"] != "django.db.backends.sqlite3":
                raise CommandError("--fresh only deletes an SQLite database; drop a PostgreSQL one yourself")
            connections.close_all()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        self._check_port_free(host, port)

        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        load_demo(password=password, stdout=self.stdout, history=not no_history)

        scheduler = Scheduler(SCHEDULER_SECONDS, self.stderr)
        scheduler.start()
        self._announce(host, port, password, database)
        from waitress import serve

        from fengqiao.wsgi import application

        try:
            serve(application, host=host, port=port, threads=threads, ident="fengqiao", _quiet=True)
        finally:
            scheduler.stop()

    def _check_port_free(self, host, port):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                raise CommandError(f"port {port} is in use; choose another with --port") from None

    def _announce(self, host, port, password, database):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        lines = [
            "",
            f"Fengqiao is running: http://{shown}:{port}/",
            f"  API docs:  http://{shown}:{port}/api/v1/docs",
            f"  database:  {database['NAME']}",
            f"  password of every account below: {password}",
            "",
            "  username    role              region",
        ]
        for account in demo_accounts():
            lines.append(f"  {account.username:<11} {account.role:<17} {account.region}")
        lines += ["", "Press Ctrl+C to stop.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


class Scheduler:
    """Runs the deadline sweep every `interval` seconds in a background thread."""

    def __init__(self, interval: float, stderr):
        self.interval = interval
        self.stderr = stderr
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fengqiao-scheduler", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                call_command("sweep", verbosity=0)
            except Exception as error:  # keep serving; the next tick retries
                self.stderr.write(f"sweep failed: {error}")
            finally:
                connections.close_all()
