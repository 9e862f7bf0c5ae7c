import pytest

from fengqiao.cases.actions import Intake, PartyInput, create_case, take_action
from fengqiao.cases.models import Case, CaseLink
from fengqiao.cases.stats import case_stats
from fengqiao.notices.models import Notice
from fengqiao.triage import risk
from fengqiao.triage.models import TriageOverride

TOWNSHIP = "990102001000"
GRID = "990102001001001"


def intake(description, **fields):
    fields.setdefault("category", "neighbour")
    fields.setdefault("region_code", GRID)
    return Intake(channel="window", description=description, **fields)


def make(users, description, username="town1", **fields):
    case, _ = create_case(intake(description, **fields), actor=users[username])
    return case


def links(case):
    return set(CaseLink.objects.filter(case=case).values_list("other__number", "reason"))


@pytest.mark.django_db
def test_same_parties_link_across_places_and_categories(users):
    first = make(
        users, "王家和李家为鸡鸭进菜地吵架", parties=[PartyInput("王大", "applicant", "13811112222")]
    )
    second = make(
        users,
        "王大反映李某借钱不还",
        category="contract_debt",
        region_code="990102001002001",
        parties=[PartyInput("王大", "applicant", "13811112222")],
    )
    assert (first.number, "same_parties") in links(second)


@pytest.mark.django_db
def test_same_place_and_category_within_a_month_link(users):
    first = make(users, "村东头两户因排水沟堵塞争吵")
    second = make(users, "有人反映晚上广场舞音响太吵影响休息")
    assert (first.number, "same_place") in links(second)
    elsewhere = make(users, "另一村两户争吵", region_code="990102001002001")
    assert (first.number, "same_place") not in links(elsewhere)


@pytest.mark.django_db
def test_near_duplicate_text_links_as_the_same_matter(users):
    text = "枫桥镇青山村张某反映,邻居李某在其承包地边上违规搭建猪圈,臭气熏天,多次协商未果,要求村里出面处理。"
    first = make(users, text, region_code="990102002001001", username="county")
    retold = text.replace("多次协商未果", "多次协商都没用").replace("要求", "希望")
    second = make(users, retold, region_code="990102003001001", username="county", category="land_forest")
    assert (first.number, "same_matter") in links(second)
    unrelated = make(
        users,
        "小区电梯经常停运,物业不管",
        region_code="990102003001001",
        username="county",
        category="property_mgmt",
    )
    assert not any(reason == "same_matter" for _, reason in links(unrelated))


@pytest.mark.django_db
def test_related_numbers_are_in_the_api(api, users):
    first = make(
        users, "王家和李家为宅基地边界争执", parties=[PartyInput("王大", "applicant", "13811112222")]
    )
    body = {
        "channel": "window",
        "description": "王大又来反映宅基地边界问题",
        "category": "homestead_housing",
        "region_code": GRID,
        "parties": [{"name": "王大", "role": "applicant", "phone": "13811112222"}],
    }
    case = api("town1").post("/cases", body).json()
    assert first.number in case["related"]
    assert case["timeline"][1]["kind"] == "linked"


@pytest.mark.django_db
def test_merge_keeps_both_timelines_and_counts_once(users, api):
    first = make(users, "村民反映村口路灯不亮")
    second = make(users, "村口路灯坏了好几天了")
    before = case_stats(Case.objects.all(), TOWNSHIP, None, None)["received"]
    take_action(second, users["town1"], "merge", target=first.number, note="同一事项")
    after = case_stats(Case.objects.all(), TOWNSHIP, None, None)["received"]
    assert after == before - 1
    timeline = api("town1").get(f"/cases/{first.number}").json()["timeline"]
    assert {entry["case"] for entry in timeline} == {first.number, second.number}
    assert "merged" in [entry["kind"] for entry in timeline]
    listed = {c["number"] for c in api("town1").get("/cases").json()["results"]}
    assert first.number in listed and second.number not in listed
    with pytest.raises(Exception) as refused:
        take_action(Case.objects.get(pk=second.pk), users["town1"], "accept")
    assert "merged" in str(refused.value)


