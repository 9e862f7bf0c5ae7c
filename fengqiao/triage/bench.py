"""Benchmark: what triage adds to one intake when a million cases are stored.

    # a throw-away PostgreSQL (bench/pg.py prints its DATABASE_URL), then:
    DATABASE_URL=postgres://… .venv/bin/python -m fengqiao.triage.bench [--cases 1000000] [--samples 400]

It migrates, loads the demo accounts, and (once) fills the database with `--cases` synthetic cases
(`fengqiao synth`'s bulk path) plus what de-duplication stores for each: its MinHash signature and
16 LSH bands (random, so unrelated, like real texts of different matters), and, spread over recent
cases of one county, the signatures of the corpus texts, so that lookups do find near-duplicates to
confirm. Then, for `--samples` held-out corpus texts as new cases in that county, it times in-process
and inside a transaction that is rolled back:

- classification (`classify.classify`), routing (`routing.route`),
- de-duplication: signature, `related.find_related` (parties, place, LSH candidates and their
  confirmation), `related.link` and `related.index_text`,

and prints the median and 95th percentile of each stage and of their sum, in milliseconds.
"""

import argparse
import os
import statistics
import sys
import time
import uuid


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()


def _fill_dedup(say, county_prefix: str, corpus_texts: list[str]) -> int:
    """Signatures and bands for every case that has none: random for the synthetic cases, the
    corpus texts' own for a spread of recent cases in one county. COPY on PostgreSQL."""
    import numpy as np
    from django.db import connection

    from fengqiao.triage import related

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.region_code, c.reported_at FROM cases_case c "
            "LEFT JOIN triage_textsignature s ON s.case_id = c.id WHERE s.case_id IS NULL ORDER BY c.id"
        )
        todo = cursor.fetchall()
    if not todo:
        return 0
    rng = np.random.default_rng(7)
    tail = max(0, len(todo) - 200_000)
    recent_in_county = [index for index in range(tail, len(todo)) if todo[index][1].startswith(county_prefix)]
    chosen = rng.choice(recent_in_county, size=min(len(corpus_texts), len(recent_in_county)), replace=False)
    planted = dict(zip(chosen.tolist(), corpus_texts, strict=False))
    chunk = 50_000

    def signatures():
        """(index, hashvalues) in order; the same values on every pass (seeded, chunked)."""
        values = np.random.default_rng(11)
        for first in range(0, len(todo), chunk):
            block = values.integers(
                0, 2**63, size=(min(chunk, len(todo) - first), related.NUM_PERM), dtype=np.uint64
            )
            for offset, row in enumerate(block):
                index = first + offset
                text = planted.get(index)
                yield index, (related.signature(text) if text else row)

    started = time.monotonic()
    raw = connection.connection
    # Two COPYs cannot be open at once on one connection: signatures first, then bands.
    with (
        raw.cursor() as cursor,
        cursor.copy("COPY triage_textsignature (case_id, hashvalues) FROM STDIN") as copy,
    ):
        for index, hashvalues in signatures():
            copy.write_row((todo[index][0], hashvalues.tobytes()))
    say(f"signatures: {len(todo):,} in {time.monotonic() - started:.0f} s")
    with (
        raw.cursor() as cursor,
        cursor.copy("COPY triage_textband (case_id, band, county, reported_at) FROM STDIN") as copy,
    ):
        for index, hashvalues in signatures():
            case_id, region, reported_at = todo[index]
            for band in related.bands(hashvalues):
                copy.write_row((case_id, band, region[:6], reported_at))
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE triage_textband; ANALYZE triage_textsignature; ANALYZE cases_case")
    say(f"bands: {len(todo) * related.BANDS:,} rows, {time.monotonic() - started:.0f} s in all")
    return len(todo)


