"""The list's text search (`q`) finds the same cases in the same order with PostgreSQL's gram
prefilter as with the plain substring test (fengqiao/cases/search.py), for generated texts and
queries: Chinese, punctuation, Latin letters of both cases, digits, LIKE's %, _ and \\, and
characters whose upper case is unusual. On SQLite the condition is the plain one."""

from unittest import mock

import pytest
from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.cases import search, selectors
from fengqiao.cases.models import Case

POSTGRES = connection.vendor == "postgresql"
CHARACTERS = "纠纷宅基地邻里噪音漏水村民诉求。,、!?()《》 %_\\aAbBzZ09ßǅıİﬁ-'\""
text = st.text(alphabet=CHARACTERS, max_size=24)
long_text = st.text(alphabet=CHARACTERS + "\n\t\r\u0301\U0001f600", min_size=25, max_size=300)
ORDER = selectors.KEYSET_ORDER


def plain(q: str) -> Q:
    """The condition before the prefilter: number, or title / description contains."""
    return Q(number=q) | Q(title__icontains=q) | Q(description__icontains=q)


def rows(condition) -> list[int]:
    return list(Case.objects.filter(condition).order_by(*ORDER).values_list("pk", flat=True))


@pytest.fixture
def texts(make_case):
    """Eight cases whose texts the examples overwrite (one merged into another: never listed)."""
    cases = [make_case(description=f"测试案件{n}") for n in range(8)]
    Case.objects.filter(pk=cases[7].pk).update(merged_into=cases[6])
    return cases


@pytest.mark.django_db
@pytest.mark.skipif(not POSTGRES, reason="the prefilter is PostgreSQL's")
@settings(max_examples=300, deadline=None)
@given(row=st.tuples(text, text), data=st.data())
def test_the_grams_of_a_substring_are_in_the_row(row, data):
    """The prefilter's invariant, in PostgreSQL itself: whenever the LIKE matches, so does the
    prefilter (the query is mostly a piece of the row, so that it matches)."""
    title, description = row
    source = title + description
    if source and data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(source) - 1))
        q = source[start : data.draw(st.integers(start + 1, len(source)))]
    else:
        q = data.draw(text)
    if not q:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {search.GRAMS_FUNCTION}(%s, %s) COLLATE "C" @> {search.QUERY_FUNCTION}(%s), '
            "upper(%s) LIKE '%%' || upper(%s) || '%%' ESCAPE '!', upper(%s) LIKE '%%' || upper(%s) || '%%' ESCAPE '!'",
            [title, description, q, title, escape(q), description, escape(q)],
        )
        prefilter, in_title, in_description = cursor.fetchone()
    if in_title or in_description:
        assert prefilter, (title, description, q)


@pytest.mark.django_db
@pytest.mark.skipif(not POSTGRES, reason="the gram functions are PostgreSQL's")
@settings(max_examples=300, deadline=None)
@given(row=st.tuples(st.one_of(st.none(), text, long_text), st.one_of(st.none(), text, long_text)))
def test_the_inlined_grams_are_the_windows_grams(row):
    """case_text_grams (cases/0010, inlined) gives the same set of grams as the definition by
    windows (cases/0008's, case_text_grams_windows) for any texts: the existing index and the
    statistics stay valid, and rows match as before."""
    title, description = row
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ARRAY(SELECT DISTINCT unnest({search.GRAMS_FUNCTION}(%s, %s)) ORDER BY 1), "
            f"ARRAY(SELECT DISTINCT unnest({search.WINDOWS_FUNCTION}(%s, %s)) ORDER BY 1), "
            f"{search.GRAMS_FUNCTION}(%s, %s) IS NULL",
            [title, description] * 3,
        )
        grams, windows, null = cursor.fetchone()
    assert grams == windows, row
    assert not null


