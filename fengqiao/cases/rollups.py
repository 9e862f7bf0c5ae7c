"""The statistics rollup: exact counts per county and day, kept current by database triggers.

`GET /api/v1/stats` (cases.stats.case_stats) adds up, for a region and period, how many cases were
received, settled, settled on time, overdue, by category, status, channel and settled level, and
the yellow and red cards of those cases. At 10,000,000 cases the province's figures read millions
of case rows; this module keeps the same figures pre-added:

- `cases_stat_delta` is insert-only. Triggers on `cases_case` and `cases_card` add a row for every
  change that moves a case between statistics keys: (county = first 6 digits of the case's region,
  local day reported, category, status, level, channel, overdue) with n = +1/-1 and the case's
  yellow/red cards. A merged case (merged_into set) is counted nowhere, as in the statistics. On
  PostgreSQL the triggers are statement-level with transition tables (one INSERT ... SELECT ...
  GROUP BY per statement: the sweep's batch UPDATEs and synth's COPY cost one statement each); on
  SQLite they are row-level. No counter row is updated by a write, so concurrent intakes in one
  county never wait for each other.
- `cases_stat_rollup` holds the folded figures, one row per (county, day, key) and per (county,
  month, key), key being "received", "resolved", "on_time", "overdue", "yellow", "red",
  "category:<c>", "status:<s>", "channel:<c>" or "level:<l>" (settled cases only). `fold()` moves
  the pending deltas into it in one statement; it runs in every sweep (the "stat_rollup" sweeper).
- A query adds month rows for the whole months of the period, day rows for the other whole days,
  and the pending deltas of those days (so the answer is exact at every moment, folded or not);
  the partial days at either end of a period, and every region below a county, are counted from
  the case table (cases.stats).

"Day" is the day in UTC+8 (China Standard Time), the same on both engines; a period whose ends are
not at a UTC+8 midnight has its partial days read from the base table.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta, timezone

from django.db import connection, transaction

from fengqiao.regions import codes as region_codes

from .codes import SETTLED_STATUSES

CST = timezone(timedelta(hours=8))
COUNTY_DIGITS = 6
DELTA = "cases_stat_delta"
ROLLUP = "cases_stat_rollup"
KEY_COLUMNS = "county, day, category, status, level, channel, overdue"
_SETTLED = "(" + ", ".join(f"'{status}'" for status in sorted(SETTLED_STATUSES)) + ")"


def _day_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({column} AT TIME ZONE 'UTC') + interval '8 hours')::date"
    return f"date({column}, '+8 hours')"


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _keys_sql(source: str) -> str:
    """(county, day, key, n) rows of every figure, from a relation with the delta's columns."""
    parts = [
        ("'received'", "n", ""),
        ("'resolved'", "n", f"status IN {_SETTLED}"),
        ("'on_time'", "n", f"status IN {_SETTLED} AND NOT overdue"),
        ("'overdue'", "n", "overdue"),
        ("'yellow'", "yellow", ""),
        ("'red'", "red", ""),
        ("'category:' || category", "n", ""),
        ("'status:' || status", "n", ""),
        ("'channel:' || channel", "n", ""),
        ("'level:' || level", "n", f"status IN {_SETTLED}"),
    ]
    return " UNION ALL ".join(
        f"SELECT county, day, {key} AS key, {value} AS n FROM {source}" + (f" WHERE {where}" if where else "")
        for key, value, where in parts
    )


def _upsert_sql(keys: str) -> str:
    """INSERT the day and month sums of a (county, day, key, n) relation into the rollup."""
    month = _month_sql("day")
    return (
        f"INSERT INTO {ROLLUP} (month, county, day, key, n) SELECT * FROM ("
        f"SELECT {_false()} AS month, county, day, key, sum(n) AS n FROM {keys} GROUP BY county, day, key "
        f"UNION ALL SELECT {_true()}, county, {month}, key, sum(n) FROM {keys} GROUP BY county, {month}, key"
        f") AS sums WHERE n <> 0 "
        f"ON CONFLICT (month, county, day, key) DO UPDATE SET n = {ROLLUP}.n + excluded.n"
    )


def _true() -> str:
    return "true" if connection.vendor == "postgresql" else "1"


def _false() -> str:
    return "false" if connection.vendor == "postgresql" else "0"


# --- installing the tables and triggers ------------------------------------------------------

_PG_TABLES = f"""
CREATE TABLE IF NOT EXISTS {DELTA} (
    id bigserial PRIMARY KEY,
    county varchar(6) NOT NULL, day date NOT NULL,
    category varchar(24) NOT NULL, status varchar(12) NOT NULL, level varchar(8) NOT NULL,
    channel varchar(20) NOT NULL, overdue boolean NOT NULL,
    n integer NOT NULL, yellow integer NOT NULL, red integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {ROLLUP} (
    month boolean NOT NULL, county varchar(6) NOT NULL, day date NOT NULL,
    key varchar(48) NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (month, county, day, key) INCLUDE (n)
);
"""

