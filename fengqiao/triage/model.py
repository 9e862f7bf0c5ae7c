"""The trained classifier as plain arrays: vocabulary, idf, weights, temperature; scoring and persistence.

Training uses scikit-learn (train.py); scoring here needs only numpy, which keeps the first call fast
(no scikit-learn import) and one call well under a millisecond. The arithmetic is the same as
scikit-learn's (a linear SVM's decision values, softmax with the calibrated inverse temperature); the
test suite checks the two agree.
"""

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fengqiao.triage import features as features_module
from fengqiao.triage import lexicon
from fengqiao.triage.features import Features

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "model.joblib"
CORPUS_PATH = DATA_DIR / "corpus.jsonl"


@dataclass(frozen=True)
class Weighting:
    """How the three feature blocks are scaled against each other (each text block is l2-normalised)."""

    chars: float = 1.0
    words: float = 0.6
    lexicon: float = 0.35
    min_df: int = 2


@dataclass
class Model:
    classes: tuple[str, ...]
    vocabulary: list[str]  # feature name per column; the lexicon columns follow, one per class
    idf: np.ndarray  # float32, one per vocabulary entry
    weights: np.ndarray | None = None  # float32 (len(vocabulary) + len(classes), len(classes))
    intercept: np.ndarray | None = None  # float64 (len(classes),)
    inverse_temperature: float = 1.0
    weighting: Weighting = field(default_factory=Weighting)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {name: column for column, name in enumerate(self.vocabulary)}
        self.class_index = {code: position for position, code in enumerate(self.classes)}
        self._idf = [float(value) for value in self.idf]  # plain floats: faster to index one at a time

    @property
    def n_features(self) -> int:
        return len(self.vocabulary) + len(self.classes)

    def vectorize(self, extracted: Features) -> tuple[np.ndarray, np.ndarray]:
        """Sparse row (columns, values): sublinear tf-idf per text block, l2-normalised and scaled,
        then one log-scaled lexicon score per category."""
        index, idf, log = self.index, self._idf, math.log
        columns: list[int] = []
        values: list[float] = []
        for counts, scale in (
            (extracted.chars, self.weighting.chars),
            (extracted.words, self.weighting.words),
        ):
            start = len(values)
            for name, count in counts.items():
                column = index.get(name)
                if column is not None:
                    columns.append(column)
                    values.append(idf[column] if count == 1 else (1.0 + log(count)) * idf[column])
            norm = math.sqrt(sum(value * value for value in values[start:]))
            if norm:
                factor = scale / norm
                values[start:] = [value * factor for value in values[start:]]
        offset = len(self.vocabulary)
        for category, score in sorted(lexicon.scores(extracted.hits).items()):
            columns.append(offset + self.class_index[category])
            values.append(self.weighting.lexicon * math.log1p(score))
        return np.asarray(columns, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def decision(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values @ self.weights[columns] + self.intercept

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        scaled = logits - logits.max()
        exp = np.exp(scaled)
        return exp / exp.sum()

    def feature_name(self, column: int) -> str:
        if column < len(self.vocabulary):
            return self.vocabulary[column]
        return "lexicon:" + self.classes[column - len(self.vocabulary)]

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "classes": list(self.classes),
            "vocabulary": self.vocabulary,
            "idf": self.idf,
            "weights": self.weights,
            "intercept": self.intercept,
            "inverse_temperature": float(self.inverse_temperature),
            "weighting": vars(self.weighting),
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Model":
        return cls(
            classes=tuple(data["classes"]),
            vocabulary=list(data["vocabulary"]),
            idf=data["idf"],
            weights=data["weights"],
            intercept=data["intercept"],
            inverse_temperature=data["inverse_temperature"],
            weighting=Weighting(**data["weighting"]),
            meta=data["meta"],
        )


def corpus_fingerprint(path: Path = CORPUS_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def current_fingerprints() -> dict[str, object]:
    """What a model must have been trained against to be current."""
    return {
        "corpus": corpus_fingerprint(),
        "lexicon": lexicon.fingerprint(),
        "feature_version": features_module.FEATURE_VERSION,
    }


def is_current(model: Model) -> bool:
    return all(model.meta.get(key) == value for key, value in current_fingerprints().items())


def save(model: Model, path: Path = MODEL_PATH) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model.to_dict(), path, compress=3)


def load(path: Path = MODEL_PATH) -> Model:
    import joblib

    return Model.from_dict(joblib.load(path))
