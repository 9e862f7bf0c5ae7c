"""`fengqiao serve`: the production server (gunicorn, several worker processes) against DATABASE_URL.
Run `fengqiao migrate` first and the sweep from a scheduler (cron or a systemd timer)."""

import multiprocessing
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) against DATABASE_URL."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)),
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 1)))
        parser.add_argument("--timeout", type=int, default=30)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind, workers, threads, timeout, no_collectstatic, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.base import BaseApplication

        from fengqiao.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("timeout", timeout)
                self.cfg.set("accesslog", os.environ.get("ACCESS_LOG") or None)
                self.cfg.set("proc_name", "fengqiao")
                # Load the application and the triage model once, before forking: workers start at
                # once and share the model's memory, instead of each loading it (seconds of CPU)
                # inside its first request, past gunicorn's timeout on a busy machine.
                self.cfg.set("preload_app", True)

            def load(self):
                from fengqiao.triage.classify import get_model

                get_model()
                connections.close_all()
                return application

        self.stdout.write(f"fengqiao serving on {bind} with {workers} workers")
        # The system checks and collectstatic may have opened a database connection in this process;
        # gunicorn forks its workers from it, and workers sharing one PostgreSQL socket interleave
        # their queries and read each other's answers. Each worker opens its own on first use
        # (and `load` closes any the preloading opened).
        connections.close_all()
        Server().run()
