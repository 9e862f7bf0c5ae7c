"""Importing ledgers: every row through the case intake path or none, a report naming row, column
and reason, and no duplicates when the same sheet (or an exported ledger) comes back."""

import pytest

from fengqiao.cases.models import Case
from fengqiao.ledgers import service
from fengqiao.ledgers.imports import ImportRejected, import_ledger, template_workbook
from fengqiao.mediation.models import MediationBody, Mediator, MediatorChoice
from fengqiao.petitions.models import Petition

from .conftest import TOWN1, TOWN2, workbook

pytestmark = pytest.mark.django_db

CASE_HEADERS = [
    "来源渠道",
    "事项类别",
    "事项描述",
    "发生时间",
    "发生地点",
    "区划代码",
    "申请人",
    "申请人电话",
    "被申请人",
]


def case_row(**fields):
    row = {
        "来源渠道": "窗口受理",
        "事项类别": "邻里纠纷",
        "事项描述": "两户因院墙滴水发生争执,要求村里调解",
        "发生时间": "2026-11-01 09:30",
        "发生地点": "城关镇东街12号",
        "区划代码": TOWN1,
        "申请人": "王五",
        "申请人电话": "13700137000",
        "被申请人": "赵六",
    }
    row.update(fields)
    return row


def rejected(ledger, file, user) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as error:
        import_ledger(ledger, file, user)
    return [(e.row, e.column, e.reason) for e in error.value.errors]


def test_rows_become_cases_through_the_intake_path(users):
    sheet = workbook(
        CASE_HEADERS,
        [
            case_row(),
            case_row(事项描述="工地夜间施工噪音扰民", 事项类别="", 申请人电话="", 申请人="", 被申请人=""),
        ],
        title_rows=[["城关镇矛盾纠纷排查化解台账"], ["范围:城关镇"]],
    )
    result = import_ledger("cases", sheet, users["town1"])
    assert len(result.created) == 2 and result.existing == []
    first = Case.objects.get(number=result.created[0])
    assert (first.channel, first.category, first.region_id, first.status) == (
        "window",
        "neighbour",
        TOWN1,
        "reported",
    )
    assert first.timeline.filter(kind="reported").exists() and first.clocks.exists()
    applicant = first.parties.get(role="applicant").person
    assert applicant.name == "王五" and applicant.phone == "+8613700137000"
    assert first.occurred_at.isoformat().startswith("2026-11-01T01:30")  # 09:30 in Asia/Shanghai
    second = Case.objects.get(number=result.created[1])
    assert second.classification["source"] == "model"  # no category: classified like any intake


def test_the_same_sheet_twice_creates_nothing_the_second_time(users):
    rows = [case_row(), case_row(申请人="孙七", 申请人电话="13700137001")]
    first = import_ledger("cases", workbook(CASE_HEADERS, rows), users["town1"])
    again = import_ledger("cases", workbook(CASE_HEADERS, rows), users["town1"])
    assert again.created == [] and sorted(again.existing) == sorted(first.created)


def test_an_exported_ledger_imports_without_duplicates(users, make_case):
    make_case("town1")
    before = Case.objects.count()
    export = service.export(users["town1"], "cases")
    import io

    result = import_ledger("cases", io.BytesIO(export.content), users["town1"])
    assert result.created == [] and len(result.existing) == export.rows
    assert Case.objects.count() == before


def test_one_bad_row_means_nothing_is_written_and_the_report_names_each_problem(users):
    before = Case.objects.count()
    sheet = workbook(
        CASE_HEADERS,
        [
            case_row(),
            case_row(事项描述=""),
            case_row(申请人电话="12345"),
            case_row(事项类别="吵架"),
            case_row(来源渠道="微信"),
            case_row(区划代码="99010200100"),
            case_row(发生时间="十一月一日"),
        ],
    )
    problems = rejected("cases", sheet, users["town1"])
    assert problems == [
        (3, "事项描述", "必填"),
        (4, "申请人电话", "电话号码不正确"),
        (5, "事项类别", "未知类别(填写类别名称,如“邻里纠纷”)"),
        (6, "来源渠道", problems[3][2]),
        (7, "区划代码", "区划代码不正确(12位统计用区划代码)"),
        (8, "发生时间", "日期格式应为 2026-01-31 或 2026-01-31 09:30"),
    ]
    assert problems[3][2].startswith("未知渠道")
    assert Case.objects.count() == before


