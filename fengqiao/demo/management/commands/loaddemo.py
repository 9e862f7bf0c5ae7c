from django.core.management.base import BaseCommand

from fengqiao.demo.accounts import DEFAULT_PASSWORD
from fengqiao.demo.load import load_demo


class Command(BaseCommand):
    help = "Load the demo city, its county, units, accounts and case history into the configured database."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo account")
        parser.add_argument(
            "--no-history", action="store_true", help="only the region, units and accounts, no case history"
        )

    def handle(self, *args, password, no_history, **options):
        load_demo(password=password, stdout=self.stdout, history=not no_history)