@pytest.mark.django_db
def test_an_override_is_recorded_for_training_and_reroutes(users):
    case = make(users, "邻居占了我家的路")
    case.classification = {**case.classification, "category": "neighbour", "confidence": 0.41}
    case.save(update_fields=["classification"])
    case = take_action(
        case, users["town1"], "reclassify", category="homestead_housing", note="实为宅基地通行权纠纷"
    )
    override = TriageOverride.objects.get(case=case)
    assert (override.predicted, override.chosen, override.user.username) == (
        "neighbour",
        "homestead_housing",
        "town1",
    )
    assert case.category == "homestead_housing" and not case.needs_triage
    assert case.timeline.filter(kind="reclassify").exists()


def test_risk_reasons_name_what_was_found():
    scored = risk.score(
        "他扬言要拿菜刀砍死对方,还说不想活了,双方为3万元争执了十几年",
        risk.RiskSignals(earlier_between_parties=2),
    )
    assert scored.score >= 70
    text = " ".join(scored.reasons)
    for expected in ("砍死", "菜刀", "不想活", "十几年", "3.0 万元", "此前已有 2 件"):
        assert expected in text, expected


def test_a_plain_quarrel_is_low_risk():
    scored = risk.score("两家因为晾衣服的位置拌了几句嘴")
    assert scored.score < 30 and not scored.high


@pytest.mark.django_db
def test_a_high_risk_case_warns_the_responsible_people_and_gets_less_time(users):
    calm = make(users, "两家因为晾衣服的位置拌了几句嘴", region_code=users["grid1"].region_id)
    case = make(
        users,
        "张某扬言要拿刀砍死邻居,说要同归于尽,双方已经打伤住院,纠纷拖了十几年",
        region_code=users["grid1"].region_id,
    )
    assert case.risk >= 70
    assert case.deadline_at - case.reported_at < calm.deadline_at - calm.reported_at
    warned = set(
        Notice.objects.filter(case=case, kind="warning").values_list("recipient__username", flat=True)
    )
    assert "grid1" in warned
    assert case.timeline.filter(kind="risk_warning").exists()


@pytest.mark.django_db
def test_low_confidence_goes_to_the_human_triage_queue(users, client):
    case, _ = create_case(
        intake("帮帮我,实在没办法了", category=None, region_code=TOWNSHIP), actor=users["town1"]
    )
    assert case.needs_triage and case.classification["needs_review"]
    assert case.handling_unit.code == "990102001-centre"  # not routed blind
    assert case.classification["routing"]["rule"] == "人工研判"
    client.login(username="town1", password="fengqiao-demo")
    assert case.number in client.get("/cases/triage/").content.decode()
    take_action(
        case, users["town1"], "reclassify", category="psych_support", note="来访人情绪低落,转心理援助"
    )
    case.refresh_from_db()
    assert not case.needs_triage and case.handling_unit.code == "990102-psychology"
    assert case.number not in client.get("/cases/triage/").content.decode()


@pytest.mark.django_db
def test_a_confident_classification_is_routed_with_its_reasons(users):
    case, _ = create_case(
        intake("工地包工头拖欠我们二十多个工人三个月工资,过年回不了家", category=None, region_code=TOWNSHIP),
        actor=users["town1"],
    )
    assert case.category == "labour_wages" and not case.needs_triage
    assert any("欠" in reason or "工资" in reason for reason in case.classification["reasons"])
    assert case.handling_unit.code == "990102-human_resources"


@pytest.mark.django_db
def test_ages_are_counted_on_the_day_it_is_in_the_county(users):
    """A case reported at 01:30 on 1 December in Beijing (17:30 UTC on 30 November) counts its
    parties' ages on 1 December, on the stored case and at intake alike."""
    from datetime import UTC, date, datetime

    from fengqiao import clock
    from fengqiao.triage import service

    with clock.at(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)):
        case = make(users, "两家因为宅基地界线争吵")
    assert service.risk_signals(case, [], []).today == date(2026, 12, 1)
    assert service.intake_risk_signals(case, [], []).today == date(2026, 12, 1)
