"""The statistics rollup gives exactly what the case table gives, after every kind of write: intake,
each action of the closed loop, the sweep's batch path (cards, overdue, escalation), a merge, a
delete, a bulk load; folded or with deltas pending; for whole days, partial days and open periods;
and the rollup is only used where the caller's scope covers the whole region."""

import contextlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.accounts.models import User
from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases import rollups, stats
from fengqiao.cases import sweep as sweeping
from fengqiao.cases.actions import available_actions
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Card, Case, TimelineEntry
from fengqiao.regions.codes import subtree_q

DAY = timedelta(days=1)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=LOCAL)
COUNTY = "990102000000"
REGIONS = ["990000000000", "990100000000", COUNTY, "990102001000"]  # province, city, county, township
POLICE = "990102-public_security"


def _periods(now: datetime) -> list:
    today = now.astimezone(LOCAL).date()
    midnight = datetime.combine(today, datetime.min.time(), LOCAL)
    end_of = datetime.combine(today, datetime.max.time(), LOCAL)
    return [
        (None, None),
        (midnight, end_of),  # today, as the API asks
        (midnight - 40 * DAY, end_of),  # whole months inside, days either side
        (now - timedelta(hours=5, seconds=7), now + timedelta(hours=3)),  # partial days only
        (midnight - 3 * DAY + timedelta(hours=13), None),  # a partial first day, open end
        (None, end_of - 2 * DAY),
    ]


def assert_exact(now: datetime | None = None, thorough: bool = False) -> None:
    """The rollup's answer equals the case table's, with the deltas pending and again after
    folding them; `thorough`: for every region and period, else the county's and the province's."""
    now = now or timezone.now()
    regions = REGIONS if thorough else [REGIONS[0], COUNTY]
    periods = _periods(now) if thorough else _periods(now)[:3]
    for fold in (False, True):
        if fold:
            rollups.fold()
            assert rollups.pending() == 0
        everything = Case.objects.all()
        for region in regions[:3]:
            whole = rollups.figures(rollups.county_prefix(region), None, None)
            assert whole == stats._base_figures(everything, region, None, None)
        for region in regions:
            for start, end in periods:
                fast = stats.case_stats(everything, region, start, end)
                slow = stats.case_stats(everything, region, start, end, use_rollup=False)
                assert fast == slow, (region, start, end, fold)


@pytest.mark.django_db
def test_the_rollup_follows_intake_every_action_merge_and_delete(make_case, act, users):
    assert_exact()
    case = make_case("town1", category="neighbour")
    assert_exact()
    for username, action, params in [
        ("town1", "accept", {}),
        ("town1", "reclassify", {"category": "contract_debt", "note": "实为欠款"}),
        ("town1", "dispatch", {"units": [POLICE], "note": "请派出所协助"}),
        ("police1", "start", {}),
        ("police1", "resolve", {"note": "双方达成和解"}),
        ("county", "redo", {"note": "仍未解决"}),
        ("police1", "resolve", {"note": "再次调解"}),
        ("town1", "verify", {}),
        ("town1", "close", {"satisfaction": 5}),
        ("town1", "reopen", {"note": "申请人补充材料"}),
    ]:
        case = act(case, username, action, **params)
        assert_exact()
    other = make_case("town1")
    act(other, "town1", "escalate", note="镇级无法协调")
    rejected = act(make_case("town1"), "town1", "reject", note="不属于受理范围")
    act(rejected, "town1", "reopen", note="补充材料")
    assert_exact()
    duplicate = make_case("town1")
    act(duplicate, "town1", "merge", target=case.number)
    assert Case.objects.get(pk=duplicate.pk).merged_into_id == case.pk
    assert_exact()
    TimelineEntry.objects.filter(case=other).delete()
    Case.objects.filter(pk=other.pk).delete()
    assert_exact(thorough=True)