def test_a_row_refused_by_the_intake_itself_rolls_back_the_rows_before_it(users):
    before = Case.objects.count()
    sheet = workbook(CASE_HEADERS, [case_row(), case_row(区划代码=TOWN2), case_row(区划代码="990102099000")])
    problems = rejected("cases", sheet, users["town1"])
    assert problems == [(3, "区划代码", "没有此区划或不在您的管辖区划内"), (4, "区划代码", problems[0][2])]
    assert Case.objects.count() == before


def test_header_problems(users):
    assert rejected("cases", workbook(["标题", "区划代码"], [["x", TOWN1]]), users["town1"]) == [
        (1, "事项描述", "缺少此列")
    ]
    assert rejected("cases", workbook(["事项描述", "区划代码"], []), users["town1"]) == [
        (2, "事项描述", "表中没有数据")
    ]
    import io

    assert rejected("cases", io.BytesIO(b"not a workbook"), users["town1"])[0][:2] == (0, "文件")


def test_an_unknown_case_number_is_refused(users):
    sheet = workbook(["事项编号", *CASE_HEADERS], [{"事项编号": "990102-20000101-0001", **case_row()}])
    assert rejected("cases", sheet, users["town1"]) == [(2, "事项编号", "系统中没有此编号(新事项请留空)")]


@pytest.fixture
def mediator(users):
    from fengqiao.accounts.models import Unit

    body = MediationBody.objects.create(
        name="城关镇人民调解委员会",
        kind=MediationBody.Kind.PEOPLES,
        region_id=TOWN1,
        unit=Unit.objects.get(code="990102001-mediation"),
    )
    return Mediator.objects.create(
        name="王调解", user=users["mediator1"], body=body, region_id=TOWN1, specialities=["neighbour"]
    )


MEDIATION_HEADERS = ["纠纷类别", "纠纷简要情况", "区划代码", "申请人", "申请人电话", "被申请人", "调解员"]


def test_mediation_ledger_opens_mediations_and_proposes_the_mediator(users, mediator):
    rows = [
        {
            "纠纷类别": "邻里纠纷",
            "纠纷简要情况": "院墙滴水纠纷",
            "区划代码": TOWN1,
            "申请人": "王五",
            "申请人电话": "13700137000",
            "被申请人": "赵六",
            "调解员": "王调解",
        },
        {"纠纷类别": "婚姻家庭纠纷", "纠纷简要情况": "赡养老人纠纷", "区划代码": TOWN1, "申请人": "钱八"},
    ]
    result = import_ledger("mediations", workbook(MEDIATION_HEADERS, rows), users["town1"])
    first, second = (Case.objects.get(number=number) for number in result.created)
    choice = first.mediation.choices.get()
    assert (choice.mediator, choice.chosen_by, choice.state) == (
        mediator,
        "staff",
        MediatorChoice.State.PENDING,
    )
    assert second.mediation.mediator is None and not second.mediation.choices.exists()


def test_mediation_ledger_refuses_an_unsuited_mediator(users, mediator):
    before = Case.objects.count()
    rows = [{"纠纷类别": "交通事故纠纷", "纠纷简要情况": "两车剐蹭", "区划代码": TOWN1, "调解员": "王调解"}]
    problems = rejected("mediations", workbook(MEDIATION_HEADERS, rows), users["town1"])
    assert [(row, column) for row, column, _ in problems] == [(2, "调解员")]
    assert Case.objects.count() == before


def test_petition_ledger_registers_petitions(users):
    headers = ["信访人", "联系电话", "信访事项", "区划代码", "地址"]
    rows = [["周九", "13600136000", "反映村道多年未修,雨天无法通行", TOWN1, "城关镇北村"]]
    result = import_ledger("petitions", workbook(headers, rows), users["town1"])
    petition = Petition.objects.get(case__number=result.created[0])
    assert (petition.case.category, petition.case.channel, petition.petitioner.name) == (
        "petition",
        "petition_bureau",
        "周九",
    )


