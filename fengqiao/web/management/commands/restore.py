from django.core.management.base import BaseCommand, CommandError

from fengqiao.web.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database from a backup file. Stop the web server and the sweep first."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database-url", help="restore into another database than DATABASE_URL")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file, database_url=None, yes=False, **options):
        if (
            not yes
            and input("This replaces everything in the database. Type 'yes' to go on: ").strip() != "yes"
        ):
            raise CommandError("not restored")
        try:
            restore(file, database_url)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored from {file}")
