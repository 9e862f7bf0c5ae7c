"""The case list's text search (`q`): a substring of the title or the description, or the number.

What matches is always Django's `icontains` (`UPPER(col) LIKE UPPER('%q%')`, `%`, `_` and `\\`
escaped) OR `number = q`, on every database. On PostgreSQL an index-usable prefilter is ANDed to
the substring test: the GIN index `case_text_grams` (cases/0008; since cases/0013 on
cases_case_text, a copy of each case's texts kept by triggers) holds every single character and
every two-character window ("gram") of UPPER(title) and of UPPER(description), and a row can
contain UPPER(q) only if it holds each of UPPER(q)'s grams, so

    case_text_grams(title, description) COLLATE "C" @> ARRAY[<grams of q>]

selects a superset of the matching rows (the substring test then rechecks each), never fewer.
`q`'s grams are computed by PostgreSQL itself (`case_query_grams(q)`: its two-character windows,
or the character itself for a one-character q; PostgreSQL's UPPER, not Python's str.upper, which
differs, e.g. for ß).

The plan must suit the word: for a common word (纠纷: 78% of cases) the first page is found by
walking the region's ordered list index, the substring test as a filter, within a few hundred
rows; a rare word is read from the GIN bitmap. The planner chooses by its estimate, so text_q
makes the estimate about right. The index's expression statistics (ANALYZE of cases_case_text)
hold each common gram's share of the cases; text_q finds q's rarest gram in them (cached for a few
minutes):

- listed there (common): the prefilter is that one gram, estimated at its share (several grams
  would be multiplied as if independent: 宅基 × 基地 = 0.6% for 宅基地's 7.7%), and the substring
  test is written `strpos(UPPER(col), UPPER(q)) > 0`, which the planner estimates at 1/3 (LIKE
  '%…%' at 1/200 would make every word look rare);
- not listed (rare): Django's LIKE and every gram of q: estimated rare, read from the bitmap.

The rows are the same either way (fengqiao/cases/tests/test_text_search.py).

SQLite has no such index: the LIKE alone, as before.
"""

import time

from django.db import connections
from django.db.models import BooleanField, Q
from django.db.models.expressions import Expression

INDEX = "case_text_grams"
GRAMS_FUNCTION = "case_text_grams"
QUERY_FUNCTION = "case_query_grams"

# Created by migration cases/0008 (PostgreSQL only), case_text_grams rewritten by cases/0010. The
# grams of two texts, upper-cased: every character and every two-character window of each (not
# across the two: a window spanning the end of the title and the start of the description is no
# substring of either). Duplicates and order do not matter: GIN keeps each key once per row, and
# `@>` and the statistics look at the set. COLLATE "C": keys compare bytewise, whatever the
# database's collation (the index and the query both say it, so the index matches the operator).
#
# case_text_grams_windows is the definition by windows (cases/0008's case_text_grams): a query per
# call, substr per window, ~40 us a case. case_text_grams gives the same set without a query: the
# characters by string_to_array(u, NULL), and the windows by writing each character c as "cac"
# and cutting at every "a" ("xyz" -> "xaxyayzaz" -> x, xy, yz, z: the windows, and the first and
# last characters, which are grams anyway). No upper-cased text holds a lowercase "a" (upper maps
# it to "A"), so the cut is exact; should a locale ever differ, the texts holding one take the
# windows definition. Its body is one expression, so PostgreSQL inlines it into the index
# expression, the statistics object and the query (no SQL-function call at all): ~3x cheaper for
# the index build, ANALYZE, and every insert or non-HOT update of a case (cases/0010's docstring
# has the figures). tests: test_text_search.py checks the two give the same set. The call of the
# windows definition names its schema (the current one, when the functions are made): pg_restore
# builds the index with an empty search_path, where an unqualified call finds nothing (cases/0012).
WINDOWS_FUNCTION = "case_text_grams_windows"
CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION {WINDOWS_FUNCTION}(title text, description text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(substr(t, i, n)), '{{}}')
  FROM (VALUES (upper(title) COLLATE "C"), (upper(description) COLLATE "C")) AS s(t),
       generate_series(1, length(t)) AS i, (VALUES (1), (2)) AS v(n)
  WHERE i + n - 1 <= length(t)
