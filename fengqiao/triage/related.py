"""One file per matter (一事一档): finding the cases a new one is related to.

Three signals, each a link with its reason:
- the same parties: a shared person file (matched by ID number, or name and phone, at intake);
- the same place and category within PLACE_WINDOW_DAYS: the same grid (or village);
- near-duplicate text: MinHash over character 3-grams, banded for lookup (LSH) in the database so
  every process sees every case; candidates sharing a band are confirmed by their estimated
  Jaccard similarity.
"""

import re
from datetime import timedelta
from hashlib import blake2b

import numpy as np
from datasketch import MinHash

from fengqiao.cases.models import Case, CaseLink, Party

from .models import TextBand, TextSignature

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SIMILARITY = 0.6
TEXT_WINDOW_DAYS = 180
PLACE_WINDOW_DAYS = 30
MAX_LINKS = 20
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def shingles(text: str, size: int = 3) -> list[bytes]:
    cleaned = _NOISE.sub("", text or "")
    if len(cleaned) <= size:
        return [cleaned.encode()] if cleaned else []
    return [cleaned[i : i + size].encode() for i in range(len(cleaned) - size + 1)]


def signature(text: str) -> np.ndarray | None:
    grams = shingles(text)
    if not grams:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=20261122)
    minhash.update_batch(grams)
    return minhash.hashvalues.astype(np.uint64)


def bands(hashvalues: np.ndarray) -> list[int]:
    """One signed 64-bit number per band (fits a BigIntegerField)."""
    rows = hashvalues.astype("<u8").reshape(BANDS, ROWS)
    return [
        int.from_bytes(blake2b(bytes([index]) + row.tobytes(), digest_size=8).digest(), "little", signed=True)
        for index, row in enumerate(rows)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def index_text(case: Case, hashvalues: np.ndarray | None) -> None:
    if hashvalues is None:
        return
    TextSignature.objects.create(case=case, hashvalues=hashvalues.tobytes())
    county = case.region_id[:6]
    TextBand.objects.bulk_create(
        TextBand(case=case, band=band, county=county, reported_at=case.reported_at)
        for band in bands(hashvalues)
    )


def find_related(
    case: Case, person_ids: list[int], hashvalues: np.ndarray | None
) -> list[tuple[int, str, float]]:
    """(other case id, reason, score) for the cases this one is related to, strongest first."""
    found: dict[tuple[int, str], float] = {}
    if person_ids:
        others = (
            Party.objects.filter(person_id__in=person_ids)
            .exclude(case=case)
            .order_by("-case__reported_at")
            .values_list("case_id", flat=True)[:MAX_LINKS]
        )
        for other in others:
            found[(other, CaseLink.Reason.SAME_PARTIES)] = 1.0
    place = {"grid_code": case.grid_code} if case.grid_code else {"region_id": case.region_id}
    since = case.reported_at - timedelta(days=PLACE_WINDOW_DAYS)
    same_place = (
        Case.objects.filter(category=case.category, reported_at__gte=since, **place)
        .exclude(pk=case.pk)
        .order_by("-reported_at")
        .values_list("pk", flat=True)[:MAX_LINKS]
    )
    for other in same_place:
        found[(other, CaseLink.Reason.SAME_PLACE)] = 1.0
    if hashvalues is not None:
        since = case.reported_at - timedelta(days=TEXT_WINDOW_DAYS)
        candidates = set(
            TextBand.objects.filter(
                band__in=bands(hashvalues), county=case.region_id[:6], reported_at__gte=since
            )
            .exclude(case=case)
            .values_list("case_id", flat=True)[:200]
        )
        for other, stored in TextSignature.objects.filter(case_id__in=candidates).values_list(
            "case_id", "hashvalues"
        ):
            score = similarity(hashvalues, np.frombuffer(bytes(stored), dtype=np.uint64))
            if score >= SIMILARITY:
                found[(other, CaseLink.Reason.SAME_MATTER)] = round(score, 3)
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return [(other, reason, score) for (other, reason), score in ranked[: MAX_LINKS * 3]]


def link(case: Case, related: list[tuple[int, str, float]]) -> list[str]:
    """Store the links; return the related case numbers."""
    if not related:
        return []
    CaseLink.objects.bulk_create(
        [CaseLink(case=case, other_id=other, reason=reason, score=score) for other, reason, score in related],
        ignore_conflicts=True,
    )
    numbers = dict(Case.objects.filter(pk__in={other for other, _, _ in related}).values_list("pk", "number"))
    return sorted(set(numbers.values()))
