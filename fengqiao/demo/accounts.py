"""Units and the demo accounts of CONTRACT.md, built on the demo region tree."""

from dataclasses import dataclass

from django.db import transaction

from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.regions import codes
from fengqiao.regions.models import Region

CITY = "990100000000"
COUNTY = "990102000000"
TOWNSHIP_1 = "990102001000"
TOWNSHIP_2 = "990102002000"
DEFAULT_PASSWORD = "fengqiao-demo"

COUNTY_DEPARTMENTS = [
    ("public_security", "公安局", Unit.Kind.JUDICIAL),
    ("court", "人民法院", Unit.Kind.JUDICIAL),
    ("procuratorate", "人民检察院", Unit.Kind.JUDICIAL),
    ("justice", "司法局", Unit.Kind.JUDICIAL),
    ("petition", "信访局", Unit.Kind.DEPARTMENT),
    ("human_resources", "人力资源和社会保障局", Unit.Kind.DEPARTMENT),
    ("housing", "住房和城乡建设局", Unit.Kind.DEPARTMENT),
    ("natural_resources", "自然资源和规划局", Unit.Kind.DEPARTMENT),
    ("environment", "生态环境分局", Unit.Kind.DEPARTMENT),
    ("market", "市场监督管理局", Unit.Kind.DEPARTMENT),
    ("health", "卫生健康局", Unit.Kind.DEPARTMENT),
    ("emergency", "应急管理局", Unit.Kind.DEPARTMENT),
    ("civil_affairs", "民政局", Unit.Kind.DEPARTMENT),
    ("education", "教育局", Unit.Kind.DEPARTMENT),
    ("agriculture", "农业农村局", Unit.Kind.DEPARTMENT),
    ("transport", "交通运输局", Unit.Kind.DEPARTMENT),
    ("women", "妇女联合会", Unit.Kind.DEPARTMENT),
    ("discipline", "纪委监委", Unit.Kind.JUDICIAL),
    ("psychology", "心理服务中心", Unit.Kind.DEPARTMENT),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    region: str
    unit: str | None
    display_name: str


def centre_code(region_code: str) -> str:
    return f"{codes.significant_prefix(region_code)}-centre"


def department_code(region_code: str, department: str) -> str:
    return f"{codes.significant_prefix(region_code)}-{department}"


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


def _units_for(region: Region) -> list[Unit]:
    units = []
    if region.kind in (Region.Kind.CITY, Region.Kind.COUNTY, Region.Kind.TOWNSHIP):
        units.append(
            Unit(
                code=centre_code(region.code),
                name=f"{region.name}社会治安综合治理中心",
                kind=Unit.Kind.CENTRE,
                region=region,
            )
        )
    if region.kind == Region.Kind.VILLAGE:
        units.append(
            Unit(
                code=centre_code(region.code),
                name=f"{region.name}综治工作站",
                kind=Unit.Kind.CENTRE,
                region=region,
            )
        )
    if region.kind == Region.Kind.COUNTY:
        units.extend(
            Unit(
                code=department_code(region.code, department),
                name=f"{region.name}{label}",
                kind=kind,
                department=department,
                region=region,
            )
            for department, label, kind in COUNTY_DEPARTMENTS
        )
        units.append(
            Unit(
                code=department_code(region.code, "mediation"),
                name=f"{region.name}人民调解委员会",
                kind=Unit.Kind.MEDIATION,
                department="justice",
                region=region,
            )
        )
    if region.kind == Region.Kind.TOWNSHIP:
        units.extend(
            [
                Unit(
                    code=department_code(region.code, "public_security"),
                    name=f"{region.name}派出所",
                    kind=Unit.Kind.JUDICIAL,
                    department="public_security",
                    region=region,
                ),
                Unit(
                    code=department_code(region.code, "justice"),
                    name=f"{region.name}司法所",
                    kind=Unit.Kind.JUDICIAL,
                    department="justice",
                    region=region,
                ),
                Unit(
                    code=department_code(region.code, "mediation"),
                    name=f"{region.name}人民调解委员会",
                    kind=Unit.Kind.MEDIATION,
                    department="justice",
                    region=region,
                ),
            ]
        )
    return units


@transaction.atomic
def create_demo_units() -> int:
    if Unit.objects.filter(code=centre_code(CITY)).exists():
        return 0
    regions = Region.objects.filter(codes.subtree_q("code", CITY)).exclude(
        kind__in=["grid", "compound", "building"]
    )
    units = [unit for region in regions.order_by("code") for unit in _units_for(region)]
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