@pytest.mark.django_db
@pytest.mark.skipif(not POSTGRES, reason="the gram functions are PostgreSQL's")
def test_the_grams_are_computed_inline():
    """PostgreSQL inlines case_text_grams' body (no SQL-function call per row): what makes the
    index build, ANALYZE and each write cheaper."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN VERBOSE SELECT {search.GRAMS_FUNCTION}(title, description) FROM cases_case")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "string_to_array" in plan and f"{search.GRAMS_FUNCTION}(" not in plan.replace(
        search.WINDOWS_FUNCTION, ""
    ), plan


def escape(q: str) -> str:
    return q.replace("!", "!!").replace("%", "!%").replace("_", "!_")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.tuples(text, text), min_size=8, max_size=8),
    q=text.filter(lambda q: q.strip()),
    piece=st.booleans(),
    common=st.booleans(),
)
def test_the_list_finds_the_same_cases_in_the_same_order(texts, values, q, piece, common):
    """Both of PostgreSQL's forms (a common word's, a rare word's: search.text_q) and SQLite's."""
    with mock.patch.object(search, "gram_shares", lambda using: EveryGram() if common else {}):
        check_same_rows(texts, values, q, piece)


class EveryGram(dict):
    """Statistics in which every gram is common."""

    def __contains__(self, gram):
        return True

    def get(self, gram, default=None):
        return 0.5


def check_same_rows(texts, values, q, piece):
    for case, (title, description) in zip(texts, values, strict=True):
        case.title, case.description = title, description
    Case.objects.bulk_update(texts, ["title", "description"])
    if piece and values[0][1].strip():
        q = values[0][1]  # a query every database must find (the first case's description)
    q = q.strip()[:100]
    expected = rows(plain(q))
    assert rows(selectors.text_search(q, "default")) == expected
    assert rows(Q(merged_into__isnull=True) & selectors.text_search(q, "default")) == [
        pk for pk in expected if Case.objects.filter(pk=pk, merged_into__isnull=True).exists()
    ]
    if piece and values[0][1].strip():
        assert texts[0].pk in expected


def test_the_api_and_the_page_search_titles_descriptions_and_numbers(texts, api):
    texts[0].title, texts[0].description = "宅基地边界", "东侧围墙越界"
    texts[1].title, texts[1].description = "噪音扰民", "楼上宅基地改建施工噪音 ABC%_x"
    Case.objects.bulk_update(texts[:2], ["title", "description"])
    client = api("admin")
    for q, expected in (
        ("宅基地", {texts[0].number, texts[1].number}),
        ("越界", {texts[0].number}),
        ("abc%_X", {texts[1].number}),
        ("%", {texts[1].number}),
        (texts[2].number, {texts[2].number}),
    ):
        response = client.get("/cases", q=q)
        assert response.status_code == 200
        found = {row["number"] for row in response.json()["results"]}
        assert expected <= found, q
        assert found == set(
            Case.objects.filter(plain(q), merged_into__isnull=True).values_list("number", flat=True)
        )


@pytest.mark.skipif(not POSTGRES, reason="the index is PostgreSQL's")
def test_the_prefilter_can_use_the_index(texts):
    """With sequential and plain index scans off, a rare word is read from case_text_grams: the
    index's expression and collation match the query's (else the planner could never use it)."""
    query = Case.objects.filter(
        Q(merged_into__isnull=True) & selectors.text_search("宅基", "default")
    ).order_by(*ORDER)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert search.INDEX in plan, plan


@pytest.mark.skipif(not POSTGRES, reason="the statistics are PostgreSQL's")
def test_a_common_word_is_searched_in_the_common_form(texts):
    """After ANALYZE the statistics list a gram every case holds: text_q gives it the form a
    common word gets (the strpos test and that one gram), and a gram no case holds the rare form."""
    for case in texts:
        case.title = "邻里纠纷"
    Case.objects.bulk_update(texts, ["title"])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {search.TEXT_TABLE}")
    search._shares.clear()
    shares = search.gram_shares()
    assert shares.get("纠纷", 0) > 0.5, shares
    common = str(Case.objects.filter(selectors.text_search("纠纷", "default")).query)
    rare = str(Case.objects.filter(selectors.text_search("无此词语", "default")).query)
    assert "strpos" in common and "LIKE" not in common
    assert "LIKE" in rare and "strpos" not in rare
    assert rows(selectors.text_search("纠纷", "default")) == rows(plain("纠纷"))
    search._shares.clear()
