"""The case list's text search (`q`): a substring of the title or the description, or the number.

What matches is always Django's `icontains` (`UPPER(col) LIKE UPPER('%q%')`, `%`, `_` and `\\`
escaped) OR `number = q`, on every database. On PostgreSQL an index-usable prefilter is ANDed to
the substring test: the GIN index `case_text_grams` (migration cases/0008) holds every single
character and every two-character window ("gram") of UPPER(title) and of UPPER(description), and
a row can contain UPPER(q) only if it holds each of UPPER(q)'s grams, so

    case_text_grams(title, description) COLLATE "C" @> ARRAY[<grams of q>]

selects a superset of the matching rows (the substring test then rechecks each), never fewer.
`q`'s grams are computed by PostgreSQL itself (`case_query_grams(q)`: its two-character windows,
or the character itself for a one-character q; PostgreSQL's UPPER, not Python's str.upper, which
differs, e.g. for ß).

The plan must suit the word: for a common word (纠纷: 78% of cases) the first page is found by
walking the region's ordered list index, the substring test as a filter, within a few hundred
rows; a rare word is read from the GIN bitmap. The planner chooses by its estimate, so text_q
makes the estimate about right. The statistics object case_text_grams_stats (migration 0008,
ANALYZE) holds each common gram's share of the cases; text_q finds q's rarest gram in it (cached
for a few minutes):

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
# Only the list's rows (merged cases are never listed). fastupdate (PostgreSQL's default) keeps an
# intake's ~50 new keys in the pending list, merged in bulk by autovacuum or when it reaches
# gin_pending_list_limit.
CREATE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case USING gin "
    f'(({GRAMS_FUNCTION}(title, description)) COLLATE "C") WHERE merged_into_id IS NULL'
)
DROP_INDEX = f"DROP INDEX IF EXISTS {INDEX}"


STATISTICS = "case_text_grams_stats"
STATISTICS_TARGET = 1000  # up to 10,000 most common grams, from a sample of 300,000 cases
CREATE_STATISTICS = (
    f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON ({GRAMS_FUNCTION}(title, description)) FROM cases_case;"
    f"ALTER STATISTICS {STATISTICS} SET STATISTICS {STATISTICS_TARGET}"
)
DROP_STATISTICS = f"DROP STATISTICS IF EXISTS {STATISTICS}"
SHARES_TTL = 300.0  # seconds: the shares change only with ANALYZE

_shares: dict[str, tuple[float, dict[str, float]]] = {}


def gram_shares(using: str = "default") -> dict[str, float]:
    """{gram: share of the cases holding it} for the most common grams, from the statistics
    object (empty before ANALYZE); cached per database for SHARES_TTL seconds."""
    now = time.monotonic()
    cached = _shares.get(using)
    if cached and now - cached[0] < SHARES_TTL:
        return cached[1]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats_ext_exprs "
            "WHERE statistics_name = %s AND most_common_elems IS NOT NULL",
            [STATISTICS],
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
    """The case's title and description columns as the query being compiled names them."""
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

    On PostgreSQL, by the share of cases holding `text`'s rarest gram (the statistics): a gram among
    the most common gets the substring test as `Contains` (estimated common) and that one gram as
    the prefilter, so the planner's estimate is about right and it walks the region's ordered list
    for a common word; a gram the statistics do not list is rare: Django's LIKE (estimated rare) and
    every gram of `text`, so that the planner reads the GIN bitmap, which holds few rows. The
    substring test comes first: in a walk, the grams are computed only for the rows it matches."""
    if connections[using].vendor != "postgresql":
        return Q(number=text) | Q(title__icontains=text) | Q(description__icontains=text)
    grams = query_grams(text, using)
    shares = gram_shares(using)
    rarest = min(grams, key=lambda gram: (shares.get(gram, 0.0), gram))
    if rarest in shares:
        contains = Q(Contains(text)) & Q(GramsPrefilter([rarest]))
    else:
        contains = (Q(title__icontains=text) | Q(description__icontains=text)) & Q(GramsPrefilter(grams))
    return Q(number=text) | contains
