"""Synthetic cases, generated column by column with numpy and loaded by the database's bulk path:
COPY on PostgreSQL, executemany on SQLite. Realistic shape: categories and channels by weight,
seasons (more before the Spring Festival, land disputes in spring), busy and quiet grids, most
matters settled at the village or town, a share open, overdue and escalated, and running clocks
for the open ones (what the sweep reads)."""

import time
from contextlib import contextmanager
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction

from fengqiao.cases.codes import DEFAULT_TRACK, Category
from fengqiao.cases.models import Case, Clock

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


def _weights(table):
    keys = list(table)
    values = np.array([table[key] for key in keys], dtype=float)
    return keys, values / values.sum()


def generate(count: int, grids: list[str], units: dict, now: datetime, years: int, seed: int):
    """Columns of `count` cases as numpy arrays, sorted by reported time."""
    rng = np.random.default_rng(seed)
    categories, category_p = _weights(CATEGORY_WEIGHTS)
    channels, channel_p = _weights(CHANNEL_WEIGHTS)
    # Busy and quiet grids: a Zipf-like weight per grid.
    grid_weight = 1.0 / np.arange(1, len(grids) + 1) ** 0.6
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
    grid_index = rng.choice(len(grids), size=count, p=grid_weight)
    category_index = rng.choice(len(categories), size=count, p=category_p)
    channel_index = rng.choice(len(channels), size=count, p=channel_p)
    start_level = np.ones(count, dtype=np.int8)  # town
    for level, names in START_LEVEL.items():
        mask = np.isin(category_index, [categories.index(name) for name in names])
        start_level[mask] = LEVELS.index(level)
    escalations = (rng.uniform(size=count) < 0.04).astype(np.int8) + (rng.uniform(size=count) < 0.01)
    level = np.minimum(start_level + escalations, 3)
    age_days = offsets[::-1] / 86400
    open_share = np.clip(0.6 - age_days / 60, 0.01, 0.6)
    duration = rng.gamma(2.0, 2.0, size=count) * 86400
    # Still open: a share of the recent ones, and every one whose settling lies in the future.
    is_open = (rng.uniform(size=count) < open_share) | (reported + duration + 86400 > now.timestamp())
    overdue = (escalations > 0) | (rng.uniform(size=count) < 0.03)
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
        "satisfaction": rng.choice([3, 4, 5, 5, 5], size=count),
        "categories": categories,
        "channels": channels,
        "status_open": rng.choice(
            ["reported", "accepted", "dispatched", "in_progress", "resolved"], size=count
        ),
    }


def _times(seconds: np.ndarray) -> np.ndarray:
    """UTC times as each engine stores them: ISO with offset for PostgreSQL, naive text for SQLite."""
    text = np.datetime_as_string(np.round(seconds * 1e6).astype("datetime64[us]"), unit="us")
    if connection.vendor == "postgresql":
        return np.char.add(text, "+00:00")
    return np.char.replace(text, "T", " ")


