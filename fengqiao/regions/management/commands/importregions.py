import sys

from django.core.management.base import BaseCommand, CommandError

from fengqiao.regions.geojson import GeoJSONRejected, import_tree, load_collection


class Command(BaseCommand):
    help = (
        "Create or update regions from a GeoJSON FeatureCollection (as written by exportregions). "
        "Every feature is checked first; if any is bad, the problems are listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON file to read, or - for standard input")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                collection = load_collection(sys.stdin.buffer)
            else:
                with open(file, "rb") as stream:
                    collection = load_collection(stream)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error}") from error
        except GeoJSONRejected as error:
            raise CommandError(f"{file} is not usable GeoJSON: {error}") from error

        result = import_tree(collection)
        if not result.ok:
            for index, field, reason in result.errors:
                where = "collection" if index is None else f"feature {index}"
                self.stderr.write(f"{where}: {field}: {reason}")
            raise CommandError(f"{len(result.errors)} problem(s) found; nothing was imported")
        self.stdout.write(f"{result.created} created, {result.updated} updated")