_SQLITE_TABLES = f"""
CREATE TABLE IF NOT EXISTS {DELTA} (
    id integer PRIMARY KEY AUTOINCREMENT,
    county varchar(6) NOT NULL, day date NOT NULL,
    category varchar(24) NOT NULL, status varchar(12) NOT NULL, level varchar(8) NOT NULL,
    channel varchar(20) NOT NULL, overdue bool NOT NULL,
    n integer NOT NULL, yellow integer NOT NULL, red integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {ROLLUP} (
    month bool NOT NULL, county varchar(6) NOT NULL, day date NOT NULL,
    key varchar(48) NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (month, county, day, key)
);
"""

# The columns a case's statistics key is made of; a change to any of them (or to whether the case
# is merged) moves the case to another key.
_CASE_KEY_COLUMNS = ("region_code", "reported_at", "category", "status", "level", "channel", "overdue")


def _pg_case_key(alias: str) -> str:
    return (
        f"substr({alias}.region_code, 1, {COUNTY_DIGITS}), {_day_sql(alias + '.reported_at')}, "
        f"{alias}.category, {alias}.status, {alias}.level, {alias}.channel, {alias}.overdue"
    )


def _pg_cards(alias: str) -> str:
    """A LATERAL join giving the yellow and red cards of case `alias`."""
    return (
        "LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE colour = 'yellow') AS yellow, "
        "count(*) FILTER (WHERE colour = 'red') AS red FROM cases_card "
        f"WHERE case_id = {alias}.id) AS k ON true"
    )


def _pg_changed(old: str, new: str) -> str:
    changed = " OR ".join(f"{old}.{column} IS DISTINCT FROM {new}.{column}" for column in _CASE_KEY_COLUMNS)
    return changed + f" OR ({old}.merged_into_id IS NULL) <> ({new}.merged_into_id IS NULL)"


