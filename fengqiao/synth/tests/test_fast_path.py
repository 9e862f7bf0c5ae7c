"""The PostgreSQL fast path builds each row's COPY text with numpy byte-string operations, possibly
in worker processes: its rows must be the reference path's (`cases.rows`, what SQLite loads), field
for field, and the same whatever the number of processes."""

from types import SimpleNamespace

import pytest

from fengqiao.synth import cases, columns
from fengqiao.synth.load import CHUNK
from fengqiao.synth.tree import build_regions, shape_for


@pytest.fixture(scope="module")
def province():
    grids = [region for region in build_regions("97", shape_for(300)) if region.kind == "grid"]
    codes = [grid.code for grid in grids]
    names = [grid.name.replace("第1网格", "").replace("第2网格", "").replace("第3网格", "") for grid in grids]
    units = {
        (code, level): 1000 + i * 4 + j
        for i, code in enumerate(codes)
        for j, level in enumerate(columns.LEVELS)
    }
    return codes, names, units


def _chunks(now, sizes=(1500, 2600), seed=11):
    # Two chunks that overlap in time, as synth's do: the second's numbers go on from the first's.
    return [columns.Chunk(size=size, now=now, years=1, seed=seed + part) for part, size in enumerate(sizes)]


def test_fast_text_is_the_reference_rows(province, monkeypatch):
    from datetime import UTC, datetime

    codes, names, units = province
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    chunks = _chunks(now)
    # The reference path formats times for the connection's engine: ask for PostgreSQL's text.
    monkeypatch.setattr(cases, "connection", SimpleNamespace(vendor="postgresql"))
    reference_taken = {"970101-20260101": 7}
    reference = []
    for chunk in chunks:
        generated = cases.generate(chunk.size, codes, units, chunk.now, chunk.years, chunk.seed, chunk.end)
        lists = cases.rows(generated, codes, names, units, reference_taken)
        text = [cases._copy_column(values) for values in lists]
        reference += [dict(zip(cases.case_columns(), row, strict=True)) for row in zip(*text, strict=True)]
    taken = {"970101-20260101": 7}
    fast = []
    for bodies, _ in cases._texts(chunks, cases.province_pools(codes, names, units), taken, 0, {}):
        for body in bodies:
            for line in body.decode().splitlines():
                fast.append(dict(zip(columns.COPY_COLUMNS, line.split("\t"), strict=True)))
    assert len(fast) == len(reference) == sum(chunk.size for chunk in chunks)
    assert fast == reference
    assert taken == reference_taken
    assert len({row["number"] for row in fast}) == len(fast)
    cases.check_copy_columns()


def test_same_rows_whatever_the_number_of_processes(province):
    from datetime import UTC, datetime

    codes, names, units = province
    # synth's own chunking (equal slices of the years), small: 900, 900, 900 and 100 cases.
    chunks = columns.chunk_specs(2800, 2, datetime(2026, 3, 1, tzinfo=UTC), 3, 900)
    pool_args = cases.province_pools(codes, names, units)
    texts, counts = {}, {}
    for workers in (0, 2):
        taken = {}
        made = list(cases._texts(chunks, pool_args, taken, workers, {}))
        texts[workers] = ([bodies for bodies, _ in made], taken)
        merged = columns.merge_counts([chunk_counts for _, chunk_counts in made])
        counts[workers] = {name: [array.tolist() for array in merged[name]] for name in columns.GROUPINGS}
    assert texts[0] == texts[2]
    assert counts[0] == counts[2]
    assert CHUNK >= 100_000  # chunks (and so rows) do not depend on the process count either


def test_chunks_spread_the_cases_evenly_over_the_years():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    for count, years, size in [(1_000_000, 3, 500_000), (10_000_000, 3, 500_000), (2_345, 2, 1_000)]:
        chunks = columns.chunk_specs(count, years, now, 7, size)
        assert sum(chunk.size for chunk in chunks) == count
        assert [chunk.seed for chunk in chunks] == list(range(7, 7 + len(chunks)))
        # The slices tile the span: each starts where the one before ends, the last ends now.
        start = now - timedelta(days=365 * years)
        for chunk in chunks:
            assert abs((chunk.now - timedelta(days=365 * chunk.years) - start).total_seconds()) < 1e-3
            # As many cases per day in every slice.
            assert chunk.size / chunk.years == pytest.approx(count / years)
            start = chunk.now
        assert start == now


def test_generated_cases_fill_the_years_without_a_gap(province):
    from datetime import UTC, datetime

    import numpy as np

    codes, _, units = province
    now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    years = 3
    generated = [
        columns.generate(chunk.size, codes, units, chunk.now, chunk.years, chunk.seed, chunk.end)
        for chunk in columns.chunk_specs(12_000, years, now, 1, 1_000)
    ]
    reported = np.concatenate([part["reported"] for part in generated])
    opened = np.concatenate([part["open"] for part in generated])
    assert reported.size == 12_000 and np.all(np.diff(reported) >= 0)  # oldest first, in order
    span = years * 365 * 86400
    assert now.timestamp() - span <= reported.min() and reported.max() <= now.timestamp()
    # Every half year holds its share (seasons aside): no slice of time is left empty.
    halves = np.histogram(reported, bins=2 * years, range=(now.timestamp() - span, now.timestamp()))[0]
    assert halves.min() > 0.8 * 12_000 / (2 * years)
    # What is still open is judged at the load's present, not at the end of each chunk's slice:
    # the last weeks hold most open cases, the older years almost none.
    age_days = (now.timestamp() - reported) / 86400
    assert opened[age_days < 7].mean() > 0.3
    assert opened[age_days > 90].mean() < 0.03
