"""Warnings reach the responsible centre and grid worker (inbox and SMS outbox), are acknowledged
and followed up, go to webhooks from the sweep (never from the request), and the sweep analyses each
scheduled region once per period."""

import pytest

from fengqiao.analytics import actions, periods, webhooks
from fengqiao.analytics.models import AnalysisRun, Briefing, Cycle, Delivery, Schedule, Warning, Webhook
from fengqiao.notices.models import Notice

from .conftest import COUNTY, local

WEEK = periods.containing(Cycle.WEEKLY, local(2026, 6, 10).date())


@pytest.fixture
def repeat_at_grid1(users, plant):
    """Three neighbour disputes at one spot of grid1's grid, the last in the week analysed."""
    from fengqiao.regions.models import Region

    grid = Region.objects.get(code=users["grid1"].region_id)
    spot = plant.point_in(grid)
    for day in (local(2026, 5, 25, 9), local(2026, 6, 2, 9), local(2026, 6, 9, 9)):
        plant(day, grid=grid, point=plant.point_in(grid, near=spot, metres=40), category="neighbour")
    return grid


@pytest.fixture
def raised(repeat_at_grid1, now):
    from fengqiao.regions.models import Region

    return actions.run_analysis(Region.objects.get(code=COUNTY), Cycle.WEEKLY, WEEK)


def test_a_warning_reaches_the_township_centre_and_the_grid_worker(raised, users, repeat_at_grid1):
    from fengqiao.regions.models import Region

    assert len(raised) == 1
    warning = raised[0]
    assert warning.kind == Warning.Kind.REPEAT_PLACE
    assert warning.unit == users["town1"].unit  # the township centre of grid1's grid
    recipients = set(warning.recipients.values_list("username", flat=True))
    assert {"town1", "grid1"} <= recipients
    assert "leader" not in recipients and "town2" not in recipients
    notice = Notice.objects.get(recipient=users["grid1"], kind=actions.NOTICE_EVENT)
    assert warning.title in notice.title
    # Analysing the same period again raises nothing new.
    again = actions.run_analysis(Region.objects.get(code=COUNTY), Cycle.WEEKLY, WEEK)
    assert again == [] and Warning.objects.count() == 1