def _numbers(counties: np.ndarray, reported: np.ndarray, taken: dict) -> list[str]:
    """county-yyyymmdd-seq, the sequence counted per county and local (UTC+8) day, continuing from
    the counts of earlier chunks in `taken`."""
    local_day = ((reported + 8 * 3600) // 86400).astype(np.int64)
    days = np.datetime_as_string(local_day.astype("datetime64[D]"), unit="D")
    keys = np.char.add(np.char.add(counties, "-"), np.char.replace(days, "-", ""))
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    rank = np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    offset = np.array([taken.get(key, 0) for key in sorted_keys[starts]], dtype=np.int64)
    sequence = np.empty(len(keys), dtype=np.int64)
    sequence[order] = rank + np.repeat(offset, np.diff(np.r_[starts, len(keys)])) + 1
    for key, last in zip(
        sorted_keys[starts].tolist(), (offset + np.diff(np.r_[starts, len(keys)])).tolist(), strict=True
    ):
        taken[key] = last
    return [f"{key}-{number:04d}" for key, number in zip(keys.tolist(), sequence.tolist(), strict=True)]


def rows(columns: dict, grids: list[str], names: list[str], units: dict, taken: dict) -> list[list]:
    """One list per column of Case (without the id, in case_columns() order), built column-wise."""
    count = len(columns["reported"])
    categories, channels = np.array(columns["categories"]), np.array(columns["channels"])
    labels = dict(Category.choices)
    grid_codes = np.array(grids)[columns["grid"]]
    numbers = _numbers(grid_codes.astype("U6"), columns["reported"], taken)
    category = categories[columns["category"]]
    level = np.array(LEVELS)[columns["level"]]
    opened = columns["open"]
    status = np.where(opened, columns["status_open"], "closed")
    resolved = columns["reported"] + columns["duration"]
    reported_text = _times(columns["reported"])
    resolved_text = _times(resolved)
    closed_text = _times(resolved + 86400)
    deadline_text = _times(columns["reported"] + 7 * 86400 * (1 + columns["escalations"].astype(np.int64)))
    place = np.array(names)[columns["grid"]]
    label = np.array([labels[c] for c in columns["categories"]])[columns["category"]]
    track = np.array([DEFAULT_TRACK[Category(c)].value for c in columns["categories"]])[columns["category"]]
    unit_ids = [units[(g, lv)] for g, lv in zip(grid_codes.tolist(), level.tolist(), strict=True)]
    values = {
        "number": numbers,
        "channel": channels[columns["channel"]].tolist(),
        "title": np.char.add(place, label).tolist(),
        "description": np.char.add(np.char.add("合成数据:", place), np.char.add("发生的", label)).tolist(),
        "category": category.tolist(),
        "track": track.tolist(),
        "level": level.tolist(),
        "status": status.tolist(),
        "region_code": grid_codes.tolist(),
        "grid_code": grid_codes.tolist(),
        "reported_at": reported_text.tolist(),
        "handling_unit_id": unit_ids,
        "deadline_at": deadline_text.tolist(),
        "overdue": columns["overdue"].tolist(),
        "escalations": columns["escalations"].astype(int).tolist(),
        "satisfaction": np.where(opened, 0, columns["satisfaction"]).tolist(),
        "resolved_at": np.where(opened, "", resolved_text).tolist(),
        "closed_at": np.where(opened, "", closed_text).tolist(),
        "updated_at": np.where(opened, reported_text, resolved_text).tolist(),
    }
    nullable = {"satisfaction": 0, "resolved_at": "", "closed_at": ""}
    for name, empty in nullable.items():
        values[name] = [None if value == empty else value for value in values[name]]
    return [values[column] if column in values else [DEFAULTS[column]] * count for column in case_columns()]


DEFAULTS = {
    "client_id": None,
    "address": "",
    "lat": None,
    "lng": None,
    "occurred_at": None,
    "created_by_id": None,
    "resolved_by_id": None,
    "risk": 0,
    "risk_reasons": "[]",
    "classification": "{}",
    "needs_triage": False,
    "extended": False,
    "urgent": False,
    "pinned": False,
    "returns": 0,
    "merged_into_id": None,
}


def case_columns() -> list[str]:
    return [field.column for field in Case._meta.concrete_fields if field.column != "id"]


def load(column_lists: list[list], batch: int = 50_000, timing: dict | None = None) -> int:
    """Write the rows with the database's bulk path (COPY on PostgreSQL); returns the count.

    With `timing` (PostgreSQL), adds the seconds of the COPY (building its text included) to
    timing["copy"], and when
    timing["ceiling"] names a table, also COPYs the same text into it (an unindexed copy of the
    case table) and adds that time to timing["ceiling_copy"]: the raw COPY ceiling of the load.
    """
    columns = case_columns()
    table = Case._meta.db_table
    count = len(column_lists[0])
    if connection.vendor == "postgresql":
        # One COPY for the whole chunk, fed a batch at a time: while the server takes in one batch
        # (on the other core), this process builds the text of the next.
        bodies = []
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for first in range(0, count, batch):
                text = [_copy_column(values[first : first + batch]) for values in column_lists]
                body = "\n".join("\t".join(row) for row in zip(*text, strict=True)) + "\n"
                copy.write(body)
                if timing is not None and timing.get("ceiling"):
                    bodies.append(body)
        if timing is not None:
            timing["copy"] = timing.get("copy", 0.0) + time.perf_counter() - started
        if bodies:
            started = time.perf_counter()
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {timing['ceiling']} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for body in bodies:
                    copy.write(body)
            timing["ceiling_copy"] = timing.get("ceiling_copy", 0.0) + time.perf_counter() - started
        return count
    for first in range(0, count, batch):
        part = [values[first : first + batch] for values in column_lists]
        with transaction.atomic(), connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                list(zip(*part, strict=True)),
            )
    return count


def secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE statement) of the case table's indexes other than its primary key and its
    unique constraints (number, client_id), on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = %s AND t.relnamespace = to_regnamespace(current_schema())::oid "
            "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY c.relname",
            [Case._meta.db_table],
        )
        return list(cursor.fetchall())


def foreign_keys() -> list[tuple[str, str]]:
    """(name, definition) of the case table's own foreign keys, on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [Case._meta.db_table],
        )
        return list(cursor.fetchall())


@contextmanager
def indexes_dropped(say):
    """The usual bulk-load path (pg_restore's): drop the case table's secondary indexes and its
    foreign keys, load, then rebuild the indexes (with parallel workers and room to sort) and add
    the foreign keys back, which checks every loaded row in one join instead of one trigger query
    per row per key; then ANALYZE. The rebuild runs even if the load fails, so the table is never
    left without its indexes and keys; a row the keys refuse fails the command."""
    table = Case._meta.db_table
    indexes, keys = secondary_indexes(), foreign_keys()
    with connection.cursor() as cursor:
        # Inside an outer transaction (tests), deferred checks still pending would stop the
        # ALTER TABLE and CREATE INDEX below: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        for name, _ in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
    say(f"dropped {len(indexes)} secondary indexes and {len(keys)} foreign keys of the case table")
    try:
        yield indexes
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            for _, statement in indexes:
                cursor.execute(statement)
            built = time.perf_counter() - started
            for name, definition in keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(f"ANALYZE {table}")
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET max_parallel_maintenance_workers")
        say(
            f"rebuilt {len(indexes)} indexes in {built:.1f} s, checked and restored {len(keys)} foreign keys "
            f"and analyzed in {time.perf_counter() - started - built:.1f} s"
        )


def _copy_column(values: list) -> list[str]:
    """COPY text of one column. The generated text holds no tab, newline or backslash."""
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, bool):
        return ["\\N" if value is None else ("t" if value else "f") for value in values]
    return ["\\N" if value is None else str(value) for value in values]


def add_running_clocks(since: datetime) -> int:
    """A handle clock for every open case reported since `since` (the sweep's working set)."""
    table, cases = Clock._meta.db_table, Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (case_id, stage, level, unit_id, started_at, yellow_at, due_at, outcome, rule) "
            f"SELECT id, 'handle', level, handling_unit_id, reported_at, NULL, deadline_at, 'running', '合成数据' "
            f"FROM {cases} WHERE status <> 'closed' AND reported_at >= %s",
            [since],
        )
        return cursor.rowcount