def _reset_statements(connection) -> bool:
    """True when pg_stat_statements is there (bench/pg.py loads it) and has been reset."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            cursor.execute("SELECT pg_stat_statements_reset()")
        return True
    except Exception:  # not loaded on this server: report without it
        return False


def _statement_time(connection) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements "
            "WHERE query NOT LIKE '%pg_stat_statements%'"
        )
        return float(cursor.fetchone()[0])


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="fengqiao.triage.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=400)
    options = parser.parse_args(argv)
    _setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from fengqiao.cases.models import Case
    from fengqiao.regions.codes import subtree_q
    from fengqiao.synth.load import synthesise
    from fengqiao.triage import classify, corpus, related
    from fengqiao.triage.routing import route

    def say(message):
        print(message, flush=True)

    if connection.vendor != "postgresql":
        say("note: not PostgreSQL; the figures will not be those the docs record")
    call_command("migrate", verbosity=0)
    call_command("loaddemo", "--no-history", verbosity=0)
    stored = Case.objects.count()
    if stored < options.cases:
        result = synthesise("98", options.grids, options.cases - stored, 3, 1, None, lambda m: None)
        say(f"synth: {result['cases']:,} cases in {result['seconds']:.0f} s")
    examples = corpus.load_corpus()
    training, held_out = corpus.split(examples)
    county_case = Case.objects.filter(subtree_q("region_id", "980000000000")).order_by("-reported_at").first()
    county_prefix = county_case.region_id[:6]
    filled = _fill_dedup(say, county_prefix, [example.text for example in training])
    say(f"stored: {Case.objects.count():,} cases ({filled:,} given signatures and bands now)")

    classify.classify("预热")  # load the model and jieba once, as a running server has
    recent = list(
        Case.objects.filter(subtree_q("region_id", county_prefix.ljust(12, "0")))
        .select_related("region")
        .order_by("-reported_at")[: options.samples]
    )
    stages = {"classify": [], "route": [], "dedup": [], "total": []}
    cpu = {"classify": [], "route": [], "dedup": [], "total": []}
    queries = {"route": 0, "dedup": 0}
    counting = {"stage": None}

    def count(execute, sql, params, many, context):
        if counting["stage"]:
            queries[counting["stage"]] += 1
        return execute(sql, params, many, context)

    round_trips = []
    with connection.cursor() as cursor:
        for _ in range(200):
            began = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            round_trips.append((time.perf_counter() - began) * 1000)
    found_any = 0
    statements = connection.vendor == "postgresql" and _reset_statements(connection)
    for case, example in zip(recent, held_out[: options.samples], strict=False):
        with transaction.atomic(), connection.execute_wrapper(count):
            # A new case row at the same place, as intake has just inserted it (not timed).
            region = case.region
            case.pk, case.number, case.client_id = None, f"B-{uuid.uuid4().hex[:20]}", uuid.uuid4()
            case.description = example.text
            case.save()
            case.region = region
            started, started_cpu = time.perf_counter(), time.process_time()
            result = classify.classify(example.text, "window")
            classified, classified_cpu = time.perf_counter(), time.process_time()
            counting["stage"] = "route"
            route(result.category, case.region_id, case.region.kind)
            routed, routed_cpu = time.perf_counter(), time.process_time()
            counting["stage"] = "dedup"
            case.category = result.category
            hashvalues = related.signature(example.text)
            found = related.find_related(case, [], hashvalues)
            related.link(case, found)
            related.index_text(case, hashvalues)
            done, done_cpu = time.perf_counter(), time.process_time()
            counting["stage"] = None
            transaction.set_rollback(True)
        found_any += bool(found)
        stages["classify"].append((classified - started) * 1000)
        stages["route"].append((routed - classified) * 1000)
        stages["dedup"].append((done - routed) * 1000)
        stages["total"].append((done - started) * 1000)
        cpu["classify"].append((classified_cpu - started_cpu) * 1000)
        cpu["route"].append((routed_cpu - classified_cpu) * 1000)
        cpu["dedup"].append((done_cpu - routed_cpu) * 1000)
        cpu["total"].append((done_cpu - started_cpu) * 1000)
    say(f"{len(stages['total'])} intakes timed; {found_any} found related cases")
    server = _statement_time(connection) / len(stages["total"]) if statements else float("nan")
    say(f"{'stage':10} {'median ms':>10} {'p95 ms':>8} {'CPU median':>11} {'queries':>8}")
    for name, values in stages.items():
        per_case = f"{queries[name] / len(values):8.1f}" if name in queries else ""
        say(
            f"{name:10} {statistics.median(values):10.2f} {_percentile(values, 0.95):8.2f} "
            f"{statistics.median(cpu[name]):11.2f} {per_case}"
        )
    say(
        f"PostgreSQL execution time per intake (pg_stat_statements, the triage statements and the "
        f"test's own insert and rollback): {server:.2f} ms"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    say(
        f"database round trip (SELECT 1): median {statistics.median(round_trips):.2f} ms; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