def _pg_sql() -> list[str]:
    insert = f"INSERT INTO {DELTA} ({KEY_COLUMNS}, n, yellow, red)"
    group = "GROUP BY 1, 2, 3, 4, 5, 6, 7"
    nonzero = "HAVING sum(n) <> 0 OR sum(yellow) <> 0 OR sum(red) <> 0"
    functions = {
        "case_insert": f"""
            {insert}
            SELECT {_pg_case_key("c")}, count(*), coalesce(sum(k.yellow), 0), coalesce(sum(k.red), 0)
            FROM fq_new AS c {_pg_cards("c")} WHERE c.merged_into_id IS NULL {group}""",
        "case_update": f"""
            {insert}
            SELECT county, day, category, status, level, channel, overdue, sum(n), sum(yellow), sum(red)
            FROM (
                SELECT {_pg_case_key("c")}, -1 AS n, -k.yellow AS yellow, -k.red AS red
                FROM fq_old AS c JOIN fq_new AS w ON w.id = c.id {_pg_cards("c")}
                WHERE c.merged_into_id IS NULL AND ({_pg_changed("c", "w")})
                UNION ALL
                SELECT {_pg_case_key("c")}, 1, k.yellow, k.red
                FROM fq_new AS c JOIN fq_old AS o ON o.id = c.id {_pg_cards("c")}
                WHERE c.merged_into_id IS NULL AND ({_pg_changed("o", "c")})
            ) AS d (county, day, category, status, level, channel, overdue, n, yellow, red)
            {group} {nonzero}""",
        "case_delete": f"""
            {insert}
            SELECT {_pg_case_key("c")}, -count(*), -coalesce(sum(k.yellow), 0), -coalesce(sum(k.red), 0)
            FROM fq_old AS c {_pg_cards("c")} WHERE c.merged_into_id IS NULL {group}""",
        # The case rows are locked FOR SHARE so that a concurrent change of a case's key waits for
        # the card's transaction (and then counts the card), or the card waits for the change (and
        # then sees the new key).
        "card_insert": f"""
            {insert}
            SELECT {_pg_case_key("c")}, 0, count(*) FILTER (WHERE k.colour = 'yellow'),
                count(*) FILTER (WHERE k.colour = 'red')
            FROM fq_new AS k JOIN (
                SELECT * FROM cases_case WHERE id IN (SELECT case_id FROM fq_new) FOR SHARE
            ) AS c ON c.id = k.case_id
            WHERE c.merged_into_id IS NULL {group}""",
        "card_delete": f"""
            {insert}
            SELECT {_pg_case_key("c")}, 0, -count(*) FILTER (WHERE k.colour = 'yellow'),
                -count(*) FILTER (WHERE k.colour = 'red')
            FROM fq_old AS k JOIN (
                SELECT * FROM cases_case WHERE id IN (SELECT case_id FROM fq_old) FOR SHARE
            ) AS c ON c.id = k.case_id
            WHERE c.merged_into_id IS NULL {group}""",
        "card_update": f"""
            {insert}
            SELECT county, day, category, status, level, channel, overdue, 0, sum(yellow), sum(red)
            FROM (
                SELECT {_pg_case_key("c")}, sign * (k.colour = 'yellow')::int, sign * (k.colour = 'red')::int
                FROM (SELECT -1 AS sign, case_id, colour FROM fq_old
                      UNION ALL SELECT 1, case_id, colour FROM fq_new) AS k
                JOIN (
                    SELECT * FROM cases_case
                    WHERE id IN (SELECT case_id FROM fq_old UNION SELECT case_id FROM fq_new) FOR SHARE
                ) AS c ON c.id = k.case_id
                WHERE c.merged_into_id IS NULL
            ) AS d (county, day, category, status, level, channel, overdue, yellow, red)
            {group} HAVING sum(yellow) <> 0 OR sum(red) <> 0""",
    }
    statements = []
    for name, body in functions.items():
        table, event = name.split("_")
        transition = {
            "insert": "NEW TABLE AS fq_new",
            "delete": "OLD TABLE AS fq_old",
            "update": "OLD TABLE AS fq_old NEW TABLE AS fq_new",
        }[event]
        statements += [
            f"CREATE OR REPLACE FUNCTION fq_stat_{name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f"BEGIN {body}; RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS fq_stat_{name} ON cases_{table}",
            f"CREATE TRIGGER fq_stat_{name} AFTER {event.upper()} ON cases_{table} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION fq_stat_{name}()",
        ]
    # A TRUNCATE (Django's flush between transactional tests) skips the row triggers.
    statements += [
        "CREATE OR REPLACE FUNCTION fq_stat_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
        f"BEGIN DELETE FROM {DELTA}; DELETE FROM {ROLLUP}; "
        f"INSERT INTO {DELTA} ({KEY_COLUMNS}, n, yellow, red) "
        f"SELECT {_pg_case_key('c')}, 1, coalesce(k.yellow, 0), coalesce(k.red, 0) "
        f"FROM cases_case AS c {_pg_cards('c')} WHERE c.merged_into_id IS NULL; "
        "RETURN NULL; END $$",
    ]
    for table in ("case", "card"):
        statements += [
            f"DROP TRIGGER IF EXISTS fq_stat_{table}_truncate ON cases_{table}",
            f"CREATE TRIGGER fq_stat_{table}_truncate AFTER TRUNCATE ON cases_{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fq_stat_truncate()",
        ]
    return statements


def _sqlite_cards(case_id: str, colour: str) -> str:
    return f"(SELECT count(*) FROM cases_card WHERE case_id = {case_id} AND colour = '{colour}')"


def _sqlite_case_values(row: str, sign: str) -> str:
    return (
        f"substr({row}.region_code, 1, {COUNTY_DIGITS}), date({row}.reported_at, '+8 hours'), "
        f"{row}.category, {row}.status, {row}.level, {row}.channel, {row}.overdue, {sign}1, "
        f"{sign}{_sqlite_cards(row + '.id', 'yellow')}, {sign}{_sqlite_cards(row + '.id', 'red')}"
    )


def _sqlite_card_select(row: str, sign: str) -> str:
    return (
        f"SELECT substr(c.region_code, 1, {COUNTY_DIGITS}), date(c.reported_at, '+8 hours'), c.category, "
        f"c.status, c.level, c.channel, c.overdue, 0, {sign}({row}.colour = 'yellow'), "
        f"{sign}({row}.colour = 'red') FROM cases_case AS c "
        f"WHERE c.id = {row}.case_id AND c.merged_into_id IS NULL"
    )


