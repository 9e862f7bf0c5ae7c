"""Exporting ledgers: the office layout (title, scope line, header), only what the user may see,
masked phone numbers, text never turned into formulas, and each ledger's own rows."""

import pytest
from django.utils import timezone

from fengqiao.accounts.models import User
from fengqiao.ledgers import service
from fengqiao.ledgers.layouts import LEDGERS
from fengqiao.mediation.models import Mediation

from .conftest import TOWN1, TOWN2, as_records, read_sheet

pytestmark = pytest.mark.django_db


def test_case_ledger_has_the_office_layout_and_the_cases(users, make_case):
    mine = make_case("town1")
    made = service.export(users["county"], "cases")
    rows = read_sheet(made.content)
    assert rows[0][0].endswith("矛盾纠纷排查化解台账") and rows[1][0].startswith("范围:")
    assert rows[2] == ["序号", *LEDGERS["cases"].headers]
    records = {record["事项编号"]: record for record in as_records(rows)}
    assert made.rows == len(records)
    record = records[mine.number]
    assert (record["事项类别"], record["区划代码"], record["申请人"]) == ("邻里纠纷", TOWN1, "张三")
    assert record["申请人电话"] == "138****8000"
    assert "13800138000" not in str(rows)
    assert record["登记时间"] is not None and record["办理状态"] == "待受理"


def test_a_ledger_holds_only_what_the_user_may_see(users, make_case):
    town1_case = make_case("town1")
    town2_case = make_case("town2", region=TOWN2)
    numbers = {r["事项编号"] for r in as_records(read_sheet(service.export(users["town2"], "cases").content))}
    assert town2_case.number in numbers and town1_case.number not in numbers
    with pytest.raises(Exception) as refused:
        service.export(users["town2"], "cases", region=TOWN1)
    assert refused.value.status == 404


def test_period_and_region_filters(users, make_case):
    from fengqiao import clock as wallclock

    case = make_case("town1")
    today = timezone.localdate(wallclock.now())  # the sheet's days are local days
    rows = as_records(read_sheet(service.export(users["county"], "cases", TOWN1, today, today).content))
    assert case.number in {r["事项编号"] for r in rows}
    assert {r["区划代码"][:9] for r in rows} == {TOWN1[:9]}
    earlier = service.export(users["county"], "cases", TOWN1, "2020-01-01", "2020-01-31")
    assert earlier.rows == 0


def test_text_is_never_a_formula(users, make_case):
    case = make_case("town1", description='=HYPERLINK("http://example.invalid","点我")')
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(service.export(users["county"], "cases").content)).worksheets[0]
    cells = [row for row in sheet.iter_rows(min_row=4) if row[1].value == case.number][0]
    description = cells[LEDGERS["cases"].headers.index("事项描述") + 1]
    assert description.data_type == "s" and description.value.startswith("'=HYPERLINK")


def test_mediation_ledger(users, make_case):
    from fengqiao.mediation import actions as mediation

    case = make_case("town1")
    mediation.mediation_of(case)
    records = as_records(read_sheet(service.export(users["county"], "mediations").content))
    record = next(r for r in records if r["事项编号"] == case.number)
    assert (record["纠纷类别"], record["申请人"], record["被申请人"]) == ("邻里纠纷", "张三", "李四")
    assert record["调解结果"] == Mediation.Outcome.OPEN.label


def test_petition_ledger(users, make_case):
    from fengqiao.petitions import actions as petitions

    case = make_case("town1", category="petition", description="反映村道多年未修,要求答复")
    petitions.register(case, users["town1"])
    records = as_records(read_sheet(service.export(users["county"], "petitions").content))
    record = next(r for r in records if r["事项编号"] == case.number)
    assert (record["信访人"], record["联系电话"], record["办理状态"]) == ("张三", "138****8000", "待受理")


def test_supervision_ledger(users):
    from datetime import date

    from fengqiao import clock as wallclock
    from fengqiao.supervision.models import LedgerItem

    county = LedgerItem.objects.create(
        level="county",
        region_id="990102000000",
        title="某村征地补偿纠纷",
        responsible_leader="王副县长",
        due_date=date(2026, 12, 31),
        listed_at=wallclock.now(),
        listed_by=User.objects.get(username="county"),
    )
    LedgerItem.objects.create(
        level="town",
        region_id=TOWN2,
        title="二号镇的挂账",
        responsible_leader="赵镇长",
        due_date=date(2020, 1, 1),
        listed_at=wallclock.now(),
        listed_by=User.objects.get(username="town2"),
    )
    county_rows = as_records(read_sheet(service.export(users["county"], "supervision").content))
    assert {county.title, "二号镇的挂账"} <= {r["督办事项"] for r in county_rows}
    overdue = next(r for r in county_rows if r["督办事项"] == "二号镇的挂账")
    assert overdue["督办状态"] == "已逾期"
    town1_rows = as_records(read_sheet(service.export(users["town1"], "supervision").content))
    assert all(r["区划代码"].startswith(TOWN1[:9]) for r in town1_rows)
    assert not {county.title, "二号镇的挂账"} & {r["督办事项"] for r in town1_rows}


def test_the_citizens_rating_is_in_the_case_ledger(users, make_case):
    from fengqiao import clock as wallclock
    from fengqiao.portal.models import Rating

    case = make_case("town1")
    Rating.objects.create(case=case, closed_at=wallclock.now(), score=2, settled=False, at=wallclock.now())
    records = as_records(read_sheet(service.export(users["county"], "cases").content))
    assert next(r for r in records if r["事项编号"] == case.number)["群众评价"] == "不满意(未解决)"
