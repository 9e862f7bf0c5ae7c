"""`fengqiao retrain [--extra FILE.jsonl] [--output PATH] [--dry-run]`: retrain the triage classifier."""

from django.core.management.base import BaseCommand

from fengqiao.triage import train


class Command(BaseCommand):
    help = (
        "Retrain the triage classifier on the corpus's training split (plus --extra examples), print its "
        "evaluation on the held-out split and the unseen set, and write the model file."
    )

    def add_arguments(self, parser):
        train.add_arguments(parser)

    def handle(self, *args, **options):
        train.run(
            extra=options["extra"], output=options["output"], dry_run=options["dry_run"], stdout=self.stdout
        )
