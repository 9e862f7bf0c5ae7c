"""The three-level supervision ledgers (三级挂账督办): a matter stays on until closed, and the
ledger shows done and overdue at a glance."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from fengqiao import clock as wallclock


def test_a_matter_stays_on_the_ledger_until_closed(api, late_case):
    case, _ = late_case
    today = timezone.localdate(wallclock.now())
    due = today + timedelta(days=10)
    created = api("county").post(
        "/supervision/ledger",
        {
            "region_code": "990102000000",
            "title": "排水沟纠纷引发多户矛盾",
            "responsible_leader": "副县长",
            "due_date": due.isoformat(),
            "case": case.number,
        },
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["level"] == "county" and item["status"] == "open"
    assert case.timeline.filter(kind="ledger_listed").exists()

    refused = api("town1").post(
        "/supervision/ledger",
        {"region_code": "990102000000", "title": "x", "responsible_leader": "y", "due_date": due.isoformat()},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "region_code"
    assert (
        api("leader")
        .post(
            "/supervision/ledger",
            {
                "region_code": "990102000000",
                "title": "x",
                "responsible_leader": "y",
                "due_date": due.isoformat(),
            },
        )
        .status_code
        == 403
    )

    def summary_and_status():
        listing = api("county").get("/supervision/ledger", level="county").json()
        mine = next(row for row in listing["items"] if row["id"] == item["id"])
        return listing["summary"], mine["status"]

    open_before = summary_and_status()[0]["open"]
    with time_machine.travel(timezone.now() + timedelta(days=12), tick=False):
        summary, state = summary_and_status()
        assert state == "overdue" and summary["overdue"] >= 1 and summary["open"] == open_before - 1
        assert (
            api("town2").post(f"/supervision/ledger/{item['id']}/close", {"note": "已化解"}).status_code
            == 404
        )
        closed = api("county").post(f"/supervision/ledger/{item['id']}/close", {"note": "各方达成协议"})
        assert closed.status_code == 200 and closed.json()["status"] == "done_late"
        assert (
            api("county").post(f"/supervision/ledger/{item['id']}/close", {"note": "again"}).status_code
            == 409
        )
    assert case.timeline.filter(kind="ledger_closed").exists()


def test_the_ledger_page_lists_and_closes(client, users):
    client.force_login(users["town1"])
    due = (timezone.localdate(wallclock.now()) + timedelta(days=5)).isoformat()
    response = client.post(
        "/supervision/ledger/",
        {
            "region_code": "990102001000",
            "title": "镇区夜市噪声扰民",
            "responsible_leader": "镇长",
            "due_date": due,
        },
        follow=True,
    )
    page = response.content.decode()
    assert "已列入挂账督办" in page and "镇区夜市噪声扰民" in page
    missing = client.post(
        "/supervision/ledger/", {"region_code": "990102001000", "title": "", "due_date": due}
    )
    assert "请填写督办事项" in missing.content.decode()


def test_a_matter_closed_after_midnight_in_beijing_on_its_due_date_is_late():
    """The due date is a day in the county: 23:00 there on the due date is on time, 01:00 the
    next morning (17:00 UTC, still the due date in UTC) is late."""
    from datetime import UTC, date, datetime

    from fengqiao.supervision.models import LedgerItem

    due = date(2026, 11, 30)
    on_time = LedgerItem(due_date=due, closed_at=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    late = LedgerItem(due_date=due, closed_at=datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    assert on_time.status(today=date(2026, 12, 1)) == "done"
    assert late.status(today=date(2026, 12, 1)) == "done_late"
