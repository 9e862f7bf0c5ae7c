"""The loop as centres really work it: stage clocks and cards, extensions, returns, read receipts,
instructions, urgency, pinning, skip-level reports, closure approval and follow-up."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fengqiao import clock
from fengqiao.cases import followups
from fengqiao.cases.actions import PartyInput
from fengqiao.cases.models import Card, Case, DeadlineRule, FollowUp, SkipLevelRule, UrgencyRule
from fengqiao.cases.sweep import sweep
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.notices.models import Notice, SmsMessage

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
POLICE = "990102-public_security"
TOWN1_CENTRE = "990102001-centre"


def cards(case, colour=None):
    found = Card.objects.filter(case=case)
    if colour:
        found = found.filter(colour=colour)
    return list(found.values_list("stage", "colour", "unit__code"))


@pytest.mark.django_db
def test_handle_clock_turns_yellow_then_red_in_natural_days(make_case):
    case = make_case("town1")  # town level: 7 days, yellow after 5
    handle = case.clocks.get(stage="handle")
    assert handle.due_at == case.reported_at + 7 * DAY and handle.yellow_at == case.reported_at + 5 * DAY
    assert handle.colour(case.reported_at + 4 * DAY) == "green"
    sweep(case.reported_at + 5 * DAY + HOUR)
    assert ("handle", "yellow", TOWN1_CENTRE) in cards(case)
    assert handle.colour(case.reported_at + 5 * DAY + HOUR) == "yellow"
    sweep(case.reported_at + 7 * DAY + HOUR)
    assert ("handle", "red", TOWN1_CENTRE) in cards(case)
    assert Case.objects.get(pk=case.pk).level == "county"  # and the case rose a level
    before = Card.objects.count()
    sweep(case.reported_at + 7 * DAY + HOUR)
    assert Card.objects.count() == before  # each card once


@pytest.mark.django_db
def test_accept_clock_in_hours(make_case):
    case = make_case("town1")
    accept = case.clocks.get(stage="accept")
    assert accept.due_at == case.reported_at + 24 * HOUR and accept.yellow_at == case.reported_at + 16 * HOUR
    sweep(case.reported_at + 17 * HOUR)
    assert cards(case, "yellow") == [("accept", "yellow", TOWN1_CENTRE)]
    sweep(case.reported_at + 25 * HOUR)
    assert ("accept", "red", TOWN1_CENTRE) in cards(case, "red")
    case.refresh_from_db()
    assert not case.overdue  # a late signature is a card, not an overdue case
    notices = Notice.objects.filter(case=case, recipient__username="town1")
    assert notices.filter(kind="yellow_card").exists() and notices.filter(kind="red_card").exists()
    assert "受理时限已超时" in notices.get(kind="red_card").body


@pytest.mark.django_db
def test_working_day_limit_with_its_yellow_threshold(make_case):
    DeadlineRule.objects.create(stage="handle", level="town", amount=5, counting="working", yellow_after=3)
    from fengqiao.cases.deadlines import LOCAL

    with time_machine.travel(timezone.datetime(2026, 9, 29, 9, 0, tzinfo=LOCAL), tick=False):
        case = make_case("town1")
    handle = case.clocks.get(stage="handle")
    # 9-30 is the 1st working day; 10-01..10-07 are National Day holidays; then 10-08, 10-09 (Fri),
    # 10-12 (Mon) — per chinese-calendar's 2026 arrangement.
    import chinese_calendar

    working = [
        d
        for d in (timezone.datetime(2026, 9, 29).date() + n * DAY for n in range(1, 20))
        if chinese_calendar.is_workday(d)
    ]
    assert handle.yellow_at.astimezone(LOCAL).date() == working[2]
    assert handle.due_at.astimezone(LOCAL).date() == working[4]
    assert handle.due_at.astimezone(LOCAL).hour == 9


@pytest.mark.django_db
def test_a_per_unit_rule_beats_the_general_one(make_case, users):
    from fengqiao.accounts.models import Unit

    DeadlineRule.objects.create(
        stage="accept", unit=Unit.objects.get(code=POLICE), amount=2, counting="hours", yellow_after=1
    )
    case = make_case("town1")
    case = __import__("fengqiao.cases.actions", fromlist=["take_action"]).take_action(
        case, users["town1"], "dispatch", units=[POLICE]
    )
    accept = case.clocks.get(stage="accept", outcome="running")
    assert accept.unit.code == POLICE and accept.due_at - accept.started_at == 2 * HOUR


@pytest.mark.django_db
def test_clocks_follow_the_case_through_dispatch_return_and_escalation(make_case, act):
    case = act(make_case("town1"), "town1", "accept")
    handle_due = case.clocks.get(stage="handle").due_at
    case = act(case, "town1", "dispatch", units=[POLICE])
    running = {c.stage: c for c in case.clocks.filter(outcome="running")}
    assert running["handle"].unit.code == POLICE and running["handle"].due_at == handle_due  # carried over
    assert running["accept"].unit.code == POLICE  # a fresh accept clock for the receiver
    case = act(case, "police1", "return", note="非公安职责")
    running = {c.stage: c for c in case.clocks.filter(outcome="running")}
    assert running["handle"].unit.code == TOWN1_CENTRE and running["handle"].due_at == handle_due
    assert "accept" not in running  # never left running on a unit that no longer holds the case
    case = act(case, "town1", "escalate", note="需县级协调")
    running = {c.stage: c for c in case.clocks.filter(outcome="running")}
    assert running["handle"].unit.code == "990102-centre" and running["handle"].level == "county"
    assert running["accept"].unit.code == "990102-centre"


@pytest.mark.django_db
def test_extension_granted_moves_the_deadline_and_refused_does_not(make_case, act):
    case = act(act(make_case("town1"), "town1", "dispatch", units=[POLICE]), "police1", "start")
    due = case.clocks.get(stage="handle", outcome="running").due_at
    with pytest.raises(FieldError):
        act(case, "police1", "request_extension", days=5)  # a reason is needed
    case = act(case, "police1", "request_extension", days=5, note="需等待伤情鉴定")
    with pytest.raises(ActionRefused):
        act(case, "police1", "request_extension", days=3, note="再申请")  # one waiting at a time
    with pytest.raises(FieldError):
        act(case, "town1", "decide_extension", decision="grant", days=9, note="同意")  # more than asked
    case = act(case, "town1", "decide_extension", decision="grant", days=3, note="同意延期3天")
    assert case.clocks.get(stage="handle", outcome="running").due_at == due + 3 * DAY
    assert case.deadline_at == due + 3 * DAY
    case = act(case, "police1", "request_extension", days=5, note="仍需时间")
    case = act(case, "town1", "decide_extension", decision="refuse", note="请按时办结")
    assert case.clocks.get(stage="handle", outcome="running").due_at == due + 3 * DAY
    entry = case.timeline.filter(kind="decide_extension").order_by("at", "id").first()
    assert entry.actor.username == "town1" and entry.data["granted"] == 3 and entry.note == "同意延期3天"


@pytest.mark.django_db
def test_a_petition_gets_one_extension_of_at_most_thirty_days(make_case, act):
    petition = act(make_case("county", category="petition", description="反映补偿款问题"), "county", "accept")
    petition = act(petition, "county", "dispatch", units=["990102-petition"])
    from fengqiao.accounts.models import Unit, User

    handler = User.objects.create(
        username="petition-officer",
        role="department_staff",
        region_id="990102000000",
        unit=Unit.objects.get(code="990102-petition"),
    )
    from fengqiao.cases.actions import take_action

    petition = take_action(petition, handler, "start")
    petition = take_action(petition, handler, "request_extension", days=40, note="情况复杂")
    with pytest.raises(FieldError):
        act(petition, "county", "decide_extension", decision="grant", days=31, note="同意")
    petition = act(petition, "county", "decide_extension", decision="grant", days=30, note="同意30天")
    petition = take_action(petition, handler, "request_extension", days=10, note="再延")
    with pytest.raises(ActionRefused) as again:
        act(petition, "county", "decide_extension", decision="grant", days=10, note="同意")
    assert "only once" in again.value.message


@pytest.mark.django_db
def test_a_case_returned_twice_is_flagged_and_the_centre_hears_of_each_return(make_case, act, client):
    case = make_case("town1")
    for reason in ("非本单位职责", "材料不全"):
        case = act(act(case, "town1", "dispatch", units=[POLICE]), "police1", "return", note=reason)
    assert case.returns == 2
    assert Notice.objects.filter(case=case, kind="returned", recipient__username="town1").count() == 2
    client.login(username="town1", password="fengqiao-demo")
    assert "退回 2 次" in client.get("/cases/").content.decode()


@pytest.mark.django_db
def test_read_receipt_is_recorded_once(make_case, act, client, api):
    case = act(make_case("town1"), "town1", "dispatch", units=[POLICE])
    client.login(username="police1", password="fengqiao-demo")
    client.get(f"/cases/{case.number}/")
    client.get(f"/cases/{case.number}/")
    api("police1").get(f"/cases/{case.number}")
    assert case.timeline.filter(kind="read").count() == 1
    assert case.assignments.get().read_at is not None
    client.logout()
    client.login(username="town1", password="fengqiao-demo")
    assert "已阅" in client.get(f"/cases/{case.number}/").content.decode()


@pytest.mark.django_db
def test_leader_instruction_reaches_the_handling_unit(make_case, act, client):
    case = act(make_case("town1"), "town1", "dispatch", units=[POLICE])
    act(case, "leader", "instruct", note="请务必三日内妥善处置,防止矛盾激化")
    assert Notice.objects.filter(case=case, kind="instruction", recipient__username="police1").exists()
    client.login(username="police1", password="fengqiao-demo")
    queue = client.get("/cases/mine/").content.decode()
    assert "请务必三日内妥善处置" in queue
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert page.index("领导批示") < page.index("事项情况")


@pytest.mark.django_db
def test_urgent_shortens_the_running_clocks_by_the_admin_rule(make_case, act):
    UrgencyRule.objects.create(remaining_percent=25, minimum_hours=2)
    with clock.at(timezone.now()):
        case = make_case("town1")
    start = case.clocks.get(stage="handle").started_at
    with clock.at(start):
        case = act(case, "leader", "urge", note="群众反映强烈")
    assert case.clocks.get(stage="handle", outcome="running").due_at == start + 7 * DAY / 4
    with pytest.raises(ActionRefused):
        act(case, "leader", "urge")


@pytest.mark.django_db
def test_pinned_cases_lead_every_list(make_case, act, api):
    first = make_case("town1")
    make_case("town1")
    act(first, "county", "pin")
    assert api("town1").get("/cases").json()["results"][0]["number"] == first.number


@pytest.mark.django_db
def test_skip_level_rule_fires_once(make_case, act):
    SkipLevelRule.objects.create(
        name="死亡事件报县市",
        keywords=["死亡"],
        notify_levels=["county", "city"],
        copy_departments=["public_security"],
    )
    case = make_case("town1", description="两家械斗造成一人死亡,现场仍有人员聚集")
    assert case.timeline.filter(kind="skip_level").count() == 1
    receivers = set(
        Notice.objects.filter(case=case, kind="skip_level").values_list("recipient__username", flat=True)
    )
    assert {"county", "police1"} <= receivers
    assert "死亡事件报县市" in Notice.objects.filter(case=case, kind="skip_level").first().body
    act(case, "leader", "urge", note="加急")  # urgency re-checks the rules; this one has fired already
    assert case.timeline.filter(kind="skip_level").count() == 1
    assert not make_case("town1").timeline.filter(kind="skip_level").exists()


@pytest.mark.django_db
def test_closure_needs_the_centres_approval_which_can_send_it_back(make_case, act):
    case = act(act(make_case("town1"), "town1", "start"), "town1", "resolve", note="已调解")
    case = act(case, "county", "verify")
    case = act(case, "town1", "redo", note="协议履行情况未核实,退回")
    assert case.status == "in_progress"
    case = act(act(case, "town1", "resolve", note="已核实履行"), "county", "verify")
    assert act(case, "town1", "close", satisfaction=5).status == "closed"


@pytest.mark.django_db
def test_a_not_settled_follow_up_reopens_the_case_and_counts_against_the_unit(make_case, act, client):
    case = act(act(make_case("town1"), "town1", "start"), "town1", "resolve", note="已调解")
    case = act(act(case, "county", "verify"), "town1", "close", satisfaction=4)
    follow_up = FollowUp.objects.get(case=case)
    assert follow_up.due_at == case.closed_at + 7 * DAY and follow_up.unit.code == TOWN1_CENTRE
    assert followups.ask_due(follow_up.due_at - HOUR) == 0
    assert followups.ask_due(follow_up.due_at + HOUR) == 1
    assert followups.ask_due(follow_up.due_at + HOUR) == 0  # asked once
    text = SmsMessage.objects.get(case=case, event="follow_up_applicant")
    assert text.recipient is None and text.phone_masked == "138****8000"  # the applicant, not a user
    assert f"/follow-up/{follow_up.token}/" in text.text and case.number in text.text
    assert text.text.startswith("【枫桥】") and "张三" not in text.text
    staff = Notice.objects.get(case=case, kind="follow_up", recipient__username="town1")
    assert "已向申请人发送回访短信" in staff.body
    assert case.timeline.get(kind="follow_up_asked").data["by_sms"] is True
    page = client.get(f"/follow-up/{follow_up.token}/")
    assert case.number in page.content.decode()
    client.post(f"/follow-up/{follow_up.token}/", {"settled": "no", "note": "对方又堵了排水沟"})
    case.refresh_from_db()
    assert case.status == "accepted" and case.closed_at is None
    assert FollowUp.objects.filter(unit__code=TOWN1_CENTRE, settled=False).count() == 1
    assert case.timeline.get(kind="reopen").data["follow_up"] == follow_up.pk
    client.post(f"/follow-up/{follow_up.token}/", {"settled": "yes"})  # answered once only
    assert FollowUp.objects.get(pk=follow_up.pk).settled is False


@pytest.mark.django_db
def test_an_applicant_without_a_phone_is_called_instead(make_case, act, settings):
    settings.PUBLIC_URL = "https://fq.example.gov.cn/"
    case = make_case("town1", parties=[PartyInput("李四", "applicant")])
    case = act(act(case, "town1", "start"), "town1", "resolve", note="已调解")
    case = act(act(case, "county", "verify"), "town1", "close")
    follow_up = FollowUp.objects.get(case=case)
    assert followups.ask_due(follow_up.due_at) == 1
    assert not SmsMessage.objects.filter(case=case).exists()
    staff = Notice.objects.get(case=case, kind="follow_up", recipient__username="town1")
    assert "请电话回访" in staff.body
    assert f"https://fq.example.gov.cn/follow-up/{follow_up.token}/" in staff.body
    assert case.timeline.get(kind="follow_up_asked").data["by_sms"] is False


@pytest.mark.django_db
def test_staff_record_a_follow_up_answer_from_the_phone(make_case, act):
    case = act(act(make_case("town1"), "town1", "start"), "town1", "resolve", note="已调解")
    case = act(act(case, "county", "verify"), "town1", "close")
    case = act(case, "town1", "record_follow_up", settled=True, note="电话回访:已解决")
    assert case.status == "closed" and FollowUp.objects.get(case=case).settled is True


@pytest.mark.django_db
def test_every_notice_lands_in_the_inbox_and_the_sms_backend(
    make_case, act, users, django_capture_on_commit_callbacks
):
    for username in ("town1", "police1"):
        users[username].phone = "13800138001"
        users[username].save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        case = act(make_case("town1"), "town1", "dispatch", units=[POLICE], note="请核实")
        sweep(case.reported_at + 30 * HOUR)  # the accept clock: a yellow card, then a red one
        act(case, "leader", "instruct", note="抓紧办理")
        act(case, "leader", "urge", note="群众反映强烈")
        case = act(case, "police1", "start")
        case = act(case, "police1", "request_extension", days=3, note="等待鉴定")
        act(case, "town1", "decide_extension", decision="grant", days=2, note="同意两天")
    police = {"new_work", "yellow_card", "red_card", "instruction", "urged", "extension_decided"}
    inbox = set(
        Notice.objects.filter(case=case, recipient__username="police1").values_list("kind", flat=True)
    )
    assert police <= inbox
    assert Notice.objects.filter(case=case, recipient__username="town1", kind="extension_requested").exists()
    texts = SmsMessage.objects.filter(case=case, recipient__username="police1")
    assert police <= set(texts.values_list("event", flat=True))
    assert set(texts.values_list("status", flat=True)) == {"sent"}
    decided = Notice.objects.get(case=case, recipient__username="police1", kind="extension_decided")
    assert decided.title.startswith("延期申请已批准") and "延期 2 天" in decided.body


@pytest.mark.django_db
def test_a_working_day_limit_in_a_year_without_a_calendar_warns_and_says_so(make_case):
    from fengqiao.cases.deadlines import LOCAL
    from fengqiao.workdays.models import CalendarWarning

    DeadlineRule.objects.create(stage="handle", level="town", amount=5, counting="working")
    with time_machine.travel(timezone.datetime(2031, 3, 2, 9, 0, tzinfo=LOCAL), tick=False):
        case = make_case("town1")
    handle = case.clocks.get(stage="handle")
    assert handle.due_at == handle.started_at + 5 * DAY
    assert "按自然日" in handle.rule and "2031" in handle.rule
    assert CalendarWarning.objects.filter(year=2031).exists()


@pytest.mark.django_db
def test_cards_and_failed_follow_ups_reach_the_figures(make_case, act, api):
    from fengqiao.accounts.models import Unit
    from fengqiao.cases.stats import unit_cards, unit_follow_up_failures

    police = Unit.objects.get(code=POLICE)
    case = act(make_case("town1"), "town1", "dispatch", units=[POLICE])
    sweep(case.reported_at + 30 * HOUR)  # police never signed for it: a yellow and a red card
    assert unit_cards(unit_ids=[police.pk]) == {police.pk: {"yellow": 1, "red": 1}}
    assert unit_cards(start=case.reported_at + 31 * HOUR, unit_ids=[police.pk]) == {}
    body = api("county").get(f"/cases/{case.number}").json()
    assert {(card["colour"], card["stage"], card["unit"]) for card in body["cards"]} == {
        ("yellow", "accept", police.name),
        ("red", "accept", police.name),
    }
    stats = api("county").get("/stats", region="990102000000").json()
    assert stats["cards"]["yellow"] >= 1 and stats["cards"]["red"] >= 1
    other = act(act(make_case("town1"), "town1", "start"), "town1", "resolve", note="已调解")
    other = act(act(other, "county", "verify"), "town1", "close")
    follow_up = FollowUp.objects.get(case=other)
    followups.answer(follow_up, settled=False, note="没解决")
    town1_centre = Unit.objects.get(code=TOWN1_CENTRE)
    assert unit_follow_up_failures()[town1_centre.pk] == 1
    assert api("county").get(f"/cases/{other.number}").json()["follow_ups"][0]["settled"] is False
