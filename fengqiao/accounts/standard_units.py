"""The standard set of units of a region: the governance centre of each level, the county's
departments and the township's police station, justice office and mediation committee. The demo
county and the synthetic province are both built from it; real deployments import their own."""

from fengqiao.regions import codes
from fengqiao.regions.models import Region

from .models import Unit

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


def centre_code(region_code: str) -> str:
    return f"{codes.significant_prefix(region_code)}-centre"


def department_code(region_code: str, department: str) -> str:
    return f"{codes.significant_prefix(region_code)}-{department}"


def units_for(region: Region) -> list[Unit]:
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
