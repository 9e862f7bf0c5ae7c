"""Fixtures of the services' tests: the demo's counsellor and lawyer (from the services demo step)
and a few answers to the screening instruments."""

import pytest

from fengqiao.services.models import Provider

APPLICANT = {"name": "张三", "phone": "13800138000", "id_number": "11010519491231002X"}


@pytest.fixture
def counsellor(users):
    return users["counsellor1"]


@pytest.fixture
def counsellor_profile(counsellor):
    return Provider.objects.get(user=counsellor)


@pytest.fixture
def lawyer_profile(users):
    return Provider.objects.get(user=users["lawyer1"])


def phq9(total: int, item9: int = 0) -> list[int]:
    """Answers to the PHQ-9 adding up to `total`, with item 9 as given (spread over items 1-8)."""
    rest = total - item9
    assert 0 <= rest <= 24
    answers = []
    for _ in range(8):
        answers.append(min(3, rest))
        rest -= answers[-1]
    return [*answers, item9]


def gad7(total: int) -> list[int]:
    answers, rest = [], total
    for _ in range(7):
        answers.append(min(3, rest))
        rest -= answers[-1]
    return answers
