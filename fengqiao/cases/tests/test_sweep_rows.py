"""The sweep's batch path reads only some of a case's columns (sweep.CASE_COLUMNS), its clocks as
plain rows and an escalation's new clock times once per batch. Where that could differ from the
per-case path: a notice template that reads a column the batch did not load (a case without a
title shows its description), a high-risk case (its next handling limit is halved) and an admin's
rule for the next level. Both paths must write the very same rows."""

import pytest
import time_machine

from fengqiao.accounts.models import User
from fengqiao.cases import sweep as sweeping
from fengqiao.cases.models import Case, DeadlineRule
from fengqiao.cases.tests.test_sweep_batch import T0, _per_case_reference, _rolled_back


@pytest.mark.django_db
def test_columns_not_loaded_limits_and_rules_come_out_as_on_the_per_case_path(
    make_case, act, users, monkeypatch
):
    with time_machine.travel(T0, tick=False):
        untitled = act(make_case("grid1", channel="grid", category="neighbour"), "grid1", "start")
        risky = act(make_case("grid1", channel="grid", category="neighbour"), "grid1", "start")
        act(make_case("grid1", channel="grid", category="neighbour"), "grid1", "start")
    Case.objects.filter(pk=untitled.pk).update(title="")
    Case.objects.filter(pk=risky.pk).update(risk=85)
    DeadlineRule.objects.create(stage="handle", category="neighbour", level="town", amount=10, yellow_after=8)
    User.objects.filter(unit__isnull=False).update(phone="13800138000")
    monkeypatch.setattr(sweeping, "SWEEPERS", [])

    reference_results, reference = _per_case_reference(monkeypatch)

    one_by_one = []
    per_case = sweeping._sweep_case
    monkeypatch.setattr(
        sweeping, "_sweep_case", lambda case, *args: one_by_one.append(case.pk) or per_case(case, *args)
    )
    batched_results, batched = _rolled_back()

    assert batched_results == reference_results
    assert len(one_by_one) < sum(cases for *_, cases in batched_results)  # the batch path took some
    for table in reference:
        assert batched[table] == reference[table], table
    # What the comparison covers: the untitled case's notices name it by its description, the
    # risky one rose with a halved limit, the ruled one with the admin's.
    description = Case.objects.get(pk=untitled.pk).description
    assert any(
        untitled.number == number and description[:10] in body
        for number, _, _, _, body, _ in batched["notices"]
    )
    rules = {
        rule
        for number, stage, *_, rule in batched["clocks"]
        if stage == "handle" and number != untitled.number
    }
    assert any("高风险减半" in rule for rule in rules)
    assert any(rule == str(DeadlineRule.objects.get()) for rule in rules)


@pytest.mark.django_db
def test_the_batch_reads_cases_as_only_would(make_case, act):
    """sweep._partial_cases builds the batch's cases from plain rows: the same loaded values, the
    same deferred fields (read on first use), the same order as queryset.only(*CASE_COLUMNS)."""
    with time_machine.travel(T0, tick=False):
        cases = [make_case("grid1", channel="grid", category="neighbour") for _ in range(2)]
        act(cases[0], "grid1", "start")
    queryset = Case.objects.filter(pk__in=[case.pk for case in cases])

    built = sweeping._partial_cases(queryset)
    expected = list(queryset.only(*sweeping.CASE_COLUMNS))

    assert [case.pk for case in built] == [case.pk for case in expected]
    for ours, theirs in zip(built, expected, strict=True):
        assert ours.get_deferred_fields() == theirs.get_deferred_fields()
        assert ours._state.adding is False and ours._state.db == theirs._state.db
        for field in Case._meta.concrete_fields:  # the deferred ones load on first use, as usual
            assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.name
        assert ours.handling_unit == theirs.handling_unit and ours.region == theirs.region


@pytest.mark.django_db
def test_the_batch_reads_rows_as_values_list_gives_them(make_case, act):
    """sweep._fetch reads the sweep's own rows with psycopg's datetime loader rather than
    Django's: the same tuples in the same order (times aware, in UTC, the unset ones None), and a
    column it does not know is read by the queryset itself."""
    from fengqiao.cases.models import Clock

    with time_machine.travel(T0, tick=False):
        cases = [make_case("grid1", channel="grid", category="neighbour") for _ in range(2)]
        act(cases[0], "grid1", "start")
    clocks = Clock.objects.filter(case__in=cases).order_by("id").values_list(*sweeping.CLOCK_COLUMNS)
    locked = Case.objects.filter(pk__in=[case.pk for case in cases]).order_by("-id")

    rows = sweeping._fetch(clocks)
    assert rows == list(clocks) and len(rows) >= 3
    times = [value for row in rows for value in row if hasattr(value, "tzinfo")]
    assert times and all(value.utcoffset().total_seconds() == 0 for value in times)
    assert any(value is None for row in rows for value in row)  # stopped_at, the cards' times
    assert sweeping._fetch(locked.values_list(*sweeping.CASE_COLUMNS)) == list(
        locked.values_list(*sweeping.CASE_COLUMNS)
    )
    with_json = locked.values_list("id", "risk_reasons")  # a JSON column: Django's converter
    assert sweeping._fetch(with_json) == list(with_json)