def _sqlite_sql() -> list[str]:
    insert = f"INSERT INTO {DELTA} ({KEY_COLUMNS}, n, yellow, red)"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in _CASE_KEY_COLUMNS)
    changed += " OR (OLD.merged_into_id IS NULL) <> (NEW.merged_into_id IS NULL)"
    triggers = {
        "case_insert": (
            "AFTER INSERT ON cases_case WHEN NEW.merged_into_id IS NULL",
            f"{insert} VALUES ({_sqlite_case_values('NEW', '')});",
        ),
        "case_update": (
            f"AFTER UPDATE ON cases_case WHEN {changed}",
            f"{insert} SELECT {_sqlite_case_values('OLD', '-')} WHERE OLD.merged_into_id IS NULL; "
            f"{insert} SELECT {_sqlite_case_values('NEW', '')} WHERE NEW.merged_into_id IS NULL;",
        ),
        "case_delete": (
            "AFTER DELETE ON cases_case WHEN OLD.merged_into_id IS NULL",
            f"{insert} VALUES ({_sqlite_case_values('OLD', '-')});",
        ),
        "card_insert": ("AFTER INSERT ON cases_card", f"{insert} {_sqlite_card_select('NEW', '')};"),
        "card_delete": ("AFTER DELETE ON cases_card", f"{insert} {_sqlite_card_select('OLD', '-')};"),
        "card_update": (
            "AFTER UPDATE ON cases_card WHEN OLD.case_id IS NOT NEW.case_id OR OLD.colour IS NOT NEW.colour",
            f"{insert} {_sqlite_card_select('OLD', '-')}; {insert} {_sqlite_card_select('NEW', '')};",
        ),
    }
    statements = []
    for name, (when, body) in triggers.items():
        statements += [
            f"DROP TRIGGER IF EXISTS fq_stat_{name}",
            f"CREATE TRIGGER fq_stat_{name} {when} BEGIN {body} END",
        ]
    return statements


_TRIGGERS = ("case_insert", "case_update", "case_delete", "card_insert", "card_delete", "card_update")


def _execute(statements, cursor=None) -> None:
    with contextlib.ExitStack() as stack:
        cursor = cursor or stack.enter_context(connection.cursor())
        for statement in statements:
            cursor.execute(statement)


def install() -> None:
    """Create the tables and triggers (idempotent; the migration calls it) and fill the rollup."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _execute([_PG_TABLES, *_pg_sql()])
        else:
            _execute([statement for statement in _SQLITE_TABLES.split(";") if statement.strip()])
            _execute(_sqlite_sql())
        rebuild()


def uninstall() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in (*_TRIGGERS, "case_truncate", "card_truncate"):
                table = name.split("_")[0]
                cursor.execute(f"DROP TRIGGER IF EXISTS fq_stat_{name} ON cases_{table}")
            for name in (*_TRIGGERS, "truncate"):
                cursor.execute(f"DROP FUNCTION IF EXISTS fq_stat_{name}()")
        else:
            for name in _TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS fq_stat_{name}")
        cursor.execute(f"DROP TABLE IF EXISTS {DELTA}")
        cursor.execute(f"DROP TABLE IF EXISTS {ROLLUP}")


# --- rebuilding and folding ------------------------------------------------------------------


def _base_agg_sql() -> str:
    """Every unmerged case's key with its count and cards, from the base tables."""
    return (
        f"SELECT substr(c.region_code, 1, {COUNTY_DIGITS}) AS county, {_day_sql('c.reported_at')} AS day, "
        "c.category, c.status, c.level, c.channel, c.overdue, count(*) AS n, "
        "coalesce(sum(k.yellow), 0) AS yellow, coalesce(sum(k.red), 0) AS red "
        "FROM cases_case AS c LEFT JOIN ("
        "SELECT case_id, sum(CASE WHEN colour = 'yellow' THEN 1 ELSE 0 END) AS yellow, "
        "sum(CASE WHEN colour = 'red' THEN 1 ELSE 0 END) AS red FROM cases_card GROUP BY case_id"
        ") AS k ON k.case_id = c.id WHERE c.merged_into_id IS NULL "
        "GROUP BY 1, 2, c.category, c.status, c.level, c.channel, c.overdue"
    )


