import logging

import pytest
from django.core.exceptions import ValidationError

from fengqiao.notices import templating
from fengqiao.notices.actions import notify_event
from fengqiao.notices.models import MessageTemplate, Notice, SmsMessage


def edit(event, **fields):
    template = MessageTemplate.objects.get(event=event)
    for name, value in fields.items():
        setattr(template, name, value)
    template.save()  # straight to the database, past the admin's check
    return template


@pytest.mark.django_db
def test_an_admins_wording_is_used(users, case, with_phone, django_capture_on_commit_callbacks):
    edit(
        "new_work",
        title="请办理 {{ case.number }}({{ case.category }})",
        body="{{ actor }}交办:{{ note }}",
        sms="{{ sign }}{{ title }}",
    )
    with_phone("town1")
    with django_capture_on_commit_callbacks(execute=True):
        notify_event("new_work", [users["town1"]], case=case, actor=users["county"], note="<今天>")
    notice = Notice.objects.get(recipient=users["town1"], kind="new_work")
    assert notice.title == f"请办理 {case.number}({case.get_category_display()})"
    assert notice.body == f"{users['county']}交办:<今天>"  # plain text: not HTML-escaped
    assert SmsMessage.objects.get().text == f"【枫桥】请办理 {case.number}({case.get_category_display()})"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "broken",
    [
        {"title": "{% if %}坏了"},
        {"title": "{{ case.number|no_such_filter }}"},
        {"body": "{% url 'no-such-page' %}"},
        {"title": "{% include 'base.html' %}"},
        {"title": "{% if False %}x{% endif %}"},  # renders empty
        {"sms": "{% for %}"},
    ],
)
def test_a_broken_admin_template_falls_back_to_the_default(
    broken, users, case, with_phone, caplog, django_capture_on_commit_callbacks
):
    edit("returned", **broken)
    with_phone("town1")
    with (
        caplog.at_level(logging.WARNING, logger="fengqiao.notices"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notify_event("returned", [users["town1"]], case=case, note="不属于本单位") == 1
    notice = Notice.objects.get(recipient=users["town1"], kind="returned")
    assert notice.title == f"事项被退回:{case.number}"
    assert "退回理由:不属于本单位" in notice.body
    assert SmsMessage.objects.get().text.startswith(f"【枫桥】事项被退回:{case.number}")
    assert any("does not render" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db
def test_a_switched_off_template_means_the_default(users, case):
    edit("overdue", title="自定义 {{ case.number }}", active=False)
    notify_event("overdue", [users["town1"]], case=case)
    assert Notice.objects.get(recipient=users["town1"], kind="overdue").title == f"超期提醒:{case.number}"


@pytest.mark.django_db
def test_a_template_may_switch_the_text_message_off(
    users, case, with_phone, django_capture_on_commit_callbacks
):
    edit("follow_up", send_sms=False)
    with_phone("town1")
    with django_capture_on_commit_callbacks(execute=True):
        notify_event("follow_up", [users["town1"]], case=case)
    assert Notice.objects.filter(recipient=users["town1"], kind="follow_up").exists()
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_without_a_template_row_the_default_applies(users, case):
    MessageTemplate.objects.all().delete()
    notify_event("skip_level", [users["county"]], case=case, rule="涉稳")
    assert Notice.objects.get(recipient=users["county"], kind="skip_level").body.startswith("涉稳:")


@pytest.mark.django_db
def test_the_model_check_rejects_what_would_not_render():
    template = MessageTemplate(event="warning", title="{% if %}", body="{% load static %}", sms="{{ title")
    with pytest.raises(ValidationError) as raised:
        template.full_clean(exclude=["event"])
    assert set(raised.value.message_dict) == {"title", "body", "sms"}
    template = MessageTemplate(event="warning", title="预警 {{ case.number }}", body="", sms="")
    template.full_clean(exclude=["event"])


def test_the_template_sees_no_model_instance():
    context = templating.build_context(
        templating.events.get("new_work"), None, actor=object(), extra=object()
    )
    assert isinstance(context["actor"], str) and isinstance(context["extra"], str)


@pytest.mark.django_db
def test_the_admin_form_refuses_a_broken_template_and_accepts_a_good_one(client, users):
    client.force_login(users["admin"])
    template = MessageTemplate.objects.get(event="instruction")
    url = f"/admin/notices/messagetemplate/{template.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "可用变量" in content and "预览" in content

    form = {"active": "on", "send_sms": "on", "title": "{% if %}", "body": "", "sms": ""}
    answer = client.post(url, form)
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    template.refresh_from_db()
    assert template.title == "领导批示:{{ case.number }}"

    form["title"] = "批示 {{ case.number }}"
    answer = client.post(url, form)
    assert answer.status_code == 302
    template.refresh_from_db()
    assert template.title == "批示 {{ case.number }}"


@pytest.mark.django_db
def test_the_admin_resets_a_template_to_the_default(client, users):
    edit("instruction", title="改过的 {{ case.number }}")
    client.force_login(users["admin"])
    template = MessageTemplate.objects.get(event="instruction")
    answer = client.post(
        "/admin/notices/messagetemplate/",
        {"action": "reset_to_default", "_selected_action": [template.pk]},
    )
    assert answer.status_code == 302
    template.refresh_from_db()
    assert template.title == "领导批示:{{ case.number }}"


@pytest.mark.django_db
def test_the_case_context_names_category_level_and_status_as_the_case_does(case):
    """The labels come from the fields' choices, read once per process; a code that is no longer
    among the choices (an old row) shows as the code, as get_FOO_display shows it."""
    context = templating.case_context(case)
    assert (context["category"], context["level"], context["status"]) == (
        case.get_category_display(),
        case.get_level_display(),
        case.get_status_display(),
    )
    assert context["category"] == "邻里纠纷" and context["category_code"] == "neighbour"
    case.category = "retired_code"
    assert templating.case_context(case)["category"] == "retired_code" == case.get_category_display()
