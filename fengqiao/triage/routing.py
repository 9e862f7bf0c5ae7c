"""Routing: from (category, place) to the level, track and unit that handle a matter first,
following "settle at the lowest capable level" (小事不出村、大事不出镇、矛盾不上交).

The rules live in the RoutingRule table (admin-editable); DEFAULT_RULES seeds it. Every decision
names the rule that fired and why.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from fengqiao.accounts.models import Unit
from fengqiao.cases.codes import DEFAULT_TRACK, LEVEL_ORDER, REGION_KIND_LEVEL, Category
from fengqiao.regions import codes as region_codes

# (category, level, track, lead department, lead unit kind, assisting departments, reason)
DEFAULT_RULES = [
    ("neighbour", "village", "mediation", "", "", [], "邻里纠纷由村(社区)就地化解:小事不出村"),
    ("marriage_family", "village", "mediation", "", "", ["women"], "婚姻家庭纠纷先由村(社区)调解,妇联协助"),
    ("homestead_housing", "village", "mediation", "", "", [], "宅基地、房屋纠纷先由村(社区)调解"),
    ("damages", "village", "mediation", "", "", [], "一般损害赔偿纠纷先由村(社区)调解"),
    ("property_mgmt", "village", "mediation", "", "", ["housing"], "物业纠纷由社区调解,住建部门协助"),
    ("other_dispute", "village", "mediation", "", "", [], "其他纠纷先由村(社区)调解"),
    (
        "contract_debt",
        "town",
        "mediation",
        "justice",
        "mediation",
        [],
        "合同债务纠纷由乡镇人民调解委员会调解",
    ),
    ("business", "town", "mediation", "justice", "mediation", [], "生产经营纠纷由乡镇人民调解委员会调解"),
    (
        "land_forest",
        "town",
        "mediation",
        "justice",
        "mediation",
        ["natural_resources"],
        "山林土地纠纷由乡镇调解,自然资源部门协助:大事不出镇",
    ),
    (
        "traffic",
        "town",
        "mediation",
        "justice",
        "mediation",
        ["public_security"],
        "交通事故纠纷由乡镇调解,公安协助",
    ),
    ("village_affairs", "town", "mediation", "", "", [], "村务管理纠纷由乡镇综治中心处理"),
    ("public_service", "town", "department", "", "", [], "民生诉求由乡镇综治中心交办相关部门"),
    ("legal_consult", "town", "legal_service", "justice", "judicial", [], "法律咨询由司法所即接即办"),
    ("public_security", "town", "police", "public_security", "", [], "治安刑事警情交公安(派出所)处置"),
    (
        "safety_hazard",
        "town",
        "department",
        "",
        "",
        ["emergency"],
        "安全隐患由乡镇综治中心处置,应急管理部门协助",
    ),
    (
        "land_acquisition",
        "county",
        "joint",
        "natural_resources",
        "",
        ["housing", "petition"],
        "征地拆迁涉及多部门,县级联调联处",
    ),
    ("environment", "county", "department", "environment", "", [], "环境污染纠纷交生态环境部门"),
    ("labour_wages", "county", "department", "human_resources", "", [], "劳动争议与欠薪交人社部门"),
    ("medical", "county", "mediation", "health", "", ["justice"], "医疗纠纷由卫健部门牵头调解"),
    ("consumer", "county", "department", "market", "", [], "消费纠纷交市场监管部门"),
    ("petition", "county", "petition", "petition", "", [], "信访事项按信访程序由信访局办理"),
    ("psych_support", "county", "psychological", "psychology", "", [], "心理援助交心理服务中心疏导"),
    (
        "stability_intel",
        "county",
        "joint",
        "public_security",
        "",
        ["petition"],
        "涉稳线索由公安牵头、信访协同研判",
    ),
    ("litigation", "county", "judicial", "court", "", [], "涉法涉诉事项导入司法程序"),
    ("discipline", "county", "judicial", "discipline", "", [], "涉纪问题移交纪检监察机关"),
]
assert {row[0] for row in DEFAULT_RULES} == set(Category.values)


@dataclass(frozen=True)
class Route:
    level: str
    track: str
    lead_unit: Unit | None
    assisting_units: list[Unit] = field(default_factory=list)
    rule: str = ""
    reason: str = ""


def _region_at(region_code: str, level: str) -> str:
    from fengqiao.cases.actions import region_code_at

    return region_code_at(region_code, level)


class _Memory:
    """The routing rules (all active ones, by category) and the active units (by region code,
    filled lazily) of this process, valid while the routing version token is unchanged: a
    trigger gives the token a new random value on any write to the rules or the units, so an
    admin's edit takes effect at the next decision in every process (see models.RoutingVersion)."""

    _UNSET = object()

    def __init__(self):
        self.token = self._UNSET
        self.rules: dict[str, list] | None = None
        self.units: dict[str, list[Unit]] = {}
        self.counties: set[str] = set()  # counties whose units are all in self.units

    def check(self) -> None:
        """One small read per routing decision; drop everything when the token moved."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT token FROM triage_routingversion WHERE id = 1")
            row = cursor.fetchone()
        token = row[0] if row else None
        if token != self.token:
            self.token, self.rules, self.units, self.counties = token, None, {}, set()

    def rules_for(self, category: str) -> list:
        if self.rules is None:
            from .models import RoutingRule

            rules: dict[str, list] = {}
            for rule in RoutingRule.objects.filter(active=True).order_by("pk"):
                rules.setdefault(rule.category, []).append(rule)
            self.rules = rules
        return self.rules.get(category, [])

    def units_at(self, codes: list[str]) -> list[Unit]:
        """The active units of these region codes. A code inside a county brings in the units of
        the whole county at once (one query for every later place there); a code above a county
        (city, province) is read on its own."""
        wanted = list(dict.fromkeys(codes))
        counties, singles = set(), []
        for code in wanted:
            if code in self.units or code[:6] in self.counties:
                continue
            if len(region_codes.significant_prefix(code)) >= 6:
                counties.add(code[:6])
            else:
                singles.append(code)
        if counties or singles:
            where = Q(region_id__in=singles)
            for county in sorted(counties):
                where |= region_codes.subtree_q("region_id", county.ljust(12, "0"))
            found: dict[str, list[Unit]] = {code: [] for code in singles}
            for unit in Unit.objects.filter(where, active=True).select_related("region").order_by("pk"):
                found.setdefault(unit.region_id, []).append(unit)
            self.units.update(found)
            self.counties |= counties
        return [unit for code in wanted for unit in self.units.get(code, ())]


_memory = _Memory()


def find_unit(region_code: str, level: str, department: str = "", kind: str = "") -> Unit | None:
    """The unit of `department` (and `kind`) serving the place at `level`, or the nearest one
    above it; with no department, the governance centre at that level. From memory (route()
    checks it is current); a lookup only for region codes not seen since the last change."""
    start = LEVEL_ORDER.index(level)
    codes = [_region_at(region_code, candidate) for candidate in LEVEL_ORDER[start:]]
    units = _memory.units_at(codes)
    if department:
        units = [unit for unit in units if unit.department == department and (not kind or unit.kind == kind)]
    else:
        units = [unit for unit in units if unit.kind == Unit.Kind.CENTRE]
    found = sorted(units, key=lambda unit: (codes.index(unit.region_id), unit.kind, unit.code))
    return found[0] if found else None


def _applicable_rules(category: str, region_code: str):
    prefix = region_codes.significant_prefix(region_code) if len(region_code) <= 12 else region_code
    ancestors = {
        prefix[:digits].ljust(12, "0") if digits <= 12 else prefix[:digits]
        for digits in region_codes.KIND_DIGITS.values()
        if digits <= len(prefix)
    }
    rules = [
        rule for rule in _memory.rules_for(category) if rule.region_id is None or rule.region_id in ancestors
    ]
    return sorted(rules, key=lambda rule: (-len(rule.region_id or ""), rule.priority, rule.pk))


def route(category: str, region_code: str, region_kind: str) -> Route:
    _memory.check()
    return _route(category, region_code, region_kind)


def route_many(requests) -> list[Route]:
    """route() for many (category, region_code, region_kind) at once, in order: the routing
    version token is read once for the whole batch instead of once per decision, so every
    decision of the batch follows the rules as they stood when it began (a bulk import's rows,
    routed before any of them is written). Equal requests are decided once."""
    _memory.check()
    decided: dict[tuple, Route] = {}
    routes = []
    for request in requests:
        key = tuple(request)
        if key not in decided:
            decided[key] = _route(*key)
        routes.append(decided[key])
    return routes


def _route(category: str, region_code: str, region_kind: str) -> Route:
    rules = _applicable_rules(category, region_code)
    place_level = REGION_KIND_LEVEL[region_kind]
    if not rules:
        return Route(
            level=place_level,
            track=DEFAULT_TRACK[Category(category)],
            lead_unit=find_unit(region_code, place_level),
            rule="默认",
            reason="无适用分流规则,由所在地综治中心受理",
        )
    rule = rules[0]
    # A matter known only down to the township cannot start in a village.
    level = max(rule.level, place_level, key=LEVEL_ORDER.index)
    lead = find_unit(region_code, level, rule.lead_department, rule.lead_kind)
    if lead is not None:  # no such unit at that level: the one found above sets the level
        level = max(level, REGION_KIND_LEVEL[lead.region.kind], key=LEVEL_ORDER.index)
    assisting = [
        unit
        for department in rule.assisting_departments
        if (unit := find_unit(region_code, level, department)) is not None and unit != lead
    ]
    return Route(
        level=level,
        track=rule.track,
        lead_unit=lead,
        assisting_units=assisting,
        rule=rule.name,
        reason=rule.reason,
    )


def seed_default_rules(RoutingRule) -> int:
    """Create the default rules (used by the data migration; safe to run again)."""
    created = 0
    labels = dict(Category.choices)
    for category, level, track, lead, kind, assisting, reason in DEFAULT_RULES:
        _, made = RoutingRule.objects.get_or_create(
            category=category,
            region=None,
            name=f"默认:{labels[category]}",
            defaults={
                "level": level,
                "track": track,
                "lead_department": lead,
                "lead_kind": kind,
                "assisting_departments": assisting,
                "reason": reason,
            },
        )
        created += made
    return created