_PG_REBUILD_DAYS = f"""
WITH cards AS (
    SELECT case_id, count(*) FILTER (WHERE colour = 'yellow') AS yellow,
        count(*) FILTER (WHERE colour = 'red') AS red
    FROM cases_card GROUP BY case_id
), g AS (
    SELECT substr(c.region_code, 1, {COUNTY_DIGITS}) AS county, {_day_sql("c.reported_at")} AS day,
        c.category, c.status, c.channel,
        CASE WHEN c.status IN {_SETTLED} THEN c.level END AS settled_level,
        GROUPING(c.category, c.status, c.channel, CASE WHEN c.status IN {_SETTLED} THEN c.level END) AS grp,
        count(*) AS n,
        count(*) FILTER (WHERE c.status IN {_SETTLED}) AS resolved,
        count(*) FILTER (WHERE c.status IN {_SETTLED} AND NOT c.overdue) AS on_time,
        count(*) FILTER (WHERE c.overdue) AS overdue,
        coalesce(sum(k.yellow), 0) AS yellow, coalesce(sum(k.red), 0) AS red
    FROM cases_case AS c LEFT JOIN cards AS k ON k.case_id = c.id
    WHERE c.merged_into_id IS NULL
    GROUP BY GROUPING SETS (
        (1, 2), (1, 2, c.category), (1, 2, c.status), (1, 2, c.channel),
        (1, 2, CASE WHEN c.status IN {_SETTLED} THEN c.level END)
    )
)
INSERT INTO {ROLLUP} (month, county, day, key, n)
SELECT false, county, day, key, n FROM (
    SELECT g.county, g.day, v.key, v.n FROM g, LATERAL (VALUES
        ('received', g.n), ('resolved', g.resolved), ('on_time', g.on_time),
        ('overdue', g.overdue), ('yellow', g.yellow), ('red', g.red)) AS v (key, n)
    WHERE g.grp = 15
    UNION ALL SELECT county, day, 'category:' || category, n FROM g WHERE grp = 7
    UNION ALL SELECT county, day, 'status:' || status, n FROM g WHERE grp = 11
    UNION ALL SELECT county, day, 'channel:' || channel, n FROM g WHERE grp = 13
    UNION ALL SELECT county, day, 'level:' || settled_level, n FROM g WHERE grp = 14 AND settled_level IS NOT NULL
) AS keys WHERE n <> 0
ORDER BY county, day, key
"""


def rebuild() -> None:
    """Recount the rollup from the case and card tables (writes to them wait meanwhile)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE cases_case, cases_card IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {DELTA}")
        cursor.execute(f"DELETE FROM {ROLLUP}")
        if connection.vendor == "postgresql":
            # The grouping sets' hash tables hold every (county, day, value): at 10M cases ~2.6
            # million groups, which spilled gigabytes of temporary files at a 16 MB work_mem.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # One pass over the case table with grouping sets, then the months from the days: at
            # 10,000,000 cases far cheaper than expanding every (county, day, key...) group. Rows
            # are written in key order, so a region's month rows share heap pages (a province's
            # 200,000 month rows otherwise cost one page visit each).
            cursor.execute(_PG_REBUILD_DAYS)
            cursor.execute(
                f"INSERT INTO {ROLLUP} (month, county, day, key, n) SELECT true, county, "
                f"{_month_sql('day')}, key, sum(n) FROM {ROLLUP} WHERE NOT month GROUP BY 2, 3, 4 ORDER BY 2, 3, 4"
            )
            cursor.execute(f"ANALYZE {ROLLUP}")
        else:
            cursor.execute(
                f"WITH agg AS ({_base_agg_sql()}), keys AS ({_keys_sql('agg')}) {_upsert_sql('keys')}"
            )


def fold() -> int:
    """Move the pending deltas into the rollup; the number of delta rows folded. One statement on
    PostgreSQL (the deltas deleted are exactly those added up); one folder at a time."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext('fengqiao.cases.rollups.fold'))")
            if not cursor.fetchone()[0]:
                return 0  # another process is folding
            cursor.execute(
                f"WITH moved AS (DELETE FROM {DELTA} RETURNING {KEY_COLUMNS}, n, yellow, red), "
                f"counted AS (SELECT count(*) AS rows FROM moved), "
                f"keys AS ({_keys_sql('moved')}), "
                f"upserted AS ({_upsert_sql('keys')} RETURNING 1) "
                "SELECT rows, (SELECT count(*) FROM upserted) FROM counted"
            )
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT max(id) FROM {DELTA}")
        top = cursor.fetchone()[0]
        if top is None:
            return 0
        cursor.execute(
            f"WITH moved AS (SELECT * FROM {DELTA} WHERE id <= %s), keys AS ({_keys_sql('moved')}) "
            f"{_upsert_sql('keys')}",
            [top],
        )
        cursor.execute(f"DELETE FROM {DELTA} WHERE id <= %s", [top])
        return cursor.rowcount


def sweep_fold(at=None) -> int:
    return fold()


class BulkLoad:
    """What bulk_load() yields: a loader that knows how many cases it loaded per statistics key calls
    counted() with those counts, and the rollup is filled from them instead of recounted."""

    def __init__(self):
        self.tables = None

    def counted(self, tables: dict) -> None:
        """`tables`: see add_counts. The loader vouches that they count every case written inside
        the bulk_load block (in this session: other sessions' writes wait for it), and that the
        cases it wrote have no cards and are not merged."""
        self.tables = tables


