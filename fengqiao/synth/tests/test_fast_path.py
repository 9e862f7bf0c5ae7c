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
        generated = cases.generate(chunk.size, codes, units, chunk.now, chunk.years, chunk.seed)
        lists = cases.rows(generated, codes, names, units, reference_taken)
        text = [cases._copy_column(values) for values in lists]
        reference += [dict(zip(cases.case_columns(), row, strict=True)) for row in zip(*text, strict=True)]
    taken = {"970101-20260101": 7}
    fast = []
    for bodies in cases._texts(chunks, cases.province_pools(codes, names, units), taken, 0, {}):
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
    chunks = _chunks(datetime(2026, 3, 1, tzinfo=UTC), sizes=(900, 700, 1200), seed=3)
    pool_args = cases.province_pools(codes, names, units)
    texts = {}
    for workers in (0, 2):
        taken = {}
        texts[workers] = (list(cases._texts(chunks, pool_args, taken, workers, {})), taken)
    assert texts[0] == texts[2]
    assert CHUNK >= 100_000  # chunks (and so rows) do not depend on the process count either
