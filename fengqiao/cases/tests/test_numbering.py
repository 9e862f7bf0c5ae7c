"""Case numbers outside a surrounding transaction: taken in their own short transaction, so a county's
intakes do not queue on the counter row; a failed intake leaves a gap, never a duplicate or a case."""

import pytest
from django.db import transaction

from fengqiao.cases.actions import Intake, create_case
from fengqiao.cases.models import Case, CaseSequence


def _intake(**extra):
    return Intake(channel="window", description="路灯不亮,晚上出行不便", category="public_service", **extra)


@pytest.fixture
def demo_committed(transactional_db):
    from conftest import load_demo_for_tests

    load_demo_for_tests()


def test_numbers_run_on_and_a_failed_intake_leaves_a_gap_but_no_case(demo_committed, monkeypatch):
    from fengqiao.cases import actions

    first, created = create_case(_intake(region_code="990102001000"))
    assert created and not transaction.get_connection().in_atomic_block
    county, day, sequence = first.number.rsplit("-", 2)[0], first.number.split("-")[1], int(first.number[-4:])
    assert CaseSequence.objects.get(key=f"{county}-{day}").value == sequence  # committed with the case

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away mid-intake")

    monkeypatch.setattr(actions, "_log", broken)
    with pytest.raises(RuntimeError):
        create_case(_intake(region_code="990102001000", client_id="6f1c5d7e-0000-4000-8000-000000000001"))
    assert not Case.objects.filter(client_id="6f1c5d7e-0000-4000-8000-000000000001").exists()
    monkeypatch.undo()

    third, _ = create_case(_intake(region_code="990102001000"))
    assert int(third.number[-4:]) == sequence + 2  # the failed one's number is not reused
    assert Case.objects.filter(number__startswith=f"{county}-{day}").count() == 2


def test_inside_a_surrounding_transaction_the_number_rolls_back_with_it(demo_committed):
    before = Case.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        case, _ = create_case(_intake(region_code="990102001000"))
        number = case.number
        raise RuntimeError("an import's later row failed")
    assert Case.objects.count() == before
    again, _ = create_case(_intake(region_code="990102001000"))
    assert again.number == number  # all or nothing: the counter rolled back too