@contextlib.contextmanager
def bulk_load():
    """Suspend the statistics triggers around a bulk load (synth's COPY path), in one transaction,
    and bring the rollup up to date at exit: from the loader's own counts when it gave them
    (BulkLoad.counted: no pass over the case table), else by a rebuild from the base tables.

    The triggers are suspended by ALTER TABLE inside the transaction, whose lock (SHARE ROW
    EXCLUSIVE on the case and card tables) makes every other session's write to those tables wait
    until the load commits (reads go on): no write can slip by uncounted. If the load fails, the
    transaction rolls back, cases and triggers alike."""
    load = BulkLoad()
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ALTER TABLE refuses while deferred foreign-key checks of this transaction are pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name in _TRIGGERS:
                    cursor.execute(f"ALTER TABLE cases_{name.split('_')[0]} DISABLE TRIGGER fq_stat_{name}")
            else:
                for name in _TRIGGERS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS fq_stat_{name}")
        yield load
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name in _TRIGGERS:
                    cursor.execute(f"ALTER TABLE cases_{name.split('_')[0]} ENABLE TRIGGER fq_stat_{name}")
            else:
                _execute(_sqlite_sql(), cursor)
        if load.tables is None:
            rebuild()
        else:
            add_counts(load.tables)


def count_rows(tables: dict) -> tuple:
    """The rollup rows of the counts in `tables` (see add_counts), days then months, each in (county,
    day, key) order: (month flags, county index, day, key index, n) numpy arrays, and the sorted
    counties and keys the indexes point into. Integer codes throughout, so that millions of rows cost a few sorts."""
    import numpy as np

    settled = sorted(str(status) for status in SETTLED_STATUSES)
    main = tables["status_overdue_level"]
    # Each column's distinct values and every row's index into them, sorted once.
    found = {
        (name, column): (
            (np.asarray(table[column][1]).astype(str), np.asarray(table[column][0]))
            if isinstance(table[column], tuple)
            else np.unique(np.asarray(table[column]).astype(str), return_inverse=True)
        )
        for name, table in tables.items()
        for column in table
        if column in ("county", "status", "level", "category", "channel")
    }
    counties = np.unique(np.concatenate([found[name, "county"][0] for name in tables]))
    # Every key a row can have, sorted (so key indexes sort as the keys do).
    values = {column: found[name, column][0] for name, column in found if column != "county"}
    keys = np.array(
        sorted(
            ["received", "resolved", "on_time", "overdue"]
            + [f"{column}:{value}" for column, distinct in values.items() for value in distinct.tolist()]
        )
    )

    def key_index(name: str, column: str) -> np.ndarray:
        distinct, inverse = found[name, column]
        return np.searchsorted(keys, np.char.add(f"{column}:", distinct))[inverse]

    def county_index(name: str) -> np.ndarray:
        distinct, inverse = found[name, "county"]
        return np.searchsorted(counties, distinct)[inverse]

    parts = []  # (county index, day, key index, n) of each key's rows
    is_settled = np.isin(values["status"], settled)[found["status_overdue_level", "status"][1]]
    overdue = main["overdue"].astype(bool)
    main_county, main_day = (
        county_index("status_overdue_level"),
        main["day"].astype("datetime64[D]").astype(np.int64),
    )
    for name, mask in (
        ("received", slice(None)),
        ("resolved", is_settled),
        ("on_time", is_settled & ~overdue),
        ("overdue", overdue),
    ):
        n = main["n"][mask]
        parts.append((main_county[mask], main_day[mask], np.full(n.size, np.searchsorted(keys, name)), n))
    parts.append((main_county, main_day, key_index("status_overdue_level", "status"), main["n"]))
    level = key_index("status_overdue_level", "level")
    parts.append((main_county[is_settled], main_day[is_settled], level[is_settled], main["n"][is_settled]))
    for name in ("category", "channel"):
        table = tables[name]
        day = table["day"].astype("datetime64[D]").astype(np.int64)
        parts.append((county_index(name), day, key_index(name, name), table["n"]))
    county, day, key, n = (np.concatenate([part[i] for part in parts]).astype(np.int64) for i in range(4))
    rows = []
    for month in (False, True):
        if month and day.size:  # each day's first of the month, from a table of the days spanned
            span = np.arange(day.min(), day.max() + 1).astype("datetime64[D]")
            day = span.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)[day - day.min()]
        first = int(day.min()) if day.size else 0
        days = int(day.max()) - first + 1 if day.size else 1
        # Sums per (county, day, key), in that order: a dense count where it fits, else a sort.
        code = (county * days + (day - first)) * keys.size + key
        cells = counties.size * days * keys.size
        if cells <= 50_000_000:
            sums = np.bincount(code, weights=n, minlength=cells).astype(np.int64)
            unique = np.flatnonzero(sums)
            sums = sums[unique]
        else:
            unique, inverse = np.unique(code, return_inverse=True)
            sums = np.bincount(inverse, weights=n, minlength=unique.size).astype(np.int64)
            unique, sums = unique[sums != 0], sums[sums != 0]
        rest, key_of = np.divmod(unique, keys.size)
        county_of, day_of = np.divmod(rest, days)
        rows.append(
            (
                np.full(unique.size, month),
                county_of,
                (day_of + first).astype("datetime64[D]"),
                key_of,
                sums,
            )
        )
    return (*(np.concatenate([part[i] for part in rows]) for i in range(5)), counties, keys)


