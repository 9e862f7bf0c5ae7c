"""PHQ-9 and GAD-7 totals, bands and cut-offs against the published tables (Kroenke et al. 2001;
Spitzer et al. 2006), over every possible total and the answers that reach it."""

import itertools

import pytest

from fengqiao.services import scoring

from .conftest import gad7, phq9

# As published: (lowest, highest, severity) of each band.
PHQ9_PUBLISHED = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately_severe"),
    (20, 27, "severe"),
]
GAD7_PUBLISHED = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]


def published_band(table, total):
    return next(severity for low, high, severity in table if low <= total <= high)


@pytest.mark.parametrize("total", range(0, 28))
def test_phq9_total_band_and_cut_off_follow_the_published_table(total):
    item9 = 0 if total <= 24 else total - 24
    result = scoring.score("phq9", phq9(total, item9))
    assert result.score == total
    assert result.band.code == published_band(PHQ9_PUBLISHED, total)
    assert result.positive is (total >= 10)
    assert result.crisis is (total >= 20 or item9 > 0)


@pytest.mark.parametrize("total", range(0, 22))
def test_gad7_total_band_and_cut_off_follow_the_published_table(total):
    result = scoring.score("gad7", gad7(total))
    assert result.score == total
    assert result.band.code == published_band(GAD7_PUBLISHED, total)
    assert result.positive is (total >= 10)
    assert result.crisis is (total >= 15)


def test_every_gad7_answer_pattern_scores_its_sum():
    for answers in itertools.product(range(4), repeat=7):
        result = scoring.score("gad7", answers)
        assert result.score == sum(answers)
        assert result.band.code == published_band(GAD7_PUBLISHED, sum(answers))


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_any_thought_of_self_harm_opens_the_crisis_path_even_with_a_low_total(item9):
    result = scoring.score("phq9", [0] * 8 + [item9])
    assert result.band.code == "minimal"
    assert not result.positive
    assert result.crisis
    assert any("第 9 题" in reason for reason in result.crisis_reasons)


def test_the_bands_cover_each_range_without_gap_or_overlap():
    for instrument in scoring.INSTRUMENTS.values():
        covered = [b for band in instrument.bands for b in range(band.low, band.high + 1)]
        assert covered == list(range(instrument.max_score + 1))


@pytest.mark.parametrize(
    "code, answers",
    [
        ("phq9", [0] * 8),
        ("phq9", [0] * 10),
        ("phq9", [0] * 8 + [4]),
        ("phq9", [0] * 8 + [-1]),
        ("gad7", [True] * 7),
        ("gad7", ["1"] * 7),
        ("bdi", [0] * 21),
    ],
)
def test_malformed_answers_are_refused(code, answers):
    with pytest.raises(scoring.InvalidAnswers):
        scoring.score(code, answers)
