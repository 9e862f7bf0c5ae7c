"""Training and evaluation of the triage classifier; `python -m fengqiao.triage.train` retrains.

The model is a linear SVM over character n-grams, jieba words and lexicon scores, with its decision
values turned into probabilities by temperature scaling fitted on cross-validated predictions
(scikit-learn's CalibratedClassifierCV). It is trained on the corpus's training side (plus any extra
examples, such as staff overrides) and evaluated on the held-out side and on the hand-written unseen set.
"""

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from fengqiao.cases.codes import Category
from fengqiao.triage import corpus, features
from fengqiao.triage.model import MODEL_PATH, Model, Weighting, current_fingerprints, save

SVM_C = 0.5
CALIBRATION_FOLDS = 5
SEED = 0


def train(examples: Iterable[tuple[str, str]] = (), *, include_corpus: bool = True) -> Model:
    """A model trained on the corpus's training side plus `examples` (text, category code), all of
    which are used for training (none is held out)."""
    extra = corpus.validate(examples, source="extra examples")
    training = corpus.split(corpus.load_corpus())[0] if include_corpus else []
    model, _, _ = fit(training + extra)
    model.meta["extra_examples"] = len(extra)
    return model


def fit(examples: list[corpus.Example], weighting: Weighting | None = None):
    """(model, fitted scikit-learn estimator, training matrix): the last two for checks and tests."""
    from scipy.sparse import csr_matrix
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    weighting = weighting or Weighting()
    classes = tuple(Category.values)
    missing = set(classes) - {example.category for example in examples}
    if missing:
        raise ValueError(f"no training examples for {sorted(missing)}")

    extracted = [features.extract(example.text) for example in examples]
    document_frequency: Counter = Counter()
    for item in extracted:
        document_frequency.update(item.chars.keys())
        document_frequency.update(item.words.keys())
    vocabulary = sorted(name for name, count in document_frequency.items() if count >= weighting.min_df)
    n = len(examples)
    idf = np.asarray(
        [math.log((1 + n) / (1 + document_frequency[name])) + 1.0 for name in vocabulary], dtype=np.float32
    )
    model = Model(classes=classes, vocabulary=vocabulary, idf=idf, weighting=weighting)

    rows, columns, values = [], [], []
    for row, item in enumerate(extracted):
        cols, vals = model.vectorize(item)
        rows.extend([row] * len(cols))
        columns.extend(cols.tolist())
        values.extend(vals.tolist())
    matrix = csr_matrix((values, (rows, columns)), shape=(n, model.n_features), dtype=np.float64)
    labels = np.asarray([model.class_index[example.category] for example in examples])

    estimator = CalibratedClassifierCV(
        LinearSVC(C=SVM_C, random_state=SEED, max_iter=5000),
        method="temperature",
        cv=StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=SEED),
        ensemble=False,
    )
    estimator.fit(matrix, labels)
    calibrated = estimator.calibrated_classifiers_[0]
    svm = calibrated.estimator
    model.weights = np.ascontiguousarray(svm.coef_.T, dtype=np.float32)
    model.intercept = svm.intercept_.astype(np.float64)
    model.inverse_temperature = float(calibrated.calibrators[0].beta_)
    model.meta = {**current_fingerprints(), "training_examples": n, "svm_c": SVM_C}
    return model, estimator, matrix


# -- evaluation ----------------------------------------------------------------------------------


def evaluate(model: Model | None = None) -> dict:
    """Scores `model` (default: the one classify() uses) on the held-out split and the unseen set.

    Returns per-category precision/recall/F1/support, macro-F1, top-1 and top-3 accuracy, the
    confusion matrix (rows: true code, columns: predicted code), the same accuracies on the unseen
    set, and how accuracy and review volume depend on the review threshold.
    """
    from fengqiao.triage import classify as classify_module

    model = model or classify_module.get_model()
    held_out = corpus.split(corpus.load_corpus())[1]
    result = _score(model, held_out)
    unseen = _score(model, corpus.load_unseen())
    result["unseen"] = {
        key: unseen[key] for key in ("examples", "top1_accuracy", "top3_accuracy", "macro_f1", "mistakes")
    }
    result["unseen"]["review"] = unseen["review"]
    result["meta"] = dict(model.meta)
    return result


