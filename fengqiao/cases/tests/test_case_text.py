"""cases_case_text, the text search's copy of each case's title and description, follows the case
table on PostgreSQL by triggers (cases/0013): one row per case from any kind of insert, a new copy
only when the text changes, gone with the case. On SQLite it stays empty."""

import pytest
from django.db import connection

from fengqiao.cases import search, selectors
from fengqiao.cases.codes import Status
from fengqiao.cases.models import Case, CaseText

POSTGRES = connection.vendor == "postgresql"
pytestmark = pytest.mark.skipif(not POSTGRES, reason="the triggers are PostgreSQL's")


def copies() -> dict[int, tuple[str, str]]:
    return {row.case_id: (row.title, row.description) for row in CaseText.objects.all()}


def version(case: Case) -> str:
    """The copy's row version: a new one for every write of the row."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text, ctid::text FROM {search.TEXT_TABLE} WHERE case_id = %s", [case.pk]
        )
        return cursor.fetchone()


def bare(template: Case, n: int) -> Case:
    """An unsaved case like `template` (no timeline: it can be deleted), numbered by `n`."""
    values = {f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}
    values.update(id=None, number=f"{template.number[:15]}9{n:03d}", client_id=None, title=f"批量{n}")
    return Case(**values)


@pytest.mark.django_db
def test_every_insert_makes_the_copy(make_case):
    one = make_case(title="邻里纠纷", description="楼上漏水")
    Case.objects.bulk_create([bare(one, n) for n in range(3)])
    assert copies() == {case.pk: (case.title, case.description) for case in Case.objects.all()}
    assert copies()[one.pk] == ("邻里纠纷", "楼上漏水")


@pytest.mark.django_db
def test_the_copy_changes_with_the_text_only(make_case):
    case = make_case(title="宅基地纠纷", description="东侧围墙越界")
    before = version(case)
    Case.objects.filter(pk=case.pk).update(status=Status.IN_PROGRESS, escalations=1)
    case.refresh_from_db()
    case.save()  # Django's save names every column, the text among them, unchanged
    assert version(case) == before
    case.description = "西侧围墙越界"
    case.save()
    assert version(case) != before
    assert copies()[case.pk] == ("宅基地纠纷", "西侧围墙越界")
    Case.objects.filter(pk=case.pk).update(title="")
    assert copies()[case.pk] == ("", "西侧围墙越界")


@pytest.mark.django_db
def test_the_copy_goes_with_the_case(make_case):
    kept = make_case()
    gone = Case.objects.bulk_create([bare(kept, n) for n in range(2)])
    Case.objects.filter(pk__in=[case.pk for case in gone]).delete()
    assert set(copies()) == {kept.pk}


@pytest.mark.django_db
def test_a_number_finds_its_case_and_the_cases_that_mention_it(make_case):
    named = make_case(title="噪音扰民")
    mentions = make_case(description=f"与{named.number}为同一事项")
    other = make_case(description="无关")
    found = set(
        Case.objects.filter(selectors.text_search(named.number, "default")).values_list("pk", flat=True)
    )
    assert found == {named.pk, mentions.pk}
    assert other.pk not in found
