"""The case list's text search (`q`): a substring of the title or the description, or the number.

What matches is always Django's `icontains` (`UPPER(col) LIKE UPPER('%q%')`, `%`, `_` and `\\`
escaped) OR `number = q`, on every database. On PostgreSQL an index-usable prefilter is ANDed to
the substring test: the GIN index `case_text_grams` (migration cases/0008) holds every single
character and every two-character window ("gram") of UPPER(title) and of UPPER(description), and
a row can contain UPPER(q) only if it holds all of UPPER(q)'s grams, so

    case_text_grams(title, description) COLLATE "C" @> case_query_grams(q)

selects a superset of the matching rows (the LIKE then rechecks each), never fewer. `q`'s grams are
computed by PostgreSQL's own UPPER in SQL (not Python's str.upper, which differs, e.g. for ß), as
its two-character windows, or the character itself for a one-character q. Both functions are
IMMUTABLE, so the planner folds `case_query_grams('…')` to a constant array and estimates it from
the index expression's element statistics (ANALYZE): a common word is read from the region's
ordered list index with the LIKE as a filter, a rare one from the GIN bitmap.

SQLite has no such index: the LIKE alone, as before.
"""

from django.db.models import BooleanField, Q
from django.db.models.expressions import Expression

INDEX = "case_text_grams"
GRAMS_FUNCTION = "case_text_grams"
QUERY_FUNCTION = "case_query_grams"

# Created by migration cases/0008 (PostgreSQL only). The grams of two texts, upper-cased: every
# character and every two-character window of each (not across the two: a window spanning the end
# of the title and the start of the description is no substring of either). Duplicates are left
# in: GIN keeps each key once per row. COLLATE "C": keys compare bytewise, whatever the
# database's collation (the index and the query both say it, so the index matches the operator).
CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION {GRAMS_FUNCTION}(title text, description text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(substr(t, i, n)), '{{}}')
  FROM (VALUES (upper(title) COLLATE "C"), (upper(description) COLLATE "C")) AS s(t),
       generate_series(1, length(t)) AS i, (VALUES (1), (2)) AS v(n)
  WHERE i + n - 1 <= length(t)
$$;
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
"""
# Only the list's rows (merged cases are never listed). fastupdate (PostgreSQL's default) keeps an
# intake's ~50 new keys in the pending list, merged in bulk by autovacuum or when it reaches
# gin_pending_list_limit.
CREATE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case USING gin "
    f'(({GRAMS_FUNCTION}(title, description)) COLLATE "C") WHERE merged_into_id IS NULL'
)
DROP_INDEX = f"DROP INDEX IF EXISTS {INDEX}"


class GramsPrefilter(Expression):
    """`case_text_grams(title, description) COLLATE "C" @> case_query_grams(q)` (PostgreSQL)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        columns = ", ".join(f"{table}.{connection.ops.quote_name(name)}" for name in ("title", "description"))
        return f'{GRAMS_FUNCTION}({columns}) COLLATE "C" @> {QUERY_FUNCTION}(%s)', [self.text]


def text_q(text: str, vendor: str) -> Q:
    """The list's `q` condition for `text` (already stripped and cut to 100 characters)."""
    contains = Q(title__icontains=text) | Q(description__icontains=text)
    if vendor == "postgresql":
        contains = Q(GramsPrefilter(text)) & contains
    return Q(number=text) | contains