$$;
DO $do$ BEGIN EXECUTE $create$
CREATE OR REPLACE FUNCTION {GRAMS_FUNCTION}(title text, description text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
  SELECT CASE WHEN strpos(upper(title) || upper(description), 'a') = 0 THEN coalesce(
      string_to_array(upper(title) COLLATE "C", NULL)
      || string_to_array(regexp_replace(upper(title) COLLATE "C", '(.)', '\\1a\\1', 'g'), 'a')
      || string_to_array(upper(description) COLLATE "C", NULL)
      || string_to_array(regexp_replace(upper(description) COLLATE "C", '(.)', '\\1a\\1', 'g'), 'a'),
      '{{}}')
    ELSE $create$ || quote_ident(current_schema()) || $create$.{WINDOWS_FUNCTION}(title, description) END
$body$
$create$; END $do$;
CREATE OR REPLACE FUNCTION {QUERY_FUNCTION}(q text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(u) < 2 THEN ARRAY[u]
         ELSE ARRAY(SELECT DISTINCT substr(u, i, 2) FROM generate_series(1, length(u) - 1) AS i) END
  FROM (SELECT upper(q) COLLATE "C" AS u) AS s
$$;
"""
DROP_FUNCTIONS = f"""
DROP FUNCTION IF EXISTS {QUERY_FUNCTION}(text);
DROP FUNCTION IF EXISTS {GRAMS_FUNCTION}(text, text);
DROP FUNCTION IF EXISTS {WINDOWS_FUNCTION}(text, text);
"""
# The index is on cases_case_text (models.CaseText), the copy of each case's title and description
# that triggers on the case table keep (TRIGGERS): an update of a case that leaves its text alone
# (an escalation, a status change) is no update of the copy, so it writes no GIN entries. On the
# case row the GIN was ~80% of the sweep's escalation UPDATE at 10,000,000 cases (cases/0013).
# fastupdate (PostgreSQL's default) keeps an intake's ~50 new keys in the pending list, merged in
# bulk by autovacuum or when it reaches gin_pending_list_limit. Merged cases keep their row (the
# list leaves them out by the case's own column).
TEXT_TABLE = "cases_case_text"
CREATE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TEXT_TABLE} USING gin "
    f'(({GRAMS_FUNCTION}(title, description)) COLLATE "C")'
)
DROP_INDEX = f"DROP INDEX IF EXISTS {INDEX}"

# The index's own expression statistics (ANALYZE cases_case_text) give each common gram's share of
# the cases: up to 10,000 most common grams, from a sample of 300,000 rows.
STATISTICS_TARGET = 1000
SET_STATISTICS = f"ALTER INDEX {INDEX} ALTER COLUMN 1 SET STATISTICS {STATISTICS_TARGET}"
SHARES_TTL = 300.0  # seconds: the shares change only with ANALYZE

# The copy follows the case table: inserted per statement from its new rows (one INSERT for a
# whole COPY or bulk insert), updated per row only when the title or description changes (the
# column list keeps the trigger out of updates that do not name them; the WHEN, out of Django's
# saves that name every column), deleted per statement. No foreign key: the triggers are what
# keeps one row per case. search_path is fixed at creation (pg_restore runs with an empty one).
TRIGGERS = f"""
CREATE OR REPLACE FUNCTION case_text_inserted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO {TEXT_TABLE} (case_id, title, description) SELECT id, title, description FROM inserted;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION case_text_updated() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE {TEXT_TABLE} SET title = NEW.title, description = NEW.description WHERE case_id = NEW.id;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION case_text_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM {TEXT_TABLE} t USING deleted d WHERE t.case_id = d.id;
  RETURN NULL;
END $$;
CREATE TRIGGER case_text_insert AFTER INSERT ON cases_case REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION case_text_inserted();
CREATE TRIGGER case_text_update AFTER UPDATE OF title, description ON cases_case FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description)
  EXECUTE FUNCTION case_text_updated();
CREATE TRIGGER case_text_delete AFTER DELETE ON cases_case REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION case_text_deleted();
"""
DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS case_text_insert ON cases_case;
DROP TRIGGER IF EXISTS case_text_update ON cases_case;
DROP TRIGGER IF EXISTS case_text_delete ON cases_case;
DROP FUNCTION IF EXISTS case_text_inserted();
DROP FUNCTION IF EXISTS case_text_updated();
DROP FUNCTION IF EXISTS case_text_deleted();
"""

_shares: dict[str, tuple[float, dict[str, float]]] = {}


def gram_shares(using: str = "default") -> dict[str, float]:
    """{gram: share of the cases holding it} for the most common grams, from the index's
    statistics (empty before ANALYZE); cached per database for SHARES_TTL seconds."""
    now = time.monotonic()
    cached = _shares.get(using)
    if cached and now - cached[0] < SHARES_TTL:
        return cached[1]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND most_common_elems IS NOT NULL",
            [INDEX],
        )
        row = cursor.fetchone()
    shares = dict(zip(row[0], row[1], strict=False)) if row else {}
    _shares[using] = (now, shares)
    return shares