@pytest.mark.django_db
def test_the_rollup_follows_the_sweeps_batch_path(make_case, users):
    with time_machine.travel(T0, tick=False):
        cases = [
            make_case("grid1", channel="grid", category="neighbour", region_code=users["grid1"].region_id)
            for _ in range(3)
        ]
        cases.append(make_case("town1", category="contract_debt"))
        assert_exact(T0)
    for days in (4, 8, 16, 40):
        result = sweeping.sweep(T0 + days * DAY)
        assert_exact(T0 + days * DAY)
    assert Card.objects.filter(case__in=cases, colour="red").exists()
    assert Case.objects.filter(pk__in=[c.pk for c in cases], overdue=True).exists()
    assert result is not None
    assert_exact(T0 + 40 * DAY, thorough=True)
    # A card moved or taken away on its own moves the figures too.
    card = Card.objects.filter(case__in=cases[:3]).first()
    Card.objects.filter(pk=card.pk).update(case=cases[3])
    assert_exact(T0 + 40 * DAY)
    Card.objects.filter(pk=card.pk).delete()
    assert_exact(T0 + 40 * DAY)


@pytest.mark.django_db
def test_bulk_update_and_rebuild(make_case):
    make_case("town1")
    make_case("town1", category="traffic")
    Case.objects.filter(subtree_q("region_id", COUNTY)).update(status="closed", overdue=True)
    assert_exact()
    Case.objects.filter(subtree_q("region_id", COUNTY)).update(reported_at=T0 - 400 * DAY)
    assert_exact()
    with rollups.bulk_load():
        # While suspended, writes are not counted; the rebuild at exit counts them.
        Case.objects.filter(status="closed").update(status="verified")
        make_case("town1")
    assert rollups.pending() == 0
    assert_exact()
    rollups.rebuild()
    assert_exact()


@pytest.mark.django_db
def test_the_rollup_answers_only_for_a_scope_that_covers_the_region(users, monkeypatch):
    calls = []
    real = rollups.figures
    monkeypatch.setattr(rollups, "figures", lambda *args: calls.append(args) or real(*args))
    county, mediator = users["county"], users["mediator1"]
    # The county's staff see the county whole (the API lets nobody ask for a region outside their
    # scope): the rollup answers.
    assert rollups.covers_subtree(visible_cases(county), "990102")
    assert not rollups.covers_subtree(visible_cases(county), "9901")
    stats.case_stats(visible_cases(county), COUNTY, None, None)
    assert calls
    # A township's mediator sees cases dispatched to their unit outside the township: the rollup
    # for the county would count cases they may not see, so the case table answers.
    calls.clear()
    assert not rollups.covers_subtree(visible_cases(mediator), "990102")
    stats.case_stats(visible_cases(mediator), COUNTY, None, None)
    assert not calls
    assert rollups.covers_subtree(Case.objects.all(), "99")
    assert not rollups.covers_subtree(Case.objects.filter(category="traffic"), "990102")
    assert not rollups.covers_subtree(Case.objects.exclude(region_id__gte="990102"), "990102")
    # A superuser (with or without a unit) sees everything: the rollup answers for them too.
    root = User.objects.create_superuser("rollup-root", password="x", unit=mediator.unit)
    assert rollups.covers_subtree(visible_cases(root), "99")
    assert not rollups.covers_subtree(Case.objects.exclude(pk__in=[]).filter(category="x"), "99")


