"""Apply the retention settings now: anonymise expired personal data, purge expired logs."""

from django.core.management.base import BaseCommand

from fengqiao.people import retention


class Command(BaseCommand):
    help = "Anonymise personal data and purge logs older than the RETENTION_* settings (audited)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")

    def handle(self, dry_run=False, **options):
        done = retention.run(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        for rule in retention.RULES:
            days = rule.days()
            if days:
                self.stdout.write(
                    f"{rule.name}: {done[rule.name]} {verb} anonymised or purged (older than {days} days)"
                )
            else:
                self.stdout.write(f"{rule.name}: kept for ever ({rule.setting}=0)")
