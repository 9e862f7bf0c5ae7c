"""The sweep's set-based path writes exactly what the per-case path writes: the same cases, clocks,
cards, timeline entries, assignments, inbox notices and text messages, on the same data, over a
timely sweep (yellow cards, escalations), a case with several things due at once and a late sweep
that catches up."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from fengqiao.accounts.models import User
from fengqiao.cases import sweep as sweeping
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Assignment, Card, Case, Clock, TimelineEntry
from fengqiao.notices.models import Notice, SmsMessage

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=LOCAL)
POLICE = "990102-public_security"


def _snapshot() -> dict:
    """Everything the sweep writes, by natural keys (ids differ between the two runs)."""
    return {
        "cases": list(
            Case.objects.order_by("number").values_list(
                "number",
                "level",
                "handling_unit_id",
                "escalations",
                "status",
                "overdue",
                "deadline_at",
                "updated_at",
            )
        ),
        "clocks": list(
            Clock.objects.order_by("case__number", "started_at", "stage", "id").values_list(
                "case__number",
                "stage",
                "level",
                "unit_id",
                "started_at",
                "yellow_at",
                "due_at",
                "stopped_at",
                "outcome",
                "yellow_carded_at",
                "red_carded_at",
                "rule",
            )
        ),
        "cards": list(
            Card.objects.order_by("case__number", "at", "colour", "id").values_list(
                "case__number", "clock__stage", "clock__started_at", "unit_id", "colour", "stage", "at"
            )
        ),
        "timeline": list(
            TimelineEntry.objects.order_by("case__number", "at", "id").values_list(
                "case__number", "at", "actor_id", "kind", "note", "data"
            )
        ),
        "assignments": list(
            Assignment.objects.order_by("case__number", "unit_id", "id").values_list(
                "case__number", "unit_id", "state", "responded_at"
            )
        ),
        "notices": list(
            Notice.objects.order_by("case__number", "recipient_id", "kind", "id").values_list(
                "case__number", "recipient_id", "kind", "title", "body", "created_at"
            )
        ),
        "sms": list(
            SmsMessage.objects.order_by("case__number", "recipient_id", "event", "id").values_list(
                "case__number", "recipient_id", "event", "text", "status"
            )
        ),
    }


class _Rollback(Exception):
    pass


def _whole(moment):
    return sweeping.sweep(moment)


def _in_parts(moment, parts=2):
    """What `fengqiao sweep --workers 2` does, one share after the other in this process."""
    totals = [0, 0, 0, 0]
    for k in range(parts):
        result = sweeping.sweep(moment, part=(k, parts), others=False)
        for i, value in enumerate((result.escalated, result.flagged_overdue, result.cards, result.cases)):
            totals[i] += value
    return sweeping.SweepResult(*totals)


def _run_sweeps(run=_whole) -> list:
    results = []
    # Handling limits turn yellow; a timely sweep as they run out; a late one long after.
    for moment in (T0 + 6 * DAY, T0 + 7 * DAY + MINUTE, T0 + 30 * DAY):
        with time_machine.travel(moment + MINUTE, tick=False):
            result = run(moment)
        results.append((result.escalated, result.flagged_overdue, result.cards, result.cases))
    return results


def _rolled_back(run=_whole) -> tuple[list, dict]:
    """_run_sweeps(run)'s results and the rows it leaves behind, then rolled back."""
    outcome = {}
    with pytest.raises(_Rollback), transaction.atomic():
        outcome["results"] = _run_sweeps(run)
        outcome["rows"] = _snapshot()
        raise _Rollback
    return outcome["results"], outcome["rows"]


def _per_case_reference(monkeypatch) -> tuple[list, dict]:
    """The reference: the same sweeps with every case taken one by one, then rolled back."""
    with monkeypatch.context() as forced:
        forced.setattr(sweeping, "_simple", lambda case, events: False)
        return _rolled_back()


# The batch path as the command runs it, in small batches (each query's cursor steps over cases
# whose clocks run out at the very same moment, by id) and in two shares as two workers would.
VARIANTS = {
    "one batch": (_whole, sweeping.BATCH),
    "batches of 2": (_whole, 2),
    "two shares of the cases (--workers 2)": (_in_parts, 3),
}


@pytest.mark.django_db
def test_the_batch_path_writes_what_the_per_case_path_writes(make_case, act, users, monkeypatch):
    with time_machine.travel(T0, tick=False):
        started = [
            act(make_case("grid1", channel="grid", category="neighbour"), "grid1", "start") for _ in range(3)
        ]
        make_case("grid1", channel="grid", category="neighbour")  # its accept clock runs out too
        dispatched = act(act(make_case("town1"), "town1", "accept"), "town1", "dispatch", units=[POLICE])
        act(dispatched, "police1", "start")
        make_case("county", category="petition", description="多次来信反映村集体土地补偿款分配不公")
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        act(make_case("town1"), "town1", "start")  # only turns yellow by the second sweep
    assert len(started) == 3
    User.objects.filter(unit__isnull=False).update(phone="13800138000")  # the cards go out by text too

    calls = {"per_case": 0}
    per_case = sweeping._sweep_case

    def counting(case, at, result):
        calls["per_case"] += 1
        return per_case(case, at, result)

    monkeypatch.setattr(sweeping, "_sweep_case", counting)
    # Only the deadline sweep itself: other apps' sweepers write rows naming ids, which differ.
    monkeypatch.setattr(sweeping, "SWEEPERS", [])

    reference_results, reference = _per_case_reference(monkeypatch)
    reference_calls, calls["per_case"] = calls["per_case"], 0

    for variant, (run, batch) in VARIANTS.items():
        with monkeypatch.context() as patched:
            patched.setattr(sweeping, "BATCH", batch)
            batched_results, batched = _rolled_back(run)
        variant_calls, calls["per_case"] = calls["per_case"], 0
        assert batched_results == reference_results, variant
        for table in reference:
            assert batched[table] == reference[table], (variant, table)
        # The batch path really carried the common cases, and the rest still went one by one.
        assert 0 < variant_calls < reference_calls, variant
    kinds = {kind for _, _, _, kind, _, _ in batched["timeline"]}
    assert {"yellow_card", "red_card", "overdue", "escalate"} <= kinds
    assert any(state == "withdrawn" for _, _, state, _ in batched["assignments"])
    assert batched["notices"] and batched["sms"]