def _score(model: Model, examples: list[corpus.Example]) -> dict:
    from fengqiao.triage.classify import REVIEW_THRESHOLD, classify_with

    codes = list(model.classes)
    confusion = {true: dict.fromkeys(codes, 0) for true in codes}
    top1 = top3 = 0
    confident = confident_right = 0
    mistakes = []
    for example in examples:
        result = classify_with(model, example.text)
        predicted = result.category
        confusion[example.category][predicted] += 1
        top1 += predicted == example.category
        top3 += example.category in [code for code, _ in result.top]
        if not result.needs_review:
            confident += 1
            confident_right += predicted == example.category
        if predicted != example.category:
            mistakes.append(
                {
                    "text": example.text,
                    "expected": example.category,
                    "predicted": predicted,
                    "confidence": round(result.confidence, 3),
                }
            )
    per_category = {}
    for code in codes:
        true_positive = confusion[code][code]
        predicted_count = sum(confusion[true][code] for true in codes)
        support = sum(confusion[code].values())
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_category[code] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    present = [code for code in codes if per_category[code]["support"]]
    total = len(examples)
    return {
        "examples": total,
        "per_category": per_category,
        "macro_f1": sum(per_category[code]["f1"] for code in present) / len(present),
        "top1_accuracy": top1 / total,
        "top3_accuracy": top3 / total,
        "confusion": confusion,
        "mistakes": mistakes,
        "review": {
            "threshold": REVIEW_THRESHOLD,
            "auto_share": confident / total,
            "auto_accuracy": confident_right / confident if confident else 0.0,
        },
    }


def format_report(result: dict) -> str:
    codes = list(result["per_category"])
    lines = [f"Held-out split: {result['examples']} examples", ""]
    lines.append(f"{'category':<18} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}")
    for code, row in result["per_category"].items():
        lines.append(
            f"{code:<18} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {row['support']:>4}"
        )
    lines += [
        "",
        f"macro-F1        {result['macro_f1']:.3f}",
        f"top-1 accuracy  {result['top1_accuracy']:.3f}",
        f"top-3 accuracy  {result['top3_accuracy']:.3f}",
        f"review threshold {result['review']['threshold']:.2f}: {result['review']['auto_share']:.1%} "
        f"decided automatically, {result['review']['auto_accuracy']:.1%} of those right",
        "",
        "Confusion matrix (rows: true category, columns: predicted, numbered as the rows; · = 0)",
        " " * 22 + "".join(f"{number:>3}" for number in range(1, len(codes) + 1)),
    ]
    for number, code in enumerate(codes, start=1):
        cells = "".join(
            f"{result['confusion'][code][predicted] or '·':>3}" for predicted in result["confusion"][code]
        )
        lines.append(f"{number:>2} {code:<19}{cells}")
    unseen = result.get("unseen")
    if unseen:
        lines += [
            "",
            f"Unseen hand-written set: {unseen['examples']} examples, top-1 accuracy {unseen['top1_accuracy']:.3f}, "
            f"top-3 accuracy {unseen['top3_accuracy']:.3f}; {unseen['review']['auto_share']:.1%} decided "
            f"automatically, {unseen['review']['auto_accuracy']:.1%} of those right",
        ]
        for mistake in unseen["mistakes"]:
            lines.append(
                f"  {mistake['expected']} → {mistake['predicted']} ({mistake['confidence']:.2f}): {mistake['text']}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None, stdout=None) -> int:
    stdout = stdout or sys.stdout
    parser = argparse.ArgumentParser(
        prog="retrain", description="Retrain and evaluate the triage classifier."
    )
    add_arguments(parser)
    options = parser.parse_args(argv)
    return run(extra=options.extra, output=options.output, dry_run=options.dry_run, stdout=stdout)


def add_arguments(parser) -> None:
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help='extra training examples, one {"text": …, "category": …} per line (repeatable)',
    )
    parser.add_argument("--output", type=Path, default=MODEL_PATH, help=f"model file (default {MODEL_PATH})")
    parser.add_argument("--dry-run", action="store_true", help="train and evaluate, but write nothing")


def run(extra: list, output: Path, dry_run: bool, stdout) -> int:
    extra_examples = [example for path in extra for example in corpus.read_jsonl(Path(path))]
    started = time.perf_counter()
    model = train([(example.text, example.category) for example in extra_examples])
    trained_in = time.perf_counter() - started
    result = evaluate(model)
    stdout.write(format_report(result) + "\n\n")
    stdout.write(
        f"Trained on {model.meta['training_examples']} examples ({len(extra_examples)} extra) in "
        f"{trained_in:.1f} s; {len(model.vocabulary)} features.\n"
    )
    if not dry_run:
        save(model, Path(output))
        stdout.write(f"Wrote {output} ({Path(output).stat().st_size / 1024:.0f} KiB).\n")
        if Path(output).resolve() == MODEL_PATH.resolve():
            from fengqiao.triage.classify import set_model

            set_model(model)  # this process classifies with the new model from now on
    return 0


if __name__ == "__main__":
    sys.exit(main())
