import json

from django.core.management.base import BaseCommand, CommandError

from fengqiao.regions import codes
from fengqiao.regions.geojson import export_tree
from fengqiao.regions.models import Region


class Command(BaseCommand):
    help = "Write a region and its whole subtree as a GeoJSON FeatureCollection."

    def add_arguments(self, parser):
        parser.add_argument("code", help="code of the region at the top of the exported tree")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--indent", type=int, default=None, help="indent the JSON by this many spaces")

    def handle(self, *args, code, output, indent, **options):
        try:
            collection = export_tree(code)
        except codes.InvalidCode as error:
            raise CommandError(f"{code}: {error}") from error
        except Region.DoesNotExist as error:
            raise CommandError(str(error)) from error
        separators = None if indent is not None else (",", ":")
        text = json.dumps(collection, ensure_ascii=False, indent=indent, separators=separators)
        if output and output != "-":
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"{len(collection['features'])} regions written to {output}")
        else:
            self.stdout.write(text)
