"""The labelled triage texts (data/corpus.jsonl, data/unseen.jsonl) and the fixed held-out split.

Whether an example is held out depends only on a hash of its text, so adding examples to the corpus
never moves an old one between the training and the held-out side.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fengqiao.cases.codes import Category

DATA_DIR = Path(__file__).resolve().parent / "data"
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
UNSEEN_PATH = DATA_DIR / "unseen.jsonl"
HELD_OUT_PERCENT = 20


@dataclass(frozen=True)
class Example:
    text: str
    category: str


def is_held_out(text: str) -> bool:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 100 < HELD_OUT_PERCENT


def validate(examples: Iterable[tuple[str, str]], source: str = "examples") -> list[Example]:
    """(text, category) pairs as Examples; an unknown category code or a blank text is an error."""
    valid = set(Category.values)
    result = []
    for number, (text, category) in enumerate(examples, start=1):
        if category not in valid:
            raise ValueError(f"{source}, example {number}: unknown category {category!r}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{source}, example {number}: empty text")
        result.append(Example(text, category))
    return result


def read_jsonl(path: Path) -> list[Example]:
    """One {"text": …, "category": …} object per line; blank lines are skipped."""
    pairs = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                pairs.append((row["text"], row["category"]))
    return validate(pairs, source=str(path))


def load_corpus() -> list[Example]:
    return read_jsonl(CORPUS_PATH)


def load_unseen() -> list[Example]:
    return read_jsonl(UNSEEN_PATH)


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held_out)."""
    training = [example for example in examples if not is_held_out(example.text)]
    held_out = [example for example in examples if is_held_out(example.text)]
    return training, held_out
