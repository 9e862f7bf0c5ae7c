"""Demo base data (idempotent): the standard registers, and in grid1's grid a few people under care
(one visit overdue), a rental, an enterprise, a school and a key place."""

from datetime import timedelta

from stdnum.cn import ric

from fengqiao import clock

from .models import CarePlan, Entry, Register
from .registers import ensure_standard_registers


def demo_id_number(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


# register, name, ID body (17 digits), phone, grade, data, days overdue (negative: due later)
PEOPLE = [
    ("mental_disorder", "李建国", "33010219720315031", "13905710001", 3, {"diagnosis": "精神分裂症", "medicated": True}, 5),
    ("community_correction", "王小明", "33010219900622051", "13905710002", 1, {"sentence": "缓刑"}, -10),
    ("released_prisoners", "赵强", "33010219850101071", "13905710003", 0, {"crime": "盗窃罪"}, -40),
    ("key_youth", "陈浩", "33010220090909091", "", 1, {"kind": "闲散青少年", "guardian": "陈父"}, -5),
    ("left_behind", "周桂英", "33010219450303022", "057187654321", 0, {"kind": "留守老人"}, -20),
    ("floating", "张伟", "42010219880808013", "13905710006", None, {"origin": "湖北武汉", "reason": "务工"}, None),
]  # fmt: skip
PLACES = [
    ("rentals", "枫溪路12号出租房", "枫溪路12号", {"landlord": "钱某", "tenants": 4}),
    ("enterprises", "枫溪竹木制品有限公司", "工业园区3号", {"employees": 56}),
    ("schools", "枫溪镇中心小学", "学府路1号", {"kind": "小学", "students": 820, "guard": 3}),
    ("key_places", "枫溪加油站", "省道旁", {"kind": "加油站", "manager": "孙某"}),
]


def load_basedata(history: bool = False) -> str:
    from fengqiao.accounts.models import User

    from . import actions
    from .validation import validate_entry

    seeded = ensure_standard_registers()
    grid_worker = User.objects.filter(username="grid1").select_related("region").first()
    if grid_worker is None or grid_worker.region_id is None:
        return f"{seeded} registers seeded; no grid1"
    grid = grid_worker.region_id
    registers = {register.code: register for register in Register.objects.all()}
    if Entry.objects.filter(region_id=grid, register__code__in=[p[0] for p in PEOPLE]).exists():
        return f"{seeded} registers seeded; entries already present"
    now = clock.now()
    made = 0
    for code, name, body, phone, grade, data, overdue_days in PEOPLE:
        register = registers[code]
        values = {
            "region_code": grid, "name": name, "id_number": demo_id_number(body), "phone": phone,
            "grade": grade, "data": data, "address": "枫溪村",
        }  # fmt: skip
        clean, problems = validate_entry(register, grid_worker, values)
        if problems:
            raise ValueError(f"demo entry {name}: {problems}")
        entry = actions.create_entry(grid_worker, register, clean)
        made += 1
        if overdue_days is not None and register.care:
            plan = CarePlan.objects.get(entry=entry)
            due = now - timedelta(days=overdue_days)
            CarePlan.objects.filter(pk=plan.pk).update(
                started_at=due - timedelta(days=plan.interval_days), next_due_at=due
            )
    for code, title, address, data in PLACES:
        clean, problems = validate_entry(
            registers[code],
            grid_worker,
            {"region_code": grid, "title": title, "address": address, "data": data},
        )
        if problems:
            raise ValueError(f"demo entry {title}: {problems}")
        actions.create_entry(grid_worker, registers[code], clean)
        made += 1
    return f"{seeded} registers seeded, {made} entries"