def query_grams(text: str, using: str = "default") -> list[str]:
    """The grams of `text` as PostgreSQL upper-cases and cuts it (case_query_grams)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {QUERY_FUNCTION}(%s)", [text])
        return cursor.fetchone()[0]


def _text_columns(compiler, connection) -> tuple[str, str]:
    """The title and description columns of the query being compiled (the case table's, or its
    texts' copy's in text_q's subquery), as that query names them."""
    table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
    return tuple(f"{table}.{connection.ops.quote_name(name)}" for name in ("title", "description"))


class GramsPrefilter(Expression):
    """`case_text_grams(title, description) COLLATE "C" @> ARRAY[gram, …]` (PostgreSQL)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, grams: list[str]):
        super().__init__()
        self.grams = list(grams)

    def as_sql(self, compiler, connection):
        marks = ", ".join(["%s"] * len(self.grams))
        columns = ", ".join(_text_columns(compiler, connection))
        return f'{GRAMS_FUNCTION}({columns}) COLLATE "C" @> ARRAY[{marks}]::text[]', self.grams


class Contains(Expression):
    """`strpos(UPPER(title), UPPER(q)) > 0 OR strpos(UPPER(description), UPPER(q)) > 0`: the same
    test as icontains' `UPPER(col) LIKE UPPER('%q%')` with q's %, _ and \\ escaped (a substring of
    the upper-cased text), in a form the planner estimates as common (1/3 each) instead of LIKE's
    rare default (1/200): see text_q."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def as_sql(self, compiler, connection):
        title, description = _text_columns(compiler, connection)
        return (
            f"(strpos(UPPER({title}::text), UPPER(%s)) > 0 OR strpos(UPPER({description}::text), UPPER(%s)) > 0)",
            [self.text, self.text],
        )


def text_q(text: str, using: str = "default") -> Q:
    """The list's `q` condition for `text` (already stripped and cut to 100 characters).

    On PostgreSQL: the case is among the ids the index finds in cases_case_text (an IN, which the
    planner joins either way: probing the copy by id for each row of a walk, or reading the
    index's bitmap first) and passes the substring test. By the share of cases holding `text`'s
    rarest gram (the statistics): a gram among the most common gets the substring test as
    `Contains` (estimated common) and that one gram as the prefilter, so the planner's estimate is
    about right and it walks the region's ordered list for a common word; a gram the statistics do
    not list is rare: Django's LIKE (estimated rare) and every gram of `text`, so that the planner
    reads the bitmap, which holds few rows. `number = text` is looked up first (the number is
    unique): the case it names, if any, joins both the ids and the test, instead of an OR beside
    the IN, which PostgreSQL cannot join (it would read every id the index finds)."""
    if connections[using].vendor != "postgresql":
        return Q(number=text) | Q(title__icontains=text) | Q(description__icontains=text)
    from .models import Case, CaseText

    grams = query_grams(text, using)
    shares = gram_shares(using)
    rarest = min(grams, key=lambda gram: (shares.get(gram, 0.0), gram))
    if rarest in shares:
        found, test = Q(GramsPrefilter([rarest])), Q(Contains(text))
    else:
        found, test = Q(GramsPrefilter(grams)), Q(title__icontains=text) | Q(description__icontains=text)
    for numbered in Case.objects.using(using).filter(number=text).values_list("pk", flat=True):  # 0 or 1
        found, test = found | Q(case_id=numbered), test | Q(pk=numbered)
    return Q(pk__in=CaseText.objects.using(using).filter(found).values("case_id")) & test
