import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.meetings.models import JointMeeting, MeetingTask

from .conftest import MEDIATION_1, POLICE


def form(times, **overrides):
    data = {
        "held_at": timezone.localtime(times["held"]).strftime("%Y-%m-%dT%H:%M"),
        "place": "县综治中心",
        "units": [MEDIATION_1, POLICE],
        "minutes": "镇调委会组织调解。",
        "task-0-unit": MEDIATION_1,
        "task-0-description": "组织调解",
        "task-0-due_at": timezone.localdate(times["due"]).isoformat(),
        "task-2-unit": POLICE,
        "task-2-description": "维护秩序",
        "task-2-due_at": timezone.localdate(times["due"]).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_centre_records_a_meeting_on_the_page(client, users, joint_case, times):
    client.force_login(users["county"])
    url = reverse("case-meetings", args=[joint_case.number])
    page = client.get(url)
    assert page.status_code == 200
    assert "记录联席会议" in page.content.decode() and "尚未召开联席会议" in page.content.decode()

    response = client.post(url, form(times))
    assert response.status_code == 302 and response["Location"] == url
    meeting = JointMeeting.objects.get(case=joint_case)
    assert sorted(meeting.tasks.values_list("unit__code", flat=True)) == sorted([MEDIATION_1, POLICE])
    html = client.get(url).content.decode()
    assert "组织调解" in html and "2 项会议任务未完成" in html
    assert "完成任务" not in html  # the county centre is not the tasks' unit


@pytest.mark.django_db
def test_errors_are_shown_by_the_field(client, users, joint_case, times):
    client.force_login(users["county"])
    url = reverse("case-meetings", args=[joint_case.number])
    response = client.post(url, form(times, minutes="", **{"task-2-due_at": "2000-01-01"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写议定事项" in html
    assert not JointMeeting.objects.exists()
    # The action's check (a due date before the meeting) is named on its row as well.
    response = client.post(url, form(times, **{"task-2-due_at": "2000-01-01"}))
    assert "请填写完成时限,须晚于会议时间且在一年以内" in response.content.decode()
    assert 'value="维护秩序"' in response.content.decode()
    assert not JointMeeting.objects.exists()


@pytest.mark.django_db
def test_the_tasks_unit_completes_it_on_the_page(client, users, meeting):
    task = meeting.tasks.get(unit__code=MEDIATION_1)
    url = reverse("case-meetings", args=[meeting.case.number])

    client.force_login(users["police1"])
    html = client.get(url).content.decode()
    assert reverse("meeting-task-complete", args=[task.pk]) not in html
    client.post(reverse("meeting-task-complete", args=[task.pk]), {"result": "不是我们的"})
    assert MeetingTask.objects.get(pk=task.pk).status == "open"

    client.force_login(users["mediator1"])
    html = client.get(url).content.decode()
    assert reverse("meeting-task-complete", args=[task.pk]) in html
    assert "记录联席会议" not in html
    response = client.post(reverse("meeting-task-complete", args=[task.pk]), {"result": "已组织调解"})
    assert response.status_code == 302 and response["Location"] == url
    assert MeetingTask.objects.get(pk=task.pk).status == "done"
    assert "已组织调解" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_page_is_scoped(client, users, meeting):
    client.force_login(users["town1"])
    assert client.get(reverse("case-meetings", args=[meeting.case.number])).status_code == 404
    task = meeting.tasks.first()
    assert client.post(reverse("meeting-task-complete", args=[task.pk]), {"result": "x"}).status_code == 404


@pytest.mark.django_db
def test_the_page_needs_a_login(client, joint_case):
    response = client.get(reverse("case-meetings", args=[joint_case.number]))
    assert response.status_code == 302 and "login" in response["Location"]
