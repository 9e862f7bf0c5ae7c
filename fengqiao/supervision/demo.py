"""Demo data for supervision: a few major decisions at different points of their risk assessment,
two matters on the supervision ledgers and, with the case history, the letters its late cases earn."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.models import User

from . import actions, risk
from .letters import issue_due_letters
from .models import LedgerItem, MajorDecision, RiskAssessment

COUNTY = "990102000000"
TOWN1 = "990102001000"


def load_demo_supervision(history: bool) -> str:
    if MajorDecision.objects.filter(region_id=COUNTY, title__startswith="枫溪县").exists():
        return "already present"
    county = User.objects.get(username="county")
    town1 = User.objects.get(username="town1")
    low, medium = RiskAssessment.RiskLevel.LOW, RiskAssessment.RiskLevel.MEDIUM
    before_decision, before_start = RiskAssessment.Stage.BEFORE_DECISION, RiskAssessment.Stage.BEFORE_START

    risk.register(
        county,
        title="枫溪县城区老旧小区改造(二期)",
        kind=MajorDecision.Kind.PROJECT,
        proposer="县住房和城乡建设局",
        region_code=COUNTY,
        investment=Decimal("8600"),
        people_affected=2300,
        description="改造 12 个老旧小区,涉及加装电梯、管网更新和停车位调整。",
    )
    reform = risk.register(
        county,
        title="枫溪县农村集体经营性建设用地入市改革",
        kind=MajorDecision.Kind.REFORM,
        proposer="县自然资源局",
        region_code=COUNTY,
        investment=Decimal("0"),
        people_affected=640,
    )
    assessment = risk.assess(
        reform,
        county,
        stage=before_decision,
        risks_found="收益分配方案可能引发村民对分配比例的争议;部分村集体账目不清。",
        risk_level=medium,
        conclusion="风险可控,落实措施后可以实施。",
        measures=[
            ("各村召开村民代表会议公开收益分配方案", None, timezone.localdate() + timedelta(days=30)),
            ("县审计局完成试点村集体账目审计", None, timezone.localdate() + timedelta(days=60)),
        ],
    )
    risk.file(assessment, county)
    risk.set_status(reform, county, MajorDecision.Status.DECIDED)
    road = risk.register(
        town1,
        title="城关镇镇区道路拓宽工程",
        kind=MajorDecision.Kind.PROJECT,
        proposer="城关镇人民政府",
        region_code=TOWN1,
        investment=Decimal("1200"),
        people_affected=85,
    )
    for stage in (before_decision, before_start):
        done = risk.assess(road, town1, stage=stage, risks_found="沿街商户临时经营受影响。", risk_level=low)
        risk.file(done, town1)
    risk.set_status(road, town1, MajorDecision.Status.DECIDED)
    risk.set_status(road, town1, MajorDecision.Status.STARTED)

    today = timezone.localdate(wallclock.now())
    actions.list_on_ledger(
        county,
        region_code=COUNTY,
        title="枫溪县城区某楼盘逾期交房引发业主集体维权",
        responsible_leader="县委常委、政法委书记",
        due_date=today + timedelta(days=45),
    )
    item = actions.list_on_ledger(
        town1,
        region_code=TOWN1,
        title="城关镇砂石场扬尘噪声扰民问题",
        responsible_leader="镇党委副书记",
        due_date=today + timedelta(days=10),
    )
    actions.close_ledger_item(item, town1, "砂石场已安装喷淋降尘设施并调整作业时间,群众表示满意。")
    letters = issue_due_letters() if history else 0
    count = LedgerItem.objects.count()
    return f"3 decisions, {count} ledger items, {letters} letters"
