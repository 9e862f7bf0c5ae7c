"""The five letters: each fires once at its threshold, runs in the deadline sweep, escalates when
left unanswered, and is signed for and answered by the unit it is addressed to."""

from datetime import timedelta
from io import BytesIO

import time_machine
from docx import Document

from fengqiao.cases.sweep import sweep
from fengqiao.notices.models import Notice
from fengqiao.supervision.models import SupervisionNotice

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def letters(case):
    return list(case.supervision_notices.order_by("issued_at", "id").values_list("letter", flat=True))


def answer(api, username, case, letter):
    notice = case.supervision_notices.get(letter=letter)
    response = api(username).post(
        f"/supervision/notices/{notice.pk}/answer", {"answer": "已约谈当事人,正在调解"}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_each_letter_fires_once_at_its_threshold(late_case, api):
    case, clock = late_case
    with time_machine.travel(clock.yellow_at - SECOND, tick=False):
        sweep()
    assert letters(case) == []

    with time_machine.travel(clock.yellow_at, tick=False):
        sweep()
        sweep()  # idempotent
    assert letters(case) == ["reminder"]
    reminder = case.supervision_notices.get()
    assert reminder.issued_at == clock.yellow_at
    assert reminder.unit.code == "990102001-centre"
    assert reminder.leader.username == "leader"
    assert (
        Notice.objects.filter(recipient__username="town1", kind="supervision_letter", case=case).count() == 1
    )
    assert Notice.objects.filter(recipient__username="leader", kind="supervision_letter", case=case).exists()
    with time_machine.travel(clock.yellow_at + SECOND, tick=False):
        answer(api, "town1", case, "reminder")

    with time_machine.travel(clock.due_at - SECOND, tick=False):
        sweep()
    assert letters(case) == ["reminder"]
    with time_machine.travel(clock.due_at, tick=False):
        sweep()
        sweep()
    assert letters(case) == ["reminder", "supervision"]
    # The town centre let the limit pass: the letter goes to it, though the case rose to the county.
    case.refresh_from_db()
    assert case.level == "county"
    assert case.supervision_notices.get(letter="supervision").unit.code == "990102001-centre"
    with time_machine.travel(clock.due_at + SECOND, tick=False):
        answer(api, "town1", case, "supervision")

    # Answered in time: the warning waits for its own threshold, three days past the limit.
    with time_machine.travel(clock.due_at + 3 * DAY - SECOND, tick=False):
        sweep()
    assert letters(case) == ["reminder", "supervision"]
    with time_machine.travel(clock.due_at + 3 * DAY, tick=False):
        sweep()
        sweep()
    assert letters(case) == ["reminder", "supervision", "warning"]
    assert case.supervision_notices.get(letter="warning").unit.code == "990102-centre"

    kinds = list(case.timeline.filter(kind__startswith="supervision").values_list("kind", flat=True))
    assert kinds.count("supervision_notice") == 3
    assert kinds.count("supervision_answered") == 2


def test_an_unanswered_letter_brings_the_next_one_forward(late_case):
    case, clock = late_case
    with time_machine.travel(clock.due_at, tick=False):
        sweep()  # a late sweep writes what timely ones would have
    notices = {notice.letter: notice for notice in case.supervision_notices.all()}
    assert notices["reminder"].issued_at == clock.yellow_at
    assert notices["supervision"].issued_at == clock.due_at

    with time_machine.travel(clock.due_at + 2 * DAY - SECOND, tick=False):
        sweep()
    assert letters(case) == ["reminder", "supervision"]
    with time_machine.travel(clock.due_at + 2 * DAY, tick=False):
        sweep()
    assert letters(case) == ["reminder", "supervision", "warning"]  # a day before its own threshold

    with time_machine.travel(clock.due_at + 30 * DAY, tick=False):
        sweep()
        sweep()
    issued = dict(case.supervision_notices.values_list("letter", "issued_at"))
    assert letters(case) == ["reminder", "supervision", "warning", "summons", "accountability"]
    assert issued["summons"] == clock.due_at + 4 * DAY
    assert issued["accountability"] == clock.due_at + 6 * DAY
    assert SupervisionNotice.objects.filter(case=case).count() == 5


def test_a_settled_case_gets_no_more_letters(late_case, users):
    from fengqiao.cases.actions import take_action

    case, clock = late_case
    with time_machine.travel(clock.yellow_at, tick=False):
        sweep()
        case = take_action(case, users["town1"], "start")
        take_action(case, users["town1"], "resolve", note="双方达成协议")
    with time_machine.travel(clock.due_at + 10 * DAY, tick=False):
        sweep()
    assert letters(case) == ["reminder"]


def test_only_the_addressed_unit_signs_and_answers(late_case, api):
    case, clock = late_case
    with time_machine.travel(clock.yellow_at, tick=False):
        sweep()
    notice = case.supervision_notices.get()
    path = f"/supervision/notices/{notice.pk}"

    assert api("town2").get(path).status_code == 404  # another township's: not theirs to see
    assert api("town2").post(f"{path}/acknowledge").status_code == 404
    assert api("police1").post(f"{path}/acknowledge").status_code == 403  # sees it (county), not addressed
    assert api("leader").post(f"{path}/acknowledge").status_code == 403
    response = api("town1").post(f"{path}/acknowledge")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    assert api("town1").post(f"{path}/answer", {"answer": ""}).status_code == 422
    assert api("town1").post(f"{path}/answer", {"answer": "已办理"}).json()["state"] == "answered"
    assert api("town1").post(f"{path}/answer", {"answer": "再次回复"}).status_code == 409

    mine = api("town1").get("/supervision/notices", mine="true").json()["items"]
    assert [item["id"] for item in mine] == [notice.pk]

    document = api("town1").get(f"{path}/document")
    assert document.status_code == 200
    text = "\n".join(paragraph.text for paragraph in Document(BytesIO(document.content)).paragraphs)
    assert notice.document_number in text and "提醒函" in text and case.number in text


def test_the_case_page_names_the_letters(late_case, client, users):
    case, clock = late_case
    with time_machine.travel(clock.yellow_at, tick=False):
        sweep()
    client.force_login(users["town1"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "督办函" in page and "提醒函" in page
    assert "<strong>督办函</strong>" in page  # the label, not the code
