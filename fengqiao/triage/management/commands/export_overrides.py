"""`fengqiao export_overrides [--output FILE.jsonl] [--since DATE]`: staff corrections of the
automatic classification as extra training examples for `fengqiao retrain --extra FILE.jsonl`."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from fengqiao.cases.deadlines import LOCAL
from fengqiao.triage.overrides import export_overrides


class Command(BaseCommand):
    help = (
        "Write staff overrides of the triage classification as JSONL training examples "
        '({"text", "category"} per line) for `fengqiao retrain --extra FILE`.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
        parser.add_argument("--since", help="only overrides made on or after this date (YYYY-MM-DD) or time")

    def handle(self, *args, output, since, **options):
        moment = None
        if since:
            moment = parse_datetime(since)
            if moment is None:
                day = parse_date(since)
                if day is None:
                    raise CommandError("--since: give a date YYYY-MM-DD or an ISO 8601 time")
                moment = datetime.combine(day, time(0), LOCAL)
            elif moment.tzinfo is None:
                moment = moment.replace(tzinfo=LOCAL)
        if output == "-":
            counts = export_overrides(self.stdout, moment)
        else:
            with open(output, "w", encoding="utf-8") as handle:
                counts = export_overrides(handle, moment)
        self.stderr.write(
            f"{counts['written']} examples written; {counts['skipped_in_corpus']} already in the corpus, "
            f"{counts['skipped_invalid']} empty or invalid left out."
        )
