"""Training and evaluation: the targets, reproducibility of the shipped model, the retrain command."""

import io
import json

import numpy as np
import pytest

from fengqiao.triage import corpus, train
from fengqiao.triage.classify import classify_with
from fengqiao.triage.model import MODEL_PATH, is_current, load

MACRO_F1_TARGET = 0.90
TOP3_TARGET = 0.98


@pytest.fixture(scope="module")
def shipped():
    return load(MODEL_PATH)


@pytest.fixture(scope="module")
def evaluation(shipped):
    return train.evaluate(shipped)


@pytest.fixture(scope="module")
def retrained():
    """One training run per test session (about five seconds)."""
    training = corpus.split(corpus.load_corpus())[0]
    return train.fit(training)


def test_held_out_targets(evaluation):
    assert evaluation["macro_f1"] >= MACRO_F1_TARGET
    assert evaluation["top3_accuracy"] >= TOP3_TARGET
    assert evaluation["top1_accuracy"] >= 0.9
    assert set(evaluation["per_category"]) == set(evaluation["confusion"])
    assert sum(row["support"] for row in evaluation["per_category"].values()) == evaluation["examples"]


def test_unseen_set_stays_reasonable(evaluation):
    # Hand-written texts in styles the corpus does not use: a floor that catches regressions, well
    # below what the current model scores (see docs/TRIAGE.md).
    assert evaluation["unseen"]["examples"] == 50
    assert evaluation["unseen"]["top1_accuracy"] >= 0.8
    assert evaluation["unseen"]["top3_accuracy"] >= 0.9


def test_automatic_decisions_are_mostly_right(evaluation):
    assert evaluation["review"]["auto_share"] >= 0.85
    assert evaluation["review"]["auto_accuracy"] >= 0.95


def test_shipped_model_is_current_and_small(shipped):
    assert is_current(shipped), "corpus, lexicon or features changed: run `fengqiao retrain`"
    assert MODEL_PATH.stat().st_size < 5 * 1024 * 1024


def test_retraining_reproduces_the_shipped_model(shipped, retrained):
    model, _, _ = retrained
    assert model.vocabulary == shipped.vocabulary
    assert np.array_equal(model.weights, shipped.weights)
    assert np.array_equal(model.intercept, shipped.intercept)
    assert model.inverse_temperature == shipped.inverse_temperature


def test_numpy_scoring_matches_scikit_learn(retrained):
    model, estimator, matrix = retrained
    expected = estimator.predict_proba(matrix[:200])
    for row in range(200):
        columns = matrix[row].indices
        values = matrix[row].data
        logits = model.inverse_temperature * model.decision(columns, values)
        assert np.allclose(model.probabilities(logits), expected[row], atol=1e-5)


def test_extra_examples_are_added_to_the_training_side(monkeypatch):
    seen = {}

    def fake_fit(examples):
        seen["examples"] = examples
        return train.Model(classes=("x",), vocabulary=[], idf=np.zeros(0)), None, None

    monkeypatch.setattr(train, "fit", fake_fit)
    model = train.train([("某某村支书把救灾款装进了自己腰包", "discipline")])
    training = corpus.split(corpus.load_corpus())[0]
    assert seen["examples"][: len(training)] == training
    assert seen["examples"][-1] == corpus.Example("某某村支书把救灾款装进了自己腰包", "discipline")
    assert model.meta["extra_examples"] == 1


def test_extra_examples_are_validated():
    with pytest.raises(ValueError, match="unknown category"):
        train.train([("some text", "no_such_code")])
    with pytest.raises(ValueError, match="empty text"):
        train.train([("  ", "neighbour")])


def test_report_names_every_category(evaluation):
    report = train.format_report(evaluation)
    for code in evaluation["per_category"]:
        assert code in report
    assert "macro-F1" in report and "top-3 accuracy" in report and "Unseen" in report


def test_retrain_command_writes_the_model(monkeypatch, tmp_path, shipped):
    monkeypatch.setattr(train, "train", lambda examples: shipped)
    extra = tmp_path / "overrides.jsonl"
    extra.write_text(
        json.dumps({"text": "村会计挪用集体资金", "category": "discipline"}, ensure_ascii=False) + "\n"
    )
    output = tmp_path / "model.joblib"
    out = io.StringIO()
    assert train.main(["--extra", str(extra), "--output", str(output)], stdout=out) == 0
    assert output.exists()
    again = load(output)
    text = "包工头拖欠我们三个月工资"
    assert classify_with(again, text) == classify_with(shipped, text)
    assert "macro-F1" in out.getvalue() and "1 extra" in out.getvalue()


def test_management_command_is_the_same_function(monkeypatch, tmp_path, shipped):
    from django.core.management import call_command

    monkeypatch.setattr(train, "train", lambda examples: shipped)
    out = io.StringIO()
    call_command("retrain", "--dry-run", stdout=out)
    assert "macro-F1" in out.getvalue()
