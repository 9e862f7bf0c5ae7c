import pytest

from fengqiao.notices import events, templating
from fengqiao.notices.actions import notify_event
from fengqiao.notices.models import MessageTemplate, Notice


def test_the_core_notice_kinds_are_all_registered_events_with_the_same_names():
    registered = dict(events.choices())
    assert {code: registered.get(code) for code, _ in Notice.Kind.choices} == dict(Notice.Kind.choices)


def test_an_app_registers_an_event_once_and_a_conflicting_one_is_refused():
    event = events.Event("test_only_event", "测试事件", "t", "b", "s")
    events.register(event)
    try:
        events.register(event)  # the same again is harmless (ready() may run twice)
        assert ("test_only_event", "测试事件") in events.choices()
        with pytest.raises(ValueError, match="already registered"):
            events.register(events.Event("test_only_event", "别的名字", "t", "b", "s"))
    finally:
        del events.EVENTS["test_only_event"]


@pytest.mark.parametrize("code", list(events.EVENTS))
def test_every_default_template_passes_the_admin_check(code):
    event = events.EVENTS[code]
    assert templating.check(event.title, event.body, event.sms, code) == {}


@pytest.mark.django_db
def test_the_migration_seeds_a_template_per_event_with_the_defaults():
    seeded = {template.event: template for template in MessageTemplate.objects.all()}
    assert set(seeded) == set(events.EVENTS)
    for code, template in seeded.items():
        assert (template.title, template.body, template.sms) == (
            events.EVENTS[code].title,
            events.EVENTS[code].body,
            events.EVENTS[code].sms,
        )


EXTRA = {
    "new_work": ({"note": "请尽快上门"}, "新任务交办:", "请尽快上门"),
    "returned": ({"note": "不属于本单位职责"}, "事项被退回:", "退回理由:不属于本单位职责"),
    "yellow_card": ({"stage": "办理", "due_at": "2026-03-08 17:30"}, "黄牌预警:", "截止 2026-03-08 17:30"),
    "red_card": ({"stage": "签收"}, "红牌超时:", "签收已超时"),
    "instruction": ({"note": "务必妥善化解"}, "领导批示:", "政法委领导批示:务必妥善化解"),
    "warning": ({"risk": 85, "reasons": ["扬言报复", "多次上访"]}, "(风险 85)", "扬言报复;多次上访"),
    "overdue": ({}, "超期提醒:", "已超过办理时限"),
    "skip_level": ({"rule": "涉稳事项"}, "越级上报:", "涉稳事项:"),
    "extension_decided": ({"granted": True, "days": 5, "note": "同意"}, "延期申请已批准:", "延期 5 天"),
    "follow_up": ({}, "回访:", "请回访申请人"),
    "emergency": ({"note": "已启动预案"}, "突发事件:", "已启动预案"),
    "meeting_task": ({"task": "组织双方调解", "due_at": "2026-03-10 12:00"}, "联席会议任务:", "组织双方调解"),
}


@pytest.mark.django_db
# The core events; those other apps register are tested by their apps.
@pytest.mark.parametrize("code", Notice.Kind.values)
def test_each_event_renders_its_default_template_into_the_inbox(code, users, case):
    context, in_title, in_body = EXTRA[code]
    told = notify_event(code, [users["town1"]], case=case, actor=users["leader"], **context)
    assert told == 1
    notice = Notice.objects.get(recipient=users["town1"], kind=code)
    assert notice.case == case
    assert in_title in notice.title and case.number in notice.title
    assert in_body in notice.body
    assert "{{" not in notice.title + notice.body and "{%" not in notice.body


@pytest.mark.django_db
def test_the_case_variables_are_plain_values(users, case):
    context = templating.build_context(
        events.get("new_work"), case, actor=users["town1"], when=case.reported_at
    )
    assert context["case"]["category"] == case.get_category_display()
    assert context["case"]["number"] == case.number
    assert context["actor"] == str(users["town1"])
    assert isinstance(context["when"], str)
    assert context["unit"] == (case.handling_unit.name if case.handling_unit else "")


@pytest.mark.django_db
def test_an_unknown_event_is_a_programming_error(users):
    with pytest.raises(ValueError, match="unknown notice event"):
        notify_event("no_such_event", [users["town1"]])


@pytest.mark.django_db
def test_a_notice_without_a_case(users):
    assert notify_event("emergency", [users["county"]], subject="山体滑坡", note="请立即集结") == 1
    notice = Notice.objects.get(recipient=users["county"], kind="emergency")
    assert notice.title == "突发事件:山体滑坡" and notice.case is None
