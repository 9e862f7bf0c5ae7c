import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from fengqiao.workdays.actions import YearNotInLibrary, load_days, load_library_year
from fengqiao.workdays.models import DayOverride

WORKING = {"上班", "班", "工作", "工作日", "调休", "work", "working", "1", "true", "yes"}
HOLIDAY = {"放假", "休", "休息", "假", "holiday", "off", "0", "false", "no"}


class Command(BaseCommand):
    help = (
        "Load a year's official holidays and make-up working days (调休) into the working-day calendar: "
        "from chinese-calendar (the default, --from-library) or from a CSV file of "
        "`date,上班|放假,name` rows (--file; e.g. from the State Council's notice for a year the "
        "library does not know yet)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--from-library", action="store_true", help="copy chinese-calendar's data (default)"
        )
        source.add_argument("--file", help="CSV: date (YYYY-MM-DD), 上班/放假, name; '#' starts a comment")
        parser.add_argument(
            "--complete",
            action="store_true",
            help="with --file: the file holds the whole year's arrangement; mark the year complete",
        )
        parser.add_argument("--note", default="", help="with --file: where the arrangement comes from")
        parser.add_argument(
            "--replace-admin",
            action="store_true",
            help="with the library: also overwrite days an admin entered by hand (kept by default)",
        )

    def handle(self, *args, year, file=None, complete=False, note="", replace_admin=False, **options):
        if file:
            days = self.read_file(file, year)
            result = load_days(
                year, days, DayOverride.Source.ADMIN, complete=complete, note=note or f"由 {file} 导入"
            )
        else:
            try:
                result = load_library_year(year, replace_admin=replace_admin)
            except YearNotInLibrary as error:
                raise CommandError(f"{error}; enter {year} with --file or in the admin") from None
        if options["verbosity"]:
            self.stdout.write(
                f"{year}: {result.written} days written, {result.unchanged} unchanged, {result.removed} removed"
                + (f", {len(result.kept_admin)} admin days kept" if result.kept_admin else "")
                + ("; year marked complete" if (complete or not file) else "")
            )

    def read_file(self, path: str, year: int) -> dict:
        days = {}
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.reader(handle))
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        for number, row in enumerate(rows, start=1):
            cells = [cell.strip() for cell in row]
            if not cells or not cells[0] or cells[0].startswith("#"):
                continue
            try:
                day = date.fromisoformat(cells[0])
            except ValueError:
                if number == 1:
                    continue  # a header
                raise CommandError(f"{path}:{number}: not a date: {cells[0]!r}") from None
            status = cells[1].lower() if len(cells) > 1 else ""
            if status in WORKING:
                working = True
            elif status in HOLIDAY:
                working = False
            else:
                raise CommandError(f"{path}:{number}: second column must be 上班 or 放假, not {status!r}")
            if day.year != year:
                raise CommandError(f"{path}:{number}: {day} is not in {year}")
            if day in days:
                raise CommandError(f"{path}:{number}: {day} appears twice")
            days[day] = (working, cells[2] if len(cells) > 2 else "")
        if not days:
            raise CommandError(f"{path}: no days")
        return days
