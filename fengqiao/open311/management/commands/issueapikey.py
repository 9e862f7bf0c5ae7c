"""`fengqiao issueapikey NAME REGION_CODE [--channel hotline]`: issue an Open311 API key to a
client system. The key is printed once, alone on stdout; only its digest is stored."""

from django.core.management.base import BaseCommand, CommandError

from fengqiao.cases.codes import Channel
from fengqiao.open311.models import ApiKey
from fengqiao.regions.models import Region


class Command(BaseCommand):
    help = "Issue an Open311 API key for a client system; prints the key once (only its digest is kept)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client system, e.g. 市12345热线平台")
        parser.add_argument("region_code", help="the region subtree it may file into and read")
        parser.add_argument(
            "--channel",
            default=Channel.OPEN311,
            choices=Channel.values,
            help="channel of the cases it files (default: open311; a 12345 hotline: hotline)",
        )

    def handle(self, *args, name, region_code, channel, **options):
        name = name.strip()
        if not name:
            raise CommandError("NAME must not be empty")
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise CommandError(f"no region with code {region_code}")
        raw = ApiKey.issue(name, region, channel=channel)
        self.stdout.write(raw)
        if options["verbosity"]:
            self.stderr.write(
                f"Open311 API key for {name} ({region}, channel {channel}); shown only this once."
            )
