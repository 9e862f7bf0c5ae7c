"""Demo data for evaluation: every village of the demo county in the three-zero campaign, two
enterprises, a few reported events, and the usual checklist items."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.models import User
from fengqiao.regions import codes

from .actions import enrol_villages
from .models import ChecklistItem, ThreeZeroEvent, ThreeZeroUnit

COUNTY = "990102000000"
CHECKLIST = [
    (ChecklistItem.Kind.FORBIDDEN, "不发生群体性事件", Decimal(10)),
    (ChecklistItem.Kind.FORBIDDEN, "不发生个人极端案事件", Decimal(10)),
    (ChecklistItem.Kind.FORBIDDEN, "不发生进京赴省非访", Decimal(5)),
    (ChecklistItem.Kind.REQUIRED, "按时完成矛盾纠纷排查并报送台账", Decimal(3)),
    (ChecklistItem.Kind.REQUIRED, "综治中心规范化建设达标", Decimal(3)),
]


def load_demo_evaluation(history: bool) -> str:
    for kind, name, points in CHECKLIST:
        ChecklistItem.objects.get_or_create(name=name, defaults={"kind": kind, "points": points})
    enterprises = ThreeZeroUnit.objects.filter(
        codes.prefix_q("region_id", "990102"), kind=ThreeZeroUnit.Kind.ENTERPRISE
    )
    if enterprises.exists():
        return "already present"
    villages = enrol_villages(COUNTY)
    first = (
        ThreeZeroUnit.objects.filter(codes.prefix_q("region_id", "990102001")).order_by("region_id").first()
    )
    town_region = "990102001000"
    for name in ("城关镇建材有限公司", "城关镇食品加工厂"):
        ThreeZeroUnit.objects.create(kind=ThreeZeroUnit.Kind.ENTERPRISE, name=name, region_id=town_region)
    grid1 = User.objects.filter(username="grid1").first() or User.objects.get(username="admin")
    today = timezone.localdate(wallclock.now())
    if first is not None:
        ThreeZeroEvent.objects.create(
            unit=first,
            kind=ThreeZeroEvent.Kind.ACCIDENT,
            occurred_on=today - timedelta(days=3),
            description="村道农用车侧翻,一人轻伤。",
            reported_at=wallclock.now(),
            reported_by=grid1,
        )
    return (
        f"{villages} villages and 2 enterprises in the three-zero campaign, {len(CHECKLIST)} checklist items"
    )
