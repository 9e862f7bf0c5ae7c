from django.core.management.base import BaseCommand

from fengqiao.synth.load import synthesise


class Command(BaseCommand):
    help = "Build a deterministic synthetic province and load its cases by the database's bulk path."

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=20000)
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--province", default="98", help="two-digit province code (fictitious)")
        parser.add_argument("--password", help="also create synth-admin and synth-county with this password")

    def handle(self, *args, grids, cases, years, seed, province, password, **options):
        result = synthesise(province, grids, cases, years, seed, password, self.stdout.write)
        self.stdout.write(
            f"{result['cases']} cases over {result['grids']} grids in {result['seconds']:.1f} s "
            f"({result['rate']:,.0f} cases/s); {result['clocks']} running clocks"
        )
