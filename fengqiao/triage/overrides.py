"""Staff overrides (TriageOverride rows) as extra labelled examples for `fengqiao retrain --extra`.

One JSON object per line, {"text", "category"} as `corpus.read_jsonl` reads them, plus provenance
fields (`case`, `predicted`, `confidence`, `at`) that the reader ignores. When a case was corrected
more than once, only its latest correction counts; a text the shipped corpus already carries (with
any label) is left out so that an override never contradicts or double-weights the corpus."""

import json
from datetime import datetime
from typing import TextIO

from fengqiao.cases.codes import Category

from . import corpus
from .models import TriageOverride


def latest_overrides(since: datetime | None = None, ids=None):
    """The latest override of each case (optionally only those made at or after `since`, or only
    the rows `ids`)."""
    rows = TriageOverride.objects.select_related("case").order_by("case_id", "-at", "-id")
    if since is not None:
        rows = rows.filter(at__gte=since)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    latest, seen = [], set()
    for override in rows.iterator(chunk_size=2000):
        if override.case_id not in seen:
            seen.add(override.case_id)
            latest.append(override)
    return sorted(latest, key=lambda override: (override.at, override.pk))


def export_overrides(handle: TextIO, since: datetime | None = None, ids=None) -> dict:
    """Write the examples to `handle`; {"written", "skipped_in_corpus", "skipped_invalid"}."""
    known = {example.text.strip() for example in corpus.load_corpus()}
    valid = set(Category.values)
    counts = {"written": 0, "skipped_in_corpus": 0, "skipped_invalid": 0}
    for override in latest_overrides(since, ids):
        text = " ".join(override.text.split())
        if not text or override.chosen not in valid:
            counts["skipped_invalid"] += 1
            continue
        if text in known:
            counts["skipped_in_corpus"] += 1
            continue
        row = {
            "text": text,
            "category": override.chosen,
            "case": override.case.number,
            "predicted": override.predicted,
            "confidence": override.confidence,
            "at": override.at.isoformat(),
        }
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        counts["written"] += 1
    return counts