def test_whole_days_are_utc_plus_8_days():
    at = datetime(2026, 3, 1, 0, 0, tzinfo=LOCAL)
    end = datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=LOCAL)
    assert rollups.whole_days(at, end) == (at.date(), end.date())
    assert rollups.whole_days(at + timedelta(microseconds=1), end - timedelta(microseconds=1)) == (
        at.date() + DAY,
        end.date() - DAY,
    )
    assert rollups.whole_days(at + timedelta(hours=1), at + timedelta(hours=20)) is None
    assert rollups.whole_days(None, None) == (None, None)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["intake", "act", "act", "act", "sweep", "merge", "delete", "fold"]),
        st.integers(0, 1000),
        st.sampled_from(["neighbour", "contract_debt", "traffic", "petition"]),
    ),
    min_size=1,
    max_size=8,
)
ACTORS = ["town1", "county", "police1", "grid1"]
ACTION_PARAMS = {
    "dispatch": {"units": [POLICE]},
    "reclassify": {"category": "labour_wages"},
    "close": {"satisfaction": 4},
    "extend": {"days": 3},
    "request_extension": {"days": 3},
    "decide_extension": {"days": 3, "decision": "approve"},
}


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_random_write_sequences_keep_the_rollup_exact(make_case, act, users, operations):
    from fengqiao.cases.workflow import ActionRefused
    from fengqiao.errors import FieldError

    moment = T0
    with transaction.atomic():
        created: list[Case] = []
        for kind, pick, category in operations:
            moment += timedelta(hours=7 + pick % 50)
            with time_machine.travel(moment, tick=False):
                live = [c for c in Case.objects.filter(pk__in=[c.pk for c in created])]
                if kind == "intake" or not live:
                    created.append(make_case("town1", category=category, channel="window"))
                elif kind == "act":
                    case = live[pick % len(live)]
                    username = ACTORS[pick % len(ACTORS)]
                    options = [a for a in available_actions(case, users[username]) if a != "merge"]
                    if options:
                        action = options[pick % len(options)]
                        with contextlib.suppress(ActionRefused, FieldError):
                            act(case, username, action, note="随机", **ACTION_PARAMS.get(action, {}))
                elif kind == "sweep":
                    sweeping.sweep(moment)
                elif kind == "merge" and len(live) > 1:
                    case, target = live[pick % len(live)], live[(pick + 1) % len(live)]
                    if case.merged_into_id is None and target.merged_into_id is None:
                        with contextlib.suppress(ActionRefused, FieldError):
                            act(case, "town1", "merge", target=target.number)
                elif kind == "delete":
                    case = live[pick % len(live)]
                    if not Case.objects.filter(merged_into=case).exists():
                        TimelineEntry.objects.filter(case=case).delete()
                        Case.objects.filter(pk=case.pk).delete()
                elif kind == "fold":
                    rollups.fold()
        assert_exact(moment)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_postgresql_uses_statement_triggers():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgtype & 1 FROM pg_trigger WHERE tgname LIKE 'fq_stat_%%' AND NOT tgisinternal"
        )
        triggers = dict(cursor.fetchall())
    assert len(triggers) == 8 and set(triggers.values()) == {0}  # bit 0 = row-level


@pytest.mark.django_db
def test_the_rebuild_command(make_case):
    from django.core.management import call_command

    make_case("town1")
    call_command("rebuild_stats", "--fold")
    assert rollups.pending() == 0
    call_command("rebuild_stats")
    assert_exact()


@pytest.mark.django_db
def test_extreme_periods(make_case):
    from datetime import date, time

    make_case("town1")
    start = datetime.combine(date(1900, 1, 1), time.min, LOCAL)
    end = datetime.combine(date(9999, 12, 31), time.max, LOCAL)
    for period in [(start, end), (start, None), (None, end)]:
        fast = stats.case_stats(Case.objects.all(), COUNTY, *period)
        assert fast == stats.case_stats(Case.objects.all(), COUNTY, *period, use_rollup=False)
        assert fast["received"] >= 1


@pytest.mark.django_db
def test_a_bulk_load_that_counts_its_cases_needs_no_recount(make_case, monkeypatch):
    """rollups.add_counts (what synth hands the rollup) adds what a recount would, from text
    columns or from (indexes, values) columns alike; the recount is not run."""
    import numpy as np

    make_case("town1", category="traffic")
    monkeypatch.setattr(rollups, "rebuild", lambda: pytest.fail("recounted"))
    for as_indexes in (False, True):
        with rollups.bulk_load() as load:
            made = [
                make_case("town1", category=category) for category in ("neighbour", "traffic", "neighbour")
            ]
            Case.objects.filter(pk=made[0].pk).update(status="closed", overdue=True, level="county")
            rows = list(
                Case.objects.filter(pk__in=[case.pk for case in made]).values_list(
                    "region_id", "reported_at", "status", "overdue", "level", "category", "channel"
                )
            )

            def column(values, as_indexes=as_indexes):
                if not as_indexes:
                    return np.array(values)
                distinct = sorted(set(values))
                return np.array([distinct.index(value) for value in values]), np.array(distinct)

            base = {
                "county": column([row[0][:6] for row in rows]),
                "day": np.array([row[1].astimezone(LOCAL).date() for row in rows], dtype="datetime64[D]"),
                "n": np.ones(len(rows), dtype=np.int64),
            }
            load.counted(
                {
                    "status_overdue_level": base
                    | {
                        "status": column([row[2] for row in rows]),
                        "overdue": np.array([row[3] for row in rows]),
                        "level": column([row[4] for row in rows]),
                    },
                    "category": base | {"category": column([row[5] for row in rows])},
                    "channel": base | {"channel": column([row[6] for row in rows])},
                }
            )
        assert_exact()