@pytest.mark.parametrize("ledger", ["cases", "mediations", "petitions", "supervision"])
def test_the_templates_import_as_they_are(users, ledger):
    import io

    out = io.BytesIO()
    template_workbook(ledger).save(out)
    out.seek(0)
    assert (
        len(
            import_ledger(ledger, out, users["county"] if ledger == "supervision" else users["town1"]).created
        )
        == 1
    )


SUPERVISION_HEADERS = ["区划代码", "督办事项", "关联事项编号", "包案领导", "责任单位", "办结时限"]


def _due(days=30):
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_supervision_ledger_lists_matters_once(users, make_case):
    from fengqiao.supervision.models import LedgerItem

    case = make_case("town1")
    rows = [
        ["990102000000", "县城某楼盘逾期交房业主维权", "", "王副县长", "990102-public_security", _due()],
        [TOWN1, "城关镇排水沟纠纷", case.number, "李镇长", "", _due(10)],
    ]
    result = import_ledger("supervision", workbook(SUPERVISION_HEADERS, rows), users["county"])
    assert len(result.created) == 2
    county_item = LedgerItem.objects.get(title="县城某楼盘逾期交房业主维权")
    assert (county_item.level, county_item.responsible_unit.code) == ("county", "990102-public_security")
    town_item = LedgerItem.objects.get(title="城关镇排水沟纠纷")
    assert (town_item.level, town_item.case) == ("town", case)
    assert case.timeline.filter(kind="ledger_listed").exists()
    again = import_ledger("supervision", workbook(SUPERVISION_HEADERS, rows), users["county"])
    assert again.created == [] and len(again.existing) == 2


def test_supervision_ledger_all_or_nothing(users):
    from fengqiao.supervision.models import LedgerItem

    before = LedgerItem.objects.count()
    rows = [
        ["990102000000", "可以挂账的事项", "", "王副县长", "", _due()],
        ["990102000000", "时限已过", "", "王副县长", "", _due(-1)],
        ["990102000000", "单位不明", "", "王副县长", "不存在的单位", _due()],
        ["990102000000", "", "", "", "", "明天"],
    ]
    problems = rejected("supervision", workbook(SUPERVISION_HEADERS, rows), users["county"])
    assert problems == [
        (4, "责任单位", "没有此单位(填写单位名称或代码)"),
        (5, "督办事项", "必填"),
        (5, "包案领导", "必填"),
        (5, "办结时限", "日期格式应为 2026-01-31"),
    ]
    rows = rows[:2]
    assert rejected("supervision", workbook(SUPERVISION_HEADERS, rows), users["county"]) == [
        (3, "办结时限", "办结时限已过")
    ]
    assert LedgerItem.objects.count() == before
    town = [["990102000000", "镇里挂到县里", "", "李镇长", "", _due()]]
    assert rejected("supervision", workbook(SUPERVISION_HEADERS, town), users["town1"]) == [
        (2, "区划代码", "没有此区划或不在您的管辖区划内")
    ]
    assert (
        rejected("supervision", workbook(SUPERVISION_HEADERS, town), users["leader"])[0][2]
        == "您的角色不能挂账督办"
    )


def test_a_clash_while_writing_is_reported_and_rolls_everything_back(users, monkeypatch):
    from django.db import IntegrityError

    from fengqiao.cases import actions

    real = actions.create_case
    calls = []

    def clashing(intake, **kwargs):
        calls.append(intake)
        if len(calls) == 2:
            raise IntegrityError("UNIQUE constraint failed: cases_case.number")
        return real(intake, **kwargs)

    monkeypatch.setattr(actions, "create_case", clashing)
    before = Case.objects.count()
    sheet = workbook(CASE_HEADERS, [case_row(), case_row(申请人="孙七")])
    assert rejected("cases", sheet, users["town1"]) == [(3, "—", "保存时与其他操作冲突,请重新导入")]
    assert Case.objects.count() == before