def add_counts(tables: dict) -> int:
    """Add counted cases to the rollup without reading the case table: what rebuild() would add for
    them. `tables` holds three tables of the cases' counts, each a dict of equal-length numpy arrays
    with "county" (6-digit code), "day" (datetime64[D], the UTC+8 day reported) and "n" (cases):
    "status_overdue_level" (with "status", "overdue" and "level" columns), "category" and "channel"
    (with a column of that name). A text column may also be given as (indexes, values): each row's
    index into an array of values, which saves sorting strings. The cases must have no cards and
    not be merged. Returns the number
    of rollup rows written. On PostgreSQL an empty rollup is filled by COPY in key order, else the
    counts are upserted (added to what is there)."""
    import numpy as np

    month, county, day, key, n, counties, keys = count_rows(tables)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"INSERT INTO {ROLLUP} (month, county, day, key, n) VALUES (%s, %s, %s, %s, %s) "
                f"ON CONFLICT (month, county, day, key) DO UPDATE SET n = {ROLLUP}.n + excluded.n",
                zip(
                    month.astype(int).tolist(),
                    counties[county].tolist(),
                    np.datetime_as_string(day).tolist(),
                    keys[key].tolist(),
                    n.tolist(),
                    strict=True,
                ),
            )
            return n.size
        # The COPY text from pools of byte strings: (month, county), day, key, then the count.
        add = np.strings.add
        heads = np.array([f"{flag}\t{code}\t".encode() for flag in "ft" for code in counties.tolist()])
        start = day.min() if n.size else np.datetime64(0, "D")
        days = np.arange(start, (day.max() if n.size else start) + 1).astype("datetime64[D]")
        day_pool = np.array([f"{text}\t".encode() for text in np.datetime_as_string(days).tolist()])
        key_pool = np.array([f"{value}\t".encode() for value in keys.tolist()])
        text = add(
            heads[month.astype(np.int64) * counties.size + county], day_pool[(day - start).astype(np.int64)]
        )
        text = add(add(text, key_pool[key]), n.astype("S"))
        cursor.execute(f"SELECT EXISTS (SELECT FROM {ROLLUP}) OR EXISTS (SELECT FROM {DELTA})")
        target, primary = ROLLUP, None
        if cursor.fetchone()[0]:
            target = "fq_stat_counts"
            cursor.execute(f"CREATE TEMPORARY TABLE {target} (LIKE {ROLLUP}) ON COMMIT DROP")
        else:
            # An empty rollup: its key is built after the COPY, from rows already in key order (a
            # sort of sorted input costs less than an index insertion per row). Readers wait for
            # the transaction meanwhile, as they would for its rows.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'",
                [ROLLUP],
            )
            primary = cursor.fetchone()
            cursor.execute(f'ALTER TABLE {ROLLUP} DROP CONSTRAINT "{primary[0]}"')
        with cursor.cursor.copy(f"COPY {target} (month, county, day, key, n) FROM STDIN") as copy:
            for first in range(0, n.size, 200_000):
                copy.write(b"\n".join(text[first : first + 200_000].tolist()) + b"\n")
        if primary:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(f'ALTER TABLE {ROLLUP} ADD CONSTRAINT "{primary[0]}" {primary[1]}')
        if target != ROLLUP:
            cursor.execute(
                f"INSERT INTO {ROLLUP} (month, county, day, key, n) SELECT month, county, day, key, n "
                f"FROM {target} ORDER BY month, county, day, key "
                f"ON CONFLICT (month, county, day, key) DO UPDATE SET n = {ROLLUP}.n + excluded.n"
            )
            cursor.execute(f"DROP TABLE {target}")
        cursor.execute(f"ANALYZE {ROLLUP}")
    return n.size


# --- answering -------------------------------------------------------------------------------


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), CST)


def whole_days(start: datetime | None, end: datetime | None):
    """(first, last) whole UTC+8 days inside [start, end] (None = unbounded), or None if none."""
    first = last = None
    if start is not None:
        local = start.astimezone(CST)
        first = local.date() if local == midnight(local.date()) else local.date() + timedelta(days=1)
    if end is not None:
        last = (end + timedelta(microseconds=1)).astimezone(CST).date() - timedelta(days=1)
    if first is not None and last is not None and first > last:
        return None
    return first, last


