"""Synthetic cases, generated column by column with numpy and loaded by the database's bulk path:
COPY on PostgreSQL, executemany on SQLite. Realistic shape: categories and channels by weight,
seasons (more before the Spring Festival, land disputes in spring), busy and quiet grids, most
matters settled at the village or town, a share open, overdue and escalated, and running clocks
for the open ones (what the sweep reads)."""

import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path

import numpy as np
from django.db import connection, transaction

from fengqiao.cases.codes import DEFAULT_TRACK, Category
from fengqiao.cases.models import Case, CaseText, Clock

from . import columns
from .columns import (  # noqa: F401 (generate and the weights are this module's API too)
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    LEVELS,
    MONTH_WEIGHTS,
    START_LEVEL,
    generate,
)


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


def province_pools(grids: list[str], names: list[str], units: dict) -> tuple:
    """The arguments of columns.Pools (plain data a worker process can take)."""
    labels = dict(Category.choices)
    categories = list(CATEGORY_WEIGHTS)
    unit_ids = np.array([[units[(grid, level)] for level in LEVELS] for grid in grids], dtype=np.int64)
    return (
        grids,
        names,
        unit_ids,
        [str(labels[name]) for name in categories],
        [DEFAULT_TRACK[Category(name)].value for name in categories],
    )


def check_copy_columns() -> None:
    """The fast path writes every column of the case table but the id, or refuses to run."""
    if sorted(columns.COPY_COLUMNS) != sorted(case_columns()):
        missing = set(case_columns()) ^ set(columns.COPY_COLUMNS)
        raise RuntimeError(f"synth's COPY columns differ from the case table's: {sorted(missing)}")


def _numbered(chunks, pools: columns.Pools, taken: dict):
    """Each chunk with its case-number offsets, in order (this is what ties chunks together)."""
    for chunk in chunks:
        keys, counts = columns.chunk_day_counts(chunk, pools.grids, pools.county_of_grid)
        yield chunk, columns.take_numbers(keys, counts, pools.county_codes, taken)


def _texts(chunks, pool_args: tuple, taken: dict, workers: int, timing: dict):
    """(COPY bodies, statistics counts) of each chunk, in order: built here (workers=0) or by
    `workers` processes, at most workers + 1 chunks ahead of the one being loaded."""
    pools = columns.Pools(*pool_args)
    numbered = _numbered(chunks, pools, taken)
    if workers <= 0:
        for chunk, offsets in numbered:
            started = time.perf_counter()
            bodies, generated = columns._chunk_text(chunk, offsets, pools=pools)
            counts = columns.chunk_counts(generated, pools.county_of_grid)
            timing["text"] = timing.get("text", 0.0) + time.perf_counter() - started
            yield bodies, counts
        return
    context = multiprocessing.get_context("spawn")  # no inherited database connection, no forked threads
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=columns.init_pools, initargs=pool_args
    ) as pool:
        pending = deque(
            pool.submit(columns.worker_chunk_text, *item) for item in islice(numbered, workers + 1)
        )
        while pending:
            started = time.perf_counter()
            bodies, counts = pending.popleft().result()
            timing["wait"] = timing.get("wait", 0.0) + time.perf_counter() - started
            item = next(numbered, None)
            if item is not None:
                pending.append(pool.submit(columns.worker_chunk_text, *item))
            yield bodies, counts


def copy_chunks(
    chunks, pool_args: tuple, taken: dict, workers: int, timing: dict, say, counts: list | None = None
) -> int:
    """The PostgreSQL fast path: every chunk's rows, their COPY text built with numpy (in worker
    processes while this one feeds the server), one COPY per chunk. With timing["ceiling"], the same
    text is also COPYed into that table (timed apart in timing["ceiling_copy"]). Each chunk's
    statistics counts (columns.chunk_counts) are appended to `counts`."""
    check_copy_columns()
    table, names = Case._meta.db_table, ", ".join(columns.COPY_COLUMNS)
    written, started = 0, time.perf_counter()
    for bodies, chunk_counts in _texts(chunks, pool_args, taken, workers, timing):
        if counts is not None:
            counts.append(chunk_counts)
        began = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for body in bodies:
                copy.write(body)
        timing["copy"] = timing.get("copy", 0.0) + time.perf_counter() - began
        if timing.get("ceiling"):
            began = time.perf_counter()
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {timing['ceiling']} ({names}) FROM STDIN") as copy,
            ):
                for body in bodies:
                    copy.write(body)
            timing["ceiling_copy"] = timing.get("ceiling_copy", 0.0) + time.perf_counter() - began
        written += sum(body.count(b"\n") for body in bodies)
        rate = written / (time.perf_counter() - started - timing.get("ceiling_copy", 0.0))
        say(f"{written} cases, {rate:,.0f} cases/s")
    return written


def secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE statement) of the case table's indexes other than its primary key and its
    unique constraints (number, client_id), and of the text search's copy of the texts
    (cases_case_text: its GIN; the copy is filled by the case table's insert trigger), on
    PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname IN (%s, %s) AND t.relnamespace = to_regnamespace(current_schema())::oid "
            "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY c.relname",
            [Case._meta.db_table, CaseText._meta.db_table],
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


BUILD_CONNECTIONS = 2
MAINTENANCE_MEMORY = "1GB"
# The text search's GIN index (cases/0008) is the longest build by far (~23 CPU-seconds per
# million cases with cases/0010's grams, ~42 before, most of it computing each row's grams) and
# cannot use parallel workers. It is started first, in its own connection, while the other
# connection builds the btrees (~19 CPU-seconds per million in all): the two finish together.
# Its memory made no difference at 1,000,000 cases (64MB, 512MB, 2GB: 41.4, 41.9, 41.8 s of CPU;
# docs/PERFORMANCE.md), so it gets MAINTENANCE_MEMORY like the btrees.


def _is_gin(statement: str) -> bool:
    return " USING gin " in statement


def build_order(statements: list[str]) -> list[str]:
    """The statements with the GIN builds first (the longest job first keeps both connections busy
    to the end), the others in their given order."""
    return [s for s in statements if _is_gin(s)] + [s for s in statements if not _is_gin(s)]


def _backend_cpu(cursor) -> float | None:
    """CPU seconds used so far by the server process behind `cursor`, when the server runs on
    this machine and its /proc entry is readable (bench figures); None otherwise."""
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build_indexes(statements: list[str], connections: int, cpu: list | None = None) -> None:
    """Run CREATE INDEX statements, the GIN ones first (build_order): in this connection
    (connections=0: parallel workers help each btree), or spread over that many new connections,
    each building one index at a time with a single process (CREATE INDEX takes a SHARE lock:
    builds on one table run side by side), each with MAINTENANCE_MEMORY. `cpu`: a list to
    which the CPU seconds of each building server process are appended (when readable: _backend_cpu;
    parallel workers' CPU is not counted)."""
    statements = build_order(statements)
    if connections <= 0:
        with connection.cursor() as cursor:
            before = _backend_cpu(cursor)
            cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_MEMORY}'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET max_parallel_maintenance_workers")
            after = _backend_cpu(cursor)
            if cpu is not None and before is not None and after is not None:
                cpu.append(after - before)
        return
    todo = deque(statements)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def builder():
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            raw.autocommit = True
            with raw.cursor() as cursor:
                before = _backend_cpu(cursor)
                cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_MEMORY}'")
                cursor.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    with lock:
                        if not todo or errors:
                            break
                        statement = todo.popleft()
                    cursor.execute(statement)
                after = _backend_cpu(cursor)
                if cpu is not None and before is not None and after is not None:
                    cpu.append(after - before)
        except BaseException as error:  # noqa: BLE001 (reported by the caller)
            errors.append(error)
        finally:
            raw.close()

    threads = [threading.Thread(target=builder) for _ in range(min(connections, len(statements)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if todo and not errors:
        build_indexes(list(todo), connections=0, cpu=cpu)
    if errors:
        # Whatever failed, build what is missing here so the table keeps every index.
        build_indexes([statement for statement in statements if not _exists(statement)], connections=0)
        raise errors[0]


def build_ceiling_indexes(table: str, cpu: list | None = None) -> list[str]:
    """The ceiling's second half: every index of the case table (primary key, unique constraints'
    indexes, secondary ones, the text search's GIN), same definitions, built on `table` (the
    ceiling's unindexed copy holding the same rows) the way the load builds its own
    (build_indexes: two connections, the GIN first, same memory). Returns the statements run."""
    case_table, text_table = Case._meta.db_table, CaseText._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "OR (x.indrelid = %s::regclass AND NOT x.indisprimary) ORDER BY c.relname",
            [case_table, text_table],
        )
        indexes = cursor.fetchall()
    statements = []
    for name, statement in indexes:
        head, rest = statement.split(f" INDEX {name} ON ", 1)
        target, definition = rest.split(" USING ", 1)
        # The copy's GIN reads the same two columns, which the ceiling's copy of the case table has.
        assert target.rsplit(".", 1)[-1].strip('"') in (case_table, text_table), statement
        statements.append(f"{head} INDEX ceiling_{name} ON {table} USING {definition}")
    # Unique ones first (the largest btrees), as the load does.
    statements.sort(key=lambda statement: not statement.startswith("CREATE UNIQUE"))
    build_indexes(statements, connections=0 if connection.in_atomic_block else BUILD_CONNECTIONS, cpu=cpu)
    return statements


def _exists(statement: str) -> bool:
    name = _index_name(statement)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{name}"'])
        return cursor.fetchone()[0] is not None


def unique_constraints() -> list[tuple[str, str]]:
    """(name, CREATE UNIQUE INDEX statement) of the case table's unique constraints other than its
    primary key (number, client_id), on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT con.conname, pg_get_indexdef(con.conindid) FROM pg_constraint con "
            "WHERE con.conrelid = %s::regclass AND con.contype = 'u' ORDER BY con.conname",
            [Case._meta.db_table],
        )
        return list(cursor.fetchall())


def statistics_targets(indexes: list[str]) -> list[tuple[str, int, int]]:
    """(index, column number, target) of the statistics targets set on these indexes' expression
    columns, which a rebuilt index would lose."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = ANY(%s) AND c.relnamespace = to_regnamespace(current_schema())::oid "
            "AND a.attnum > 0 AND a.attstattarget > 0 ORDER BY 1, 2",
            [indexes],
        )
        return list(cursor.fetchall())


def _index_name(statement: str) -> str:
    return statement.split(" INDEX ", 1)[1].split(" ON ", 1)[0].strip().strip('"')


@contextmanager
def indexes_dropped(say, unique: bool = False, timing: dict | None = None):
    """The usual bulk-load path (pg_restore's): drop the case table's secondary indexes and its
    foreign keys (and with `unique`, its unique constraints but the primary key), load, then rebuild
    the indexes two at a time in separate connections and add the constraints back, which checks
    every loaded row in one pass instead of one index probe or trigger query per row; then ANALYZE.
    The rebuild runs even if the load fails, so the table is never left without its indexes and
    keys; a row the keys refuse fails the command. `unique` is for an empty table only, where the
    loaded numbers are unique by construction (tests hold it)."""
    table = Case._meta.db_table
    indexes, keys = secondary_indexes(), foreign_keys()
    uniques = unique_constraints() if unique else []
    targets = statistics_targets([name for name, _ in indexes])
    with connection.cursor() as cursor:
        # Inside an outer transaction (tests), deferred checks still pending would stop the
        # ALTER TABLE and CREATE INDEX below: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        for name, _ in keys + uniques:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
        # Autovacuum would start on the table while it fills (insert thresholds) and compete with the
        # load for the same cores; the ANALYZE at the end does what it would. Its setting is put back.
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
        options = cursor.fetchone()[0] or []
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    say(
        f"dropped {len(indexes)} secondary indexes, {len(keys)} foreign keys and {len(uniques)} unique "
        "constraints of the case table"
    )
    try:
        yield indexes
    finally:
        started = time.perf_counter()
        # The unique ones first (they are the largest), then the others; in a transaction (tests)
        # other connections would not see its rows: build them in this one.
        statements = [statement for _, statement in uniques + indexes]
        cpu: list = []
        build_indexes(statements, connections=0 if connection.in_atomic_block else BUILD_CONNECTIONS, cpu=cpu)
        built = time.perf_counter() - started
        with connection.cursor() as cursor:
            for name, column, target in targets:  # the text index's 1000 (search.SET_STATISTICS)
                cursor.execute(f'ALTER INDEX "{name}" ALTER COLUMN {column} SET STATISTICS {target}')
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, statement in uniques:
                cursor.execute(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{_index_name(statement)}"'
                )
            for name, definition in keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            analyze_cpu, analyze_started = _backend_cpu(cursor), time.perf_counter()
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(f"ANALYZE {CaseText._meta.db_table}")  # the text search's gram shares
            if timing is not None:
                timing["analyze"] = time.perf_counter() - analyze_started
                after = _backend_cpu(cursor)
                timing["analyze_cpu"] = (
                    after - analyze_cpu if after is not None and analyze_cpu is not None else None
                )
                timing["index_builds"] = built
                timing["index_builds_cpu"] = sum(cpu) if cpu else None
            previous = [option for option in options if option.startswith("autovacuum_enabled=")]
            if previous:
                cursor.execute(f"ALTER TABLE {table} SET ({previous[0]})")
            else:
                cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        say(
            f"rebuilt {len(statements)} indexes in {built:.1f} s, checked and restored {len(keys)} foreign keys "
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
