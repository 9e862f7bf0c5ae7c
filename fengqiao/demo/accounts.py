"""Units and the demo accounts of CONTRACT.md, built on the demo region tree."""

from dataclasses import dataclass

from django.db import transaction

from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.accounts.standard_units import centre_code, department_code, units_for
from fengqiao.regions import codes
from fengqiao.regions.models import Region

CITY = "990100000000"
COUNTY = "990102000000"
TOWNSHIP_1 = "990102001000"
TOWNSHIP_2 = "990102002000"
DEFAULT_PASSWORD = "fengqiao-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    region: str
    unit: str | None
    display_name: str


def first_grid_of(township_code: str) -> str:
    return (
        Region.objects.filter(codes.subtree_q("code", township_code), kind=Region.Kind.GRID)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


def demo_accounts() -> list[DemoAccount]:
    county_name = Region.objects.get(code=COUNTY).name
    grid = first_grid_of(TOWNSHIP_1)
    return [
        DemoAccount("admin", Role.ADMIN, CITY, centre_code(CITY), "系统管理员"),
        DemoAccount("county", Role.CENTRE_STAFF, COUNTY, centre_code(COUNTY), "县中心受理员"),
        DemoAccount("town1", Role.CENTRE_STAFF, TOWNSHIP_1, centre_code(TOWNSHIP_1), "镇中心受理员一"),
        DemoAccount("town2", Role.CENTRE_STAFF, TOWNSHIP_2, centre_code(TOWNSHIP_2), "镇中心受理员二"),
        DemoAccount("grid1", Role.GRID_WORKER, grid, centre_code(grid[:12]), "网格员一"),
        DemoAccount(
            "mediator1", Role.MEDIATOR, TOWNSHIP_1, department_code(TOWNSHIP_1, "mediation"), "调解员一"
        ),
        DemoAccount(
            "police1", Role.DEPARTMENT_STAFF, COUNTY, department_code(COUNTY, "public_security"), "民警一"
        ),
        DemoAccount("leader", Role.LEADER, COUNTY, None, f"{county_name}政法委领导"),
    ]


@transaction.atomic
def create_demo_units() -> int:
    if Unit.objects.filter(code=centre_code(CITY)).exists():
        return 0
    regions = Region.objects.filter(codes.subtree_q("code", CITY)).exclude(
        kind__in=["grid", "compound", "building"]
    )
    units = [unit for region in regions.order_by("code") for unit in units_for(region)]
    Unit.objects.bulk_create(units)
    return len(units)


@transaction.atomic
def create_demo_accounts(password: str = DEFAULT_PASSWORD) -> list[DemoAccount]:
    """Create the demo accounts, or reset their password and post if they exist."""
    accounts = demo_accounts()
    for account in accounts:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        user.role = account.role
        user.region_id = account.region
        user.unit = Unit.objects.get(code=account.unit) if account.unit else None
        user.display_name = account.display_name
        user.is_active = True
        user.set_password(password)
        user.save()
    return accounts