def county_prefix(region_code: str) -> str | None:
    """The prefix the rollup can answer for (a county or larger region), else None."""
    prefix = region_codes.significant_prefix(region_code)
    return prefix if len(prefix) <= COUNTY_DIGITS else None


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def figures(prefix: str, first: date | None, last: date | None) -> dict[str, int]:
    """{key: n} for the cases of counties starting with `prefix` reported on the UTC+8 days
    first..last (inclusive, None = unbounded): folded months, folded days and pending deltas."""
    upper = region_codes.prefix_upper_bound(prefix)

    def where(lo: date | None, hi: date | None, month: bool | None = None) -> tuple[str, list]:
        """county in the prefix, day in [lo, hi), and the month flag."""
        parts, params = ["county >= %s"], [prefix]
        if upper is not None:
            parts.append("county < %s")
            params.append(upper)
        if month is not None:
            parts.append("month = %s")
            params.append(month)
        if lo is not None:
            parts.append("day >= %s")
            params.append(lo)
        if hi is not None:
            parts.append("day < %s")
            params.append(hi)
        return " AND ".join(parts), params

    hi = last + timedelta(days=1) if last is not None else None
    month_lo = None if first is None else (first if first.day == 1 else _next_month(first))
    month_hi = None if hi is None else hi.replace(day=1)
    if month_lo is None or month_hi is None or month_lo < month_hi:
        spans = [(month_lo, month_hi, True)]
        if first is not None and first < month_lo:
            spans.append((first, month_lo, False))
        if hi is not None and month_hi < hi:
            spans.append((month_hi, hi, False))
    else:
        spans = [(first, hi, False)]
    condition, params = where(first, hi)
    sql = [f"WITH moved AS (SELECT * FROM {DELTA} WHERE {condition}), keys AS ({_keys_sql('moved')}) "]
    selects = ["SELECT key, n FROM keys"]
    for lo, span_hi, month in spans:
        condition, span_params = where(lo, span_hi, month)
        selects.append(f"SELECT key, n FROM {ROLLUP} WHERE {condition}")
        params += span_params
    sql.append(f"SELECT key, sum(n) FROM ({' UNION ALL '.join(selects)}) AS parts GROUP BY key")
    with connection.cursor() as cursor:
        cursor.execute("".join(sql), params)
        return {key: int(n) for key, n in cursor.fetchall() if n}


# --- may the rollup answer? --------------------------------------------------------------------


def covers_subtree(cases, prefix: str) -> bool:
    """Whether the queryset `cases` (visible_cases(user), or all cases) holds every case whose
    region starts with `prefix`, judged from its WHERE clause alone: a condition that is empty, or
    an OR with a covering member, or an AND of covering members, where a region-code range
    region_code >= lo (lo <= prefix) or region_code < hi (every code starting with prefix below hi)
    covers. Anything else (an Exists, another column, a join) answers False: the base table."""
    from django.db.models.expressions import Col
    from django.db.models.lookups import GreaterThanOrEqual, In, LessThan
    from django.db.models.sql.where import AND, OR, WhereNode

    from .models import Case

    query = cases.query
    if cases.model is not Case or query.is_sliced or query.combinator or query.distinct:
        return False
    upper = region_codes.prefix_upper_bound(prefix)

    def matches_nothing(node) -> bool:  # x IN () — scoping.NOTHING
        return isinstance(node, In) and isinstance(node.rhs, list | tuple) and not node.rhs

    def covers(node) -> bool:
        if isinstance(node, WhereNode):
            if node.negated:  # NOT (x IN ()) is every row — scoping.EVERYTHING, a superuser's scope
                return (
                    node.connector == AND and bool(node.children) and all(map(matches_nothing, node.children))
                )
            if not node.children:
                return True
            if node.connector == AND:
                return all(covers(child) for child in node.children)
            if node.connector == OR:
                return any(covers(child) for child in node.children)
            return False
        lhs = getattr(node, "lhs", None)
        if not (
            isinstance(lhs, Col)
            and lhs.alias == Case._meta.db_table
            and lhs.target.column == "region_code"
            and isinstance(node.rhs, str)
        ):
            return False
        if isinstance(node, GreaterThanOrEqual):
            return node.rhs <= prefix
        if isinstance(node, LessThan):
            return upper is not None and upper <= node.rhs
        return False

    return covers(query.where)


def available() -> bool:
    """Whether this database has the rollup (the migration ran)."""
    with connection.cursor() as cursor:
        return ROLLUP in connection.introspection.table_names(cursor)


def pending() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DELTA}")
        return cursor.fetchone()[0]


def register() -> None:
    from .sweep import register_sweeper

    register_sweeper("stat_rollup", sweep_fold)
