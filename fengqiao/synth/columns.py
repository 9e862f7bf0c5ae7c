"""Synthetic cases as numpy columns, and their COPY text built column-wise with numpy byte-string
operations. This module imports numpy only (no Django), so that worker processes can build the text
of the next chunk while the database takes in the current one (see `fengqiao.synth.load`).

Determinism: a chunk's rows depend only on its spec (size, end time, years, seed) and the
case-number offsets computed from the earlier chunks, never on which process built it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

CATEGORY_WEIGHTS = {
    "neighbour": 18,
    "marriage_family": 9,
    "homestead_housing": 8,
    "contract_debt": 7,
    "damages": 6,
    "land_forest": 5,
    "labour_wages": 6,
    "property_mgmt": 4,
    "traffic": 4,
    "public_service": 8,
    "safety_hazard": 6,
    "village_affairs": 3,
    "consumer": 2,
    "environment": 2,
    "medical": 1,
    "land_acquisition": 1,
    "other_dispute": 3,
    "petition": 2,
    "legal_consult": 3,
    "psych_support": 1,
    "public_security": 2,
    "stability_intel": 0.5,
    "litigation": 0.5,
    "discipline": 0.3,
    "business": 2,
}
CHANNEL_WEIGHTS = {
    "grid": 60,
    "window": 12,
    "hotline": 12,
    "police": 5,
    "portal": 4,
    "court": 2,
    "petition_bureau": 2,
    "open311": 3,
}
LEVELS = ["village", "town", "county", "city"]
START_LEVEL = {
    "village": [
        "neighbour",
        "marriage_family",
        "homestead_housing",
        "damages",
        "property_mgmt",
        "other_dispute",
    ],
    "county": [
        "land_acquisition",
        "environment",
        "labour_wages",
        "medical",
        "consumer",
        "petition",
        "psych_support",
        "stability_intel",
        "litigation",
        "discipline",
    ],
}
MONTH_WEIGHTS = np.array([1.3, 1.2, 1.0, 1.1, 1.1, 1.0, 0.95, 0.95, 0.9, 0.9, 1.0, 1.2])
OPEN_STATUSES = ["reported", "accepted", "dispatched", "in_progress", "resolved"]
SATISFACTION = [3, 4, 5, 5, 5]
# Columns the generator does not vary, in COPY text (\N is NULL).
CONSTANT_TEXT = {
    "client_id": "\\N",
    "address": "",
    "lat": "\\N",
    "lng": "\\N",
    "occurred_at": "\\N",
    "created_by_id": "\\N",
    "resolved_by_id": "\\N",
    "risk": "0",
    "risk_reasons": "[]",
    "classification": "{}",
    "needs_triage": "f",
    "extended": "f",
    "urgent": "f",
    "pinned": "f",
    "returns": "0",
    "merged_into_id": "\\N",
}
# The order of the columns in the COPY text the fast path builds.
COPY_COLUMNS = [
    "number",
    "region_code",
    "grid_code",
    "title",
    "description",
    "category",
    "track",
    "level",
    "handling_unit_id",
    "channel",
    "status",
    "satisfaction",
    "overdue",
    "escalations",
    "reported_at",
    "deadline_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    *CONSTANT_TEXT,
]


def _weights(table):
    keys = list(table)
    values = np.array([table[key] for key in keys], dtype=float)
    return keys, values / values.sum()


def _time_and_place(rng, count: int, grids: int, now: datetime, years: int):
    """The first draws of a chunk: when each case was reported (seconds, ascending) and its grid."""
    # Busy and quiet grids: a Zipf-like weight per grid.
    grid_weight = 1.0 / np.arange(1, grids + 1) ** 0.6
    grid_weight = rng.permutation(grid_weight)
    grid_weight /= grid_weight.sum()
    span = years * 365 * 86400
    # Seasons: rejection-free by drawing months with weights, then a uniform second within them.
    offsets = rng.uniform(0, span, count * 2)
    months = ((now - timedelta(seconds=1)).month - 1 - (offsets // (30.4 * 86400)).astype(int)) % 12
    keep = rng.uniform(0, MONTH_WEIGHTS.max(), offsets.size) < MONTH_WEIGHTS[months]
    offsets = offsets[keep][:count]
    if offsets.size < count:
        offsets = np.concatenate([offsets, rng.uniform(0, span, count - offsets.size)])
    offsets.sort()
    reported = now.timestamp() - offsets[::-1]
    grid_index = rng.choice(grids, size=count, p=grid_weight)
    return offsets, reported, grid_index


def generate(
    count: int,
    grids: list[str],
    units: dict,
    now: datetime,
    years: float,
    seed: int,
    end: datetime | None = None,
):
    """Columns of `count` cases reported in the `years` before `now`, as numpy arrays sorted by
    reported time. `end`: the present of the whole load (default `now`): what is still open is
    judged by the cases' age at that time, not at the end of this chunk's slice."""
    present = (end or now).timestamp()
    rng = np.random.default_rng(seed)
    categories, category_p = _weights(CATEGORY_WEIGHTS)
    channels, channel_p = _weights(CHANNEL_WEIGHTS)
    offsets, reported, grid_index = _time_and_place(rng, count, len(grids), now, years)
    category_index = rng.choice(len(categories), size=count, p=category_p)
    channel_index = rng.choice(len(channels), size=count, p=channel_p)
    start_level = np.ones(count, dtype=np.int8)  # town
    for level, names in START_LEVEL.items():
        mask = np.isin(category_index, [categories.index(name) for name in names])
        start_level[mask] = LEVELS.index(level)
    escalations = (rng.uniform(size=count) < 0.04).astype(np.int8) + (rng.uniform(size=count) < 0.01)
    level = np.minimum(start_level + escalations, 3)
    age_days = (present - reported) / 86400
    open_share = np.clip(0.6 - age_days / 60, 0.01, 0.6)
    duration = rng.gamma(2.0, 2.0, size=count) * 86400
    # Still open: a share of the recent ones, and every one whose settling lies in the future.
    is_open = (rng.uniform(size=count) < open_share) | (reported + duration + 86400 > present)
    overdue = (escalations > 0) | (rng.uniform(size=count) < 0.03)
    # Indexes into SATISFACTION and OPEN_STATUSES (rng.choice of a list draws the same indexes).
    satisfaction_index = rng.choice(len(SATISFACTION), size=count)
    status_index = rng.choice(len(OPEN_STATUSES), size=count)
    return {
        "reported": reported,
        "grid": grid_index,
        "category": category_index,
        "channel": channel_index,
        "level": level,
        "escalations": escalations,
        "open": is_open,
        "overdue": overdue,
        "duration": duration,
        "satisfaction": np.array(SATISFACTION)[satisfaction_index],
        "categories": categories,
        "channels": channels,
        "status_open": np.array(OPEN_STATUSES)[status_index],
        "status_index": status_index,
    }


@dataclass(frozen=True)
class Chunk:
    """What fixes one chunk's rows: its size, the end of its slice of time, the length of that slice
    in years (a fraction: a chunk of a load spans its share of the load's years) and its seed."""

    size: int
    now: datetime
    years: float
    seed: int
    end: datetime | None = None  # the whole load's present (None: `now`)


def chunk_specs(count: int, years: float, now: datetime, seed: int, size: int) -> list[Chunk]:
    """The chunks of a load of `count` cases over the `years` before `now`, `size` cases each (the
    last one fewer), oldest first: chunk k covers the slice of time proportional to its share of the
    cases, so the slices tile the whole span with no gap and no overlap and the cases spread evenly.
    They depend only on these arguments, never on the number of processes."""
    span = timedelta(days=365 * years)
    chunks = []
    for part, first in enumerate(range(0, count, size)):
        this = min(size, count - first)
        chunks.append(
            Chunk(
                size=this,
                now=now - span * ((count - first - this) / count),
                years=years * this / count,
                seed=seed + part,
                end=now,
            )
        )
    return chunks


def day_keys(grid_index: np.ndarray, reported: np.ndarray, county_of_grid: np.ndarray) -> np.ndarray:
    """An integer per case for (county, local day): what the case number counts within."""
    local_day = ((reported + 8 * 3600) // 86400).astype(np.int64)
    return county_of_grid[grid_index].astype(np.int64) * 1_000_000 + local_day


def chunk_day_counts(chunk: Chunk, grids: int, county_of_grid: np.ndarray):
    """(unique day keys in ascending order, how many cases each) of a chunk, from its first draws
    only: the parent process numbers chunks in order while workers build their text."""
    _, reported, grid_index = _time_and_place(
        np.random.default_rng(chunk.seed), chunk.size, grids, chunk.now, chunk.years
    )
    return np.unique(day_keys(grid_index, reported, county_of_grid), return_counts=True)


def key_names(keys: np.ndarray, county_codes: list[str]) -> list[str]:
    """ "county-yyyymmdd" (the CaseSequence key) of each day key."""
    days = np.datetime_as_string((keys % 1_000_000).astype("datetime64[D]"), unit="D")
    return [
        f"{county_codes[county]}-{day.replace('-', '')}"
        for county, day in zip((keys // 1_000_000).tolist(), days.tolist(), strict=True)
    ]


def take_numbers(keys: np.ndarray, counts: np.ndarray, county_codes: list[str], taken: dict) -> np.ndarray:
    """The last sequence number already used for each key (0 if none), and advance `taken`."""
    names = key_names(keys, county_codes)
    offsets = np.array([taken.get(name, 0) for name in names], dtype=np.int64)
    for name, last in zip(names, (offsets + counts).tolist(), strict=True):
        taken[name] = last
    return offsets


class Pools:
    """Byte strings of the values a chunk's rows pick from, built once per process."""

    def __init__(
        self, grids: list[str], names: list[str], units: np.ndarray, labels: list[str], tracks: list[str]
    ):
        categories = list(CATEGORY_WEIGHTS)
        self.grids = len(grids)
        counties = sorted({code[:6] for code in grids})
        self.county_codes = counties
        self.county_of_grid = np.array([counties.index(code[:6]) for code in grids], dtype=np.int64)

        def pool(values):
            return np.array([value.encode() for value in values], dtype=bytes)

        self.grid_a = pool(f"\t{code}\t{code}\t{name}" for code, name in zip(grids, names, strict=True))
        self.grid_b = pool(f"{name}发生的" for name in names)
        self.category_a = pool(f"{label}\t合成数据:" for label in labels)
        self.category_b = pool(
            f"{label}\t{category}\t{track}"
            for label, category, track in zip(labels, categories, tracks, strict=True)
        )
        # (grid, level) -> "\tlevel\tunit id"
        self.unit_level = pool(
            f"\t{LEVELS[level]}\t{units[grid, level]}"
            for grid in range(len(grids))
            for level in range(len(LEVELS))
        )
        self.channel = pool(f"\t{channel}" for channel in CHANNEL_WEIGHTS)
        # status code: 0-4 an open status (satisfaction NULL), 5 + satisfaction 3..5 closed
        self.status = pool(
            [f"\t{status}\t\\N" for status in OPEN_STATUSES] + [f"\tclosed\t{value}" for value in range(6)]
        )
        self.overdue_escalations = pool(
            f"\t{'t' if overdue else 'f'}\t{e}" for overdue in (0, 1) for e in range(3)
        )
        self.constant = "".join(f"\t{CONSTANT_TEXT[name]}" for name in CONSTANT_TEXT).encode()


_POOLS: Pools | None = None


def init_pools(*args) -> None:
    """Worker initialiser: build this process's pools."""
    global _POOLS
    _POOLS = Pools(*args)


def _times(seconds: np.ndarray) -> np.ndarray:
    """ISO UTC times with microseconds and offset, as bytes (what the reference path writes)."""
    text = np.datetime_as_string(np.round(seconds * 1e6).astype("datetime64[us]"), unit="us").astype("S")
    return np.strings.add(text, b"+00:00")


def chunk_text(
    chunk: Chunk, offsets: np.ndarray, batch: int = 50_000, pools: Pools | None = None
) -> list[bytes]:
    """The COPY text (columns in COPY_COLUMNS order) of a chunk's rows, a body per `batch` rows.
    `offsets`: from take_numbers, for the chunk's day keys in ascending order."""
    return _chunk_text(chunk, offsets, batch, pools)[0]


def _chunk_text(chunk: Chunk, offsets: np.ndarray, batch: int = 50_000, pools: Pools | None = None):
    """(chunk_text's bodies, the generated columns)."""
    pools = pools or _POOLS
    columns = generate(chunk.size, range(pools.grids), None, chunk.now, chunk.years, chunk.seed, chunk.end)
    keys = day_keys(columns["grid"], columns["reported"], pools.county_of_grid)
    unique, inverse = np.unique(keys, return_inverse=True)
    # Sequence within a key in row order (the rows are in reported order), after the earlier chunks'.
    order = np.argsort(inverse, kind="stable")
    sorted_inverse = inverse[order]
    starts = np.r_[0, np.flatnonzero(sorted_inverse[1:] != sorted_inverse[:-1]) + 1]
    lengths = np.diff(np.r_[starts, keys.size])
    sequence = np.empty(keys.size, dtype=np.int64)
    sequence[order] = np.arange(keys.size) - np.repeat(starts, lengths) + np.repeat(offsets, lengths) + 1
    prefixes = np.array([f"{name}-".encode() for name in key_names(unique, pools.county_codes)], dtype=bytes)
    add = np.strings.add
    bodies = []
    for first in range(0, chunk.size, batch):
        part = slice(first, first + batch)
        grid = columns["grid"][part]
        category = columns["category"][part]
        opened = columns["open"][part]
        reported = columns["reported"][part]
        resolved = reported + columns["duration"][part]
        number = add(prefixes[inverse[part]], np.strings.zfill(sequence[part].astype("S"), 4))
        row = add(number, pools.grid_a[grid])
        row = add(row, pools.category_a[category])
        row = add(row, pools.grid_b[grid])
        row = add(row, pools.category_b[category])
        row = add(row, pools.unit_level[grid * len(LEVELS) + columns["level"][part]])
        row = add(row, pools.channel[columns["channel"][part]])
        status = np.where(opened, columns["status_index"][part], 5 + columns["satisfaction"][part])
        row = add(row, pools.status[status])
        row = add(row, pools.overdue_escalations[columns["overdue"][part] * 3 + columns["escalations"][part]])
        reported_text = add(b"\t", _times(reported))
        escalations = columns["escalations"][part].astype(np.int64)
        row = add(row, reported_text)
        row = add(row, add(b"\t", _times(reported + 7 * 86400 * (1 + escalations))))
        resolved_text = add(b"\t", _times(resolved))
        closed_tail = add(add(resolved_text, add(b"\t", _times(resolved + 86400))), resolved_text)
        row = add(row, np.where(opened, add(b"\t\\N\t\\N", reported_text), closed_tail))
        row = add(row, pools.constant)
        bodies.append(b"\n".join(row.tolist()) + b"\n")
    return bodies, columns


def worker_chunk_text(chunk: Chunk, offsets: np.ndarray) -> tuple[list[bytes], dict]:
    """In a worker process: the chunk's COPY text and its statistics counts (chunk_counts)."""
    bodies, generated = _chunk_text(chunk, offsets)
    return bodies, chunk_counts(generated, _POOLS.county_of_grid)


# --- the statistics rollup's counts ----------------------------------------------------------
#
# The rollup (fengqiao.cases.rollups) holds counts per county and UTC+8 day of the cases' key
# columns. A chunk's counts are taken here from the generated columns, so the rollup after a load
# is filled from them instead of a GROUP BY over the whole case table. Three groupings are enough
# for every figure: (status, overdue, level) — received, settled, on time, overdue, status, settled
# level — then category, then channel. Each grouping is an int64 code per group:
# county << 40 | day << 16 | value, with day the days since 1970-01-01 in UTC+8.

STATUSES = [*OPEN_STATUSES, "closed"]
GROUPINGS = ("status_overdue_level", "category", "channel")


def local_days(reported: np.ndarray) -> np.ndarray:
    """The UTC+8 day (days since 1970-01-01) of each time, from the microseconds stored (the text
    rounds to microseconds: a time a fraction of a microsecond before midnight is stored as midnight)."""
    micros = np.round(reported * 1e6).astype(np.int64)
    return (micros + 8 * 3600 * 10**6) // (86400 * 10**6)


def chunk_counts(generated: dict, county_of_grid: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{grouping: (codes, counts)} of a chunk's generated columns (see GROUPINGS)."""
    base = county_of_grid[generated["grid"]].astype(np.int64) << 40 | local_days(generated["reported"]) << 16
    status = np.where(generated["open"], generated["status_index"], len(OPEN_STATUSES)).astype(np.int64)
    values = {
        "status_overdue_level": (status * 2 + generated["overdue"]) * len(LEVELS) + generated["level"],
        "category": generated["category"].astype(np.int64),
        "channel": generated["channel"].astype(np.int64),
    }
    return {name: np.unique(base | values[name], return_counts=True) for name in GROUPINGS}


def merge_counts(parts: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The sum of several chunks' counts (a day can straddle two chunks)."""
    merged = {}
    for name in GROUPINGS:
        codes = np.concatenate([part[name][0] for part in parts]) if parts else np.zeros(0, np.int64)
        counts = np.concatenate([part[name][1] for part in parts]) if parts else np.zeros(0, np.int64)
        unique, inverse = np.unique(codes, return_inverse=True)
        merged[name] = (unique, np.bincount(inverse, weights=counts, minlength=unique.size).astype(np.int64))
    return merged


def count_tables(merged: dict, county_codes: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """The counts as the rollup takes them (fengqiao.cases.rollups.add_counts): per grouping a table
    of equal-length arrays: county (6-digit code), day (datetime64[D], UTC+8), the grouping's
    columns and n; the text columns as (indexes, values)."""
    counties = np.array(county_codes)
    vocabulary = {
        "category": np.array(list(CATEGORY_WEIGHTS)),
        "channel": np.array(list(CHANNEL_WEIGHTS)),
    }
    tables = {}
    for name in GROUPINGS:
        codes, counts = merged[name]
        table = {
            "county": (codes >> 40, counties),
            "day": ((codes >> 16) & (2**24 - 1)).astype("datetime64[D]"),
            "n": counts,
        }
        value = codes & (2**16 - 1)
        if name == "status_overdue_level":
            table["status"] = (value // (2 * len(LEVELS)), np.array(STATUSES))
            table["overdue"] = (value // len(LEVELS)) % 2 == 1
            table["level"] = (value % len(LEVELS), np.array(LEVELS))
        else:
            table[name] = (value, vocabulary[name])
        tables[name] = table
    return tables
