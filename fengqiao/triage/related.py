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


_SEED = 20261122
# The permutations depend only on the seed: drawn once per process (drawing them is most of the
# cost of a MinHash), then handed to every signature, which stays what MinHash(seed=_SEED) gives.
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=_SEED)


def signature(text: str) -> np.ndarray | None:
    grams = shingles(text)
    if not grams:
        return None
    minhash = MinHash(
        num_perm=NUM_PERM, seed=_SEED, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme
    )
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


# ------------------------------------------------------------------------------ at intake
#
# find_related, link and index_text above are the definition, in the ORM. Intake runs relate()
# below: the same lookups and writes as two hand-written statements on PostgreSQL (four on
# SQLite; the ORM sent up to eight, and their Python cost was most of de-duplication's time at a
# million stored cases). tests/test_fast_paths.py runs both on the same data and compares what
# they find and store.

_FIND = """
SELECT * FROM (
    SELECT p.case_id, 'same_parties' AS reason, c.number, CAST(NULL AS {blob}) AS hashvalues
    FROM cases_party p JOIN cases_case c ON c.id = p.case_id
    WHERE p.person_id IN ({people}) AND p.case_id <> %s
    ORDER BY c.reported_at DESC LIMIT {limit}
) AS parties
UNION ALL
SELECT * FROM (
    SELECT c.id, 'same_place', c.number, CAST(NULL AS {blob})
    FROM cases_case c
    WHERE c.category = %s AND c.{place} = %s AND c.reported_at >= %s AND c.id <> %s
    ORDER BY c.reported_at DESC LIMIT {limit}
) AS place
UNION ALL
SELECT s.case_id, 'same_matter', NULL, s.hashvalues
FROM triage_textsignature s
WHERE s.case_id IN (
    SELECT b.case_id FROM triage_textband b
    WHERE b.band IN ({bands}) AND b.county = %s AND b.reported_at >= %s AND b.case_id <> %s
    LIMIT 200
)
"""


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def relate(case: Case, person_ids: list[int], hashvalues: np.ndarray | None) -> list[str]:
    """find_related + link + index_text in as few statements as they allow: one lookup, then the
    inserts of the links, the signature and its bands (on PostgreSQL in one statement, elsewhere
    one each). Returns the related case numbers."""
    from django.db import connection
    from django.utils import timezone

    adapt = connection.ops.adapt_datetimefield_value
    blob = "bytea" if connection.vendor == "postgresql" else "blob"
    case_bands = bands(hashvalues) if hashvalues is not None else []
    place, where = ("grid_code", case.grid_code) if case.grid_code else ("region_code", case.region_id)
    params = []
    sql = _FIND
    if not person_ids:  # no parties: the branch must find nothing (an empty IN list is not SQL)
        sql = sql.replace("p.person_id IN ({people}) AND", "1 = 0 AND")
    else:
        params += list(person_ids)
    params += [case.pk]
    params += [case.category, where, adapt(case.reported_at - timedelta(days=PLACE_WINDOW_DAYS)), case.pk]
    if not case_bands:
        sql = sql.replace("b.band IN ({bands}) AND", "1 = 0 AND")
    params += case_bands
    params += [case.region_id[:6], adapt(case.reported_at - timedelta(days=TEXT_WINDOW_DAYS)), case.pk]
    sql = sql.format(
        blob=blob,
        people=_placeholders(len(person_ids)),
        bands=_placeholders(len(case_bands)),
        limit=MAX_LINKS,
        place=place,
    )
    found: dict[tuple[int, str], float] = {}
    numbers: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for other, reason, number, stored in cursor.fetchall():
            if number is not None:
                numbers[other] = number
            if stored is None:
                found[(other, reason)] = 1.0
                continue
            score = similarity(hashvalues, np.frombuffer(bytes(stored), dtype=np.uint64))
            if score >= SIMILARITY:
                found[(other, reason)] = round(score, 3)
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[: MAX_LINKS * 3]
        now = adapt(timezone.now())
        writes: list[tuple[str, list]] = []
        if ranked:
            writes.append(
                (
                    "INSERT INTO cases_caselink (case_id, other_id, reason, score, created_at) VALUES "
                    + ", ".join(["(%s, %s, %s, %s, %s)"] * len(ranked))
                    + " ON CONFLICT DO NOTHING",
                    [
                        value
                        for (other, reason), score in ranked
                        for value in (case.pk, other, reason, score, now)
                    ],
                )
            )
        if hashvalues is not None:
            writes.append(
                (
                    "INSERT INTO triage_textsignature (case_id, hashvalues) VALUES (%s, %s)",
                    [case.pk, hashvalues.tobytes()],
                )
            )
            county, reported = case.region_id[:6], adapt(case.reported_at)
            writes.append(
                (
                    "INSERT INTO triage_textband (case_id, band, county, reported_at) VALUES "
                    + ", ".join(["(%s, %s, %s, %s)"] * len(case_bands)),
                    [value for band in case_bands for value in (case.pk, band, county, reported)],
                )
            )
        # The numbers of confirmed near-duplicates (the lookup leaves them out: most candidates
        # are not confirmed, and reading their cases would cost a page each).
        missing = sorted({other for (other, _), _ in ranked if other not in numbers})
        if missing:
            writes.append(
                (f"SELECT id, number FROM cases_case WHERE id IN ({_placeholders(len(missing))})", missing)
            )
        if connection.vendor == "postgresql" and len(writes) > 1:
            # One round trip: the inserts as data-modifying WITH clauses of the last statement.
            *first, (last, last_params) = writes
            sql = "WITH " + ", ".join(
                f"w{index} AS ({statement})" for index, (statement, _) in enumerate(first)
            )
            writes = [(f"{sql} {last}", [value for _, params in first for value in params] + last_params)]
        for statement, values in writes:
            cursor.execute(statement, values)
        if missing:
            numbers.update(cursor.fetchall())
    return sorted({numbers[other] for (other, _), _ in ranked})
