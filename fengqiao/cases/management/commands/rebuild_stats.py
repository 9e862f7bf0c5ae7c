"""fengqiao rebuild_stats: recount the statistics rollup from the case and card tables."""

import time

from django.core.management.base import BaseCommand

from fengqiao.cases import rollups


class Command(BaseCommand):
    help = "Recount the statistics rollup (cases.rollups) from the case and card tables; --fold only folds the pending deltas"

    def add_arguments(self, parser):
        parser.add_argument(
            "--fold", action="store_true", help="only fold the pending deltas into the rollup"
        )

    def handle(self, *args, fold=False, **options):
        started = time.perf_counter()
        if fold:
            done = rollups.fold()
            self.stdout.write(f"folded {done} delta rows in {time.perf_counter() - started:.1f} s")
            return
        rollups.rebuild()
        from django.db import connection

        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:  # visibility map set: index-only scans of the rollup
                cursor.execute(f"VACUUM (ANALYZE) {rollups.ROLLUP}")
        self.stdout.write(f"rollup rebuilt in {time.perf_counter() - started:.1f} s")
