"""Remove a user's two-factor devices (a lost phone when no admin can log in to do it)."""

from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts import twofactor
from fengqiao.accounts.models import User


class Command(BaseCommand):
    help = "Reset a user's two-factor login: their next login needs only the password."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        removed = twofactor.reset(user)
        self.stdout.write(f"{username}: {removed} two-factor device(s) removed")
