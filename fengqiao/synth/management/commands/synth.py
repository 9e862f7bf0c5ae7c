import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from fengqiao.synth.load import synthesise


class Command(BaseCommand):
    help = "Build a deterministic synthetic province and load its cases by the database's bulk path."

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=20000)
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--province", default="98", help="two-digit province code (fictitious)")
        parser.add_argument(
            "--drop-indexes",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="PostgreSQL: load with the case table's secondary indexes dropped, rebuild after "
            "(default: only when the case table is empty; never under a live system)",
        )
        parser.add_argument(
            "--ceiling",
            action="store_true",
            help="PostgreSQL: also COPY the same rows into an unindexed copy of the case table and report the ratio",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="PostgreSQL: processes building the next chunks' COPY text while this one loads "
            "(default: one per core but one; 0: build it in this process). The rows are the same.",
        )
        parser.add_argument("--report", help="also write the figures of the load to this JSON file")
        parser.add_argument("--password", help="also create synth-admin and synth-county with this password")

    def handle(
        self,
        *args,
        grids,
        cases,
        years,
        seed,
        province,
        password,
        drop_indexes,
        ceiling,
        workers,
        report,
        **options,
    ):
        result = synthesise(
            province,
            grids,
            cases,
            years,
            seed,
            password,
            self.stdout.write,
            drop_indexes=drop_indexes,
            ceiling=ceiling,
            workers=workers,
        )
        if report:
            Path(report).write_text(json.dumps(result, indent=1))
        self.stdout.write(
            f"{result['cases']} cases over {result['grids']} grids in {result['seconds']:.1f} s "
            f"({result['rate']:,.0f} cases/s, {result['cpu_seconds']:.1f} s CPU in this process, "
            f"{result['worker_cpu_seconds']:.1f} s in its {result['workers']} text workers); "
            f"{result['clocks']} running clocks"
        )
        if result.get("rollup_seconds") is not None:
            self.stdout.write(
                f"statistics rollup filled from the load's own counts in {result['rollup_seconds']:.1f} s"
            )
        if result["copy_seconds"] is not None:
            self.stdout.write(
                f"COPY into the case table (building its text included): {result['copy_seconds']:.1f} s"
            )
        if result["ceiling_seconds"]:
            ceiling = result["cases"] / result["ceiling_seconds"]
            self.stdout.write(
                f"ceiling: raw COPY of the same rows into an unindexed copy: {result['ceiling_seconds']:.1f} s "
                f"({ceiling:,.0f} cases/s); the load ran at {result['rate'] / ceiling:.0%} of it"
            )
        if result.get("index_builds_seconds") is not None:
            cpu = result.get("index_builds_server_cpu_seconds")
            analyze_cpu = result.get("analyze_server_cpu_seconds")
            self.stdout.write(
                f"index builds {result['index_builds_seconds']:.1f} s"
                + (f" ({cpu:.1f} s of server CPU)" if cpu is not None else "")
                + f", ANALYZE {result['analyze_seconds']:.1f} s"
                + (f" ({analyze_cpu:.1f} s of server CPU)" if analyze_cpu is not None else "")
            )
        if result.get("ceiling_indexes_seconds"):
            seconds = result["ceiling_seconds"] + result["ceiling_indexes_seconds"]
            ceiling = result["cases"] / seconds
            self.stdout.write(
                f"ceiling with the indexes: that COPY, then the case table's indexes built on the copy "
                f"the same way in {result['ceiling_indexes_seconds']:.1f} s"
                + (
                    f" ({result['ceiling_indexes_server_cpu_seconds']:.1f} s of server CPU)"
                    if result.get("ceiling_indexes_server_cpu_seconds") is not None
                    else ""
                )
                + f": {seconds:.1f} s "
                f"({ceiling:,.0f} cases/s); the load ran at {result['rate'] / ceiling:.0%} of it"
            )
