from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fengqiao.cases.sweep import sweep_parallel


class Command(BaseCommand):
    help = "Run the deadline sweep once (escalations, overdue flags). Idempotent; safe in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 time to sweep as of (default: now)")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes sweeping at once, each its share of the cases (PostgreSQL; SQLite uses one)",
        )

    def handle(self, *args, at=None, workers=1, **options):
        when = timezone.now()
        if at:
            try:
                when = datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at: not an ISO-8601 time: {at}") from None
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        if workers < 1:
            raise CommandError("--workers: at least 1")
        result = sweep_parallel(when, workers)
        if options["verbosity"]:
            self.stdout.write(
                f"swept as of {when.isoformat()}: {result.cases} cases, {result.escalated} escalations, "
                f"{result.flagged_overdue} newly overdue"
            )
