"""The demo's library of response plans (`fengqiao loaddemo`): three plans a county centre keeps."""

from .models import PlanStep, ResponsePlan

C, H, D = PlanStep.Responsible.CENTRE, PlanStep.Responsible.HANDLING, PlanStep.Responsible.DEPARTMENT

PLANS = [
    {
        "name": "群体性事件应急处置预案",
        "description": "聚集上访、围堵、群体性冲突等",
        "categories": ["land_acquisition", "labour_wages", "stability_intel"],
        "keywords": ["聚集", "围堵", "群体", "堵路", "上百人"],
        "notify_levels": ["county", "city"],
        "notify_departments": ["public_security", "petition"],
        "steps": [
            (C, "", "核实现场情况并首报", "核实人数、诉求、现场态势,30分钟内电话首报县综治中心", 30),
            (D, "public_security", "出警维护现场秩序", "防止事态扩大,保护群众安全", 30),
            (H, "", "组织对话疏导", "相关责任单位到场,听取诉求、现场疏导劝返", 120),
            (C, "", "书面续报", "2小时内书面续报处置进展", 120),
            (C, "", "处置完毕后终报", "形成处置报告,落实后续化解责任", 24 * 60),
        ],
    },
    {
        "name": "涉人员伤亡事件应急处置预案",
        "description": "纠纷引发伤亡、命案、重大安全事故",
        "categories": ["public_security", "safety_hazard", "damages", "traffic"],
        "keywords": ["死亡", "身亡", "重伤", "伤亡", "械斗"],
        "notify_levels": ["county", "city"],
        "notify_departments": ["public_security", "health"],
        "steps": [
            (D, "public_security", "出警控制现场", "控制涉事人员,保护现场", 20),
            (D, "health", "组织医疗救治", "协调120和就近医院救治伤员", 30),
            (C, "", "首报县市综治中心", "30分钟内电话首报,1小时内书面报告", 30),
            (C, "", "家属安抚与稳控", "落实包保责任人,防止矛盾激化", 6 * 60),
        ],
    },
    {
        "name": "自然灾害与极端天气应急预案",
        "description": "山洪、滑坡、暴雨、台风等威胁群众安全",
        "categories": ["safety_hazard"],
        "keywords": ["滑坡", "山洪", "暴雨", "塌方", "洪水", "台风"],
        "notify_levels": ["county"],
        "notify_departments": ["emergency"],
        "steps": [
            (C, "", "网格员核查受影响人员", "逐户核查,建立转移台账", 60),
            (D, "emergency", "组织危险区域群众转移", "落实转移安置点", 120),
            (C, "", "报告转移安置情况", "报告转移人数、安置点和需求", 180),
        ],
    },
]


def load_demo_plans(history: bool = False) -> str:
    """Create the plans not present yet (by name); with the case history, also open the
    mass-incident plan on one open county-level case, its first step reported. Idempotent."""
    made = _load_plans()
    opened = _open_one(history)
    return "; ".join(filter(None, [made, opened]))


def _open_one(history: bool) -> str:
    from fengqiao.accounts.models import User
    from fengqiao.cases.codes import OPEN_STATUSES
    from fengqiao.cases.models import Case
    from fengqiao.cases.workflow import ActionRefused
    from fengqiao.errors import FieldError

    from .actions import complete_step, declare
    from .models import Emergency

    if not history or Emergency.objects.exists():
        return ""
    admin = User.objects.filter(username="admin").first()
    case = (
        Case.objects.filter(status__in=OPEN_STATUSES, level="county", merged_into__isnull=True)
        .order_by("-reported_at")
        .first()
    )
    plan = ResponsePlan.objects.filter(name=PLANS[0]["name"]).first()
    if admin is None or case is None or plan is None:
        return ""
    try:
        emergency = declare(case, admin, plan.pk, "III", note="现场约八十名村民聚集,情绪较为激动")
        complete_step(emergency.steps.order_by("order").first(), admin, "已核实现场情况并电话首报县委政法委")
    except (ActionRefused, FieldError) as error:  # the demo goes on without it
        return f"no emergency opened ({error})"
    return f"emergency opened on {case.number}"


def _load_plans() -> str:
    created = 0
    for spec in PLANS:
        if ResponsePlan.objects.filter(name=spec["name"]).exists():
            continue
        fields = {key: value for key, value in spec.items() if key != "steps"}
        plan = ResponsePlan.objects.create(**fields)
        PlanStep.objects.bulk_create(
            PlanStep(
                plan=plan,
                order=order,
                responsible=responsible,
                department=department,
                title=title,
                description=description,
                minutes=minutes,
            )
            for order, (responsible, department, title, description, minutes) in enumerate(spec["steps"], 1)
        )
        created += 1
    return f"{created} response plans created" if created else "response plans already present"