def test_acknowledge_and_follow_up_through_the_api(raised, api):
    warning = raised[0]
    grid1, leader, town2 = api("grid1"), api("leader"), api("town2")
    assert town2.get(f"/analytics/warnings/{warning.pk}").status_code == 404  # another township
    assert leader.get(f"/analytics/warnings/{warning.pk}").status_code == 200  # the county's leader reads
    assert leader.post(f"/analytics/warnings/{warning.pk}/acknowledge").status_code == 403  # but does not act
    listed = grid1.get("/analytics/warnings", state="open").json()
    assert [w["id"] for w in listed["results"]] == [warning.pk]

    acknowledged = grid1.post(f"/analytics/warnings/{warning.pk}/acknowledge").json()
    assert acknowledged["state"] == "acknowledged" and acknowledged["acknowledged_at"]
    response = grid1.post(
        f"/analytics/warnings/{warning.pk}/follow-ups", {"note": "已上门调解,疏通排水沟", "closes": True}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "closed" and body["follow_ups"][0]["note"] == "已上门调解,疏通排水沟"
    late = grid1.post(f"/analytics/warnings/{warning.pk}/follow-ups", {"note": "再次回访"})
    assert late.status_code == 409
    assert grid1.post(f"/analytics/warnings/{warning.pk}/follow-ups", {"note": ""}).status_code in (400, 422)


def test_the_warning_pages(raised, client, users):
    warning = raised[0]
    client.force_login(users["town1"])
    inbox = client.get("/analytics/warnings/")
    assert warning.title in inbox.content.decode()
    client.post(f"/analytics/warnings/{warning.pk}/", {"do": "acknowledge"})
    client.post(f"/analytics/warnings/{warning.pk}/", {"do": "follow_up", "note": "已安排网格员核实"})
    page = client.get(f"/analytics/warnings/{warning.pk}/").content.decode()
    assert "已安排网格员核实" in page and "已签收" in page
    home = client.get("/").content.decode()
    assert "研判预警" in home


def test_webhooks_are_sent_by_the_sweep_with_a_timeout_and_retried(repeat_at_grid1, now, monkeypatch, users):
    from fengqiao.regions.models import Region

    hook = Webhook.objects.create(
        name="市平台", url="https://example.invalid/hook", secret="s3cret", timeout_seconds=3
    )
    Webhook.objects.create(name="另一乡镇", url="https://example.invalid/other", region=users["town2"].region)
    calls = []

    def refuse(url, body, headers, timeout):
        calls.append((url, timeout))
        raise webhooks.DeliveryFailed("ConnectionRefusedError: refused")

    monkeypatch.setattr(webhooks, "post", refuse)
    warning = actions.run_analysis(Region.objects.get(code=COUNTY), Cycle.WEEKLY, WEEK)[0]
    assert calls == []  # raising a warning sends nothing itself
    delivery = Delivery.objects.get()
    assert delivery.webhook == hook and delivery.state == Delivery.State.PENDING

    from fengqiao.cases.sweep import sweep

    sweep(now)
    delivery.refresh_from_db()
    assert calls == [("https://example.invalid/hook", 3)]
    assert delivery.attempts == 1 and delivery.state == Delivery.State.PENDING and "refused" in delivery.error
    assert delivery.next_attempt_at > now

    sent = {}

    def accept(url, body, headers, timeout):
        sent.update(body=body, headers=headers)
        return 204

    monkeypatch.setattr(webhooks, "post", accept)
    later = delivery.next_attempt_at
    sweep(later)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 2 and delivery.status_code == 204
    assert sent["headers"]["X-Fengqiao-Signature"] == webhooks.signature("s3cret", sent["body"])
    assert f'"id": {warning.pk}'.encode() in sent["body"]
    sweep(later)  # nothing left to send
    assert Delivery.objects.get().attempts == 2


def test_post_answers_the_status_or_fails_within_the_timeout():
    import http.server
    import threading

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            self.server.received = self.rfile.read(length)
            self.send_response(503 if b"busy" in self.server.received else 202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        assert webhooks.post(url, b'{"id": 1}', {"Content-Type": "application/json"}, 2) == 202
        assert server.received == b'{"id": 1}'
        assert webhooks.post(url, b"busy", {}, 2) == 503
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(webhooks.DeliveryFailed):
        webhooks.post(url, b"{}", {}, 1)  # nobody listens any more


def test_the_sweep_analyses_a_scheduled_region_once_per_period(repeat_at_grid1, now):
    from fengqiao.cases.sweep import sweep

    Schedule.objects.create(region_id=COUNTY, daily=True, weekly=False, monthly=False, quarterly=False)
    at = local(2026, 6, 15, 2)  # the week of the planted repeat has just ended
    first = sweep(at).others["analytics"]
    assert AnalysisRun.objects.count() == 4  # day, week, month, quarter just completed
    assert Warning.objects.filter(kind=Warning.Kind.REPEAT_PLACE).count() == 1
    briefing = Briefing.objects.get()
    assert briefing.cycle == Cycle.DAILY and briefing.period_start.isoformat() == "2026-06-14"
    assert first >= 2
    assert sweep(at).others["analytics"] == 0
    assert AnalysisRun.objects.count() == 4 and Briefing.objects.count() == 1


def test_a_warning_left_unacknowledged_for_a_day_is_reminded_once(raised, users, now):
    from datetime import timedelta

    warning = raised[0]
    assert actions.remind_unacknowledged(now + timedelta(hours=23)) == 0
    assert actions.remind_unacknowledged(now + timedelta(hours=25)) == 1
    reminder = Notice.objects.get(recipient=users["grid1"], kind=actions.REMINDER_EVENT)
    assert warning.title in reminder.title and "25 小时" in reminder.body
    assert actions.remind_unacknowledged(now + timedelta(hours=50)) == 0
