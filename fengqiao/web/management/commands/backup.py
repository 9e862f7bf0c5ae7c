from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fengqiao.web.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup, or pg_dump for PostgreSQL) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: $FENGQIAO_DATA/backups/…)")
        parser.add_argument("--database-url", help="another database than DATABASE_URL")

    def handle(self, *args, output=None, database_url=None, **options):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = Path(output) if output else Path(settings.DATA_DIR) / "backups" / f"fengqiao-{stamp}.backup"
        try:
            written = backup(target, database_url)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"backup written to {written} ({written.stat().st_size} bytes)")
