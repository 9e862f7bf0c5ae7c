from datetime import UTC, date, datetime

import pytest
from django.core import checks
from django.core.management import CommandError, call_command

from fengqiao import clock
from fengqiao.workdays import calendar
from fengqiao.workdays.calendar import LOCAL, add_duration
from fengqiao.workdays.models import CalendarWarning, CalendarYear, DayOverride

LAST = calendar.library_years()[-1]


def calendar_warnings():
    return [
        message for message in checks.run_checks(tags=["fengqiao.workdays"]) if message.id == "workdays.W001"
    ]


@pytest.mark.django_db
def test_the_check_warns_about_this_year_and_the_next():
    with clock.at(datetime(LAST, 6, 1, tzinfo=UTC)):
        warnings = calendar_warnings()
    assert len(warnings) == 1 and str(LAST + 1) in warnings[0].msg
    assert isinstance(warnings[0], checks.Warning)
    with clock.at(datetime(LAST + 1, 6, 1, tzinfo=UTC)):
        assert len(calendar_warnings()) == 2
    with clock.at(datetime(2015, 6, 1, tzinfo=UTC)):
        assert calendar_warnings() == []
    CalendarYear.objects.create(year=LAST + 1, complete=True)
    with clock.at(datetime(LAST, 6, 1, tzinfo=UTC)):
        assert calendar_warnings() == []


@pytest.mark.django_db
def test_the_check_runs_with_the_check_command(capsys):
    with clock.at(datetime(LAST, 12, 1, tzinfo=UTC)):
        call_command("check", "--tag", "fengqiao.workdays")
    assert "workdays.W001" in capsys.readouterr().err


@pytest.mark.django_db
def test_loadholidays_copies_the_librarys_year():
    DayOverride.objects.create(date=date(2026, 10, 8), is_working_day=False, name="本地停工")
    call_command("loadholidays", "2026", "--from-library", verbosity=0)
    rows = DayOverride.objects.filter(date__year=2026)
    # 33 days off (元旦 3, 春节 9, 清明 3, 劳动节 5, 端午 3, 中秋 3, 国庆 7) and 6 make-up days, plus the admin's day
    assert rows.filter(source="library", is_working_day=False).count() == 33
    assert rows.filter(source="library", is_working_day=True).count() == 6
    assert rows.get(date=date(2026, 10, 1)).name == "国庆节"
    assert rows.get(date=date(2026, 10, 10)).name == "国庆节调休"
    assert rows.get(date=date(2026, 10, 8)).source == "admin"  # kept
    assert CalendarYear.objects.get(year=2026).complete
    # loading again changes nothing
    call_command("loadholidays", "2026", verbosity=0)
    assert DayOverride.objects.filter(date__year=2026).count() == 40
    # the admin's day still moves deadlines: 10-9 (1), 10-10 (2), 10-12 (3)
    start = datetime(2026, 9, 30, 10, tzinfo=LOCAL)
    assert add_duration(start, 3, "working") == datetime(2026, 10, 12, 10, tzinfo=LOCAL)


@pytest.mark.django_db
def test_loadholidays_refuses_a_year_the_library_lacks():
    with pytest.raises(CommandError, match=str(LAST + 1)):
        call_command("loadholidays", str(LAST + 1), verbosity=0)


@pytest.mark.django_db
def test_loadholidays_from_a_file_makes_a_future_year_usable(tmp_path):
    calendar.record_unknown_year(2099)
    path = tmp_path / "2099.csv"
    path.write_text(
        "日期,上班/放假,名称\n2099-01-01,放假,元旦\n2099-01-02,放假,元旦\n# 调休\n2099-01-04,上班,元旦调休\n",
        encoding="utf-8",
    )
    call_command("loadholidays", "2099", "--file", str(path), "--complete", verbosity=0)
    assert DayOverride.objects.filter(date__year=2099, source="admin").count() == 3
    assert calendar.is_year_known(2099)
    assert add_duration(datetime(2098, 12, 31, 10, tzinfo=LOCAL), 2, "working") == datetime(
        2099, 1, 5, 10, tzinfo=LOCAL
    )
    assert CalendarWarning.objects.get(year=2099).resolved_at is not None
    bad = tmp_path / "bad.csv"
    bad.write_text("2098-01-01,放假,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not in 2099"):
        call_command("loadholidays", "2099", "--file", str(bad), verbosity=0)


@pytest.mark.django_db
def test_admin_pages(client, users):
    client.force_login(users["admin"])
    DayOverride.objects.create(date=date(2099, 1, 1), is_working_day=False, name="元旦")
    CalendarYear.objects.create(year=2099)
    calendar.record_unknown_year(2099)
    for path in ["dayoverride/", "dayoverride/?year=2099", "calendaryear/", "calendarwarning/"]:
        response = client.get(f"/admin/workdays/{path}")
        assert response.status_code == 200, path
    assert "元旦" in client.get("/admin/workdays/dayoverride/?year=2099").content.decode()
    # an admin's edit marks the day as the admin's
    library_day = DayOverride.objects.create(date=date(2099, 1, 2), is_working_day=False, source="library")
    response = client.post(
        f"/admin/workdays/dayoverride/{library_day.pk}/change/",
        {"date": "2099-01-02", "is_working_day": "on", "name": "补班"},
    )
    assert response.status_code == 302
    library_day.refresh_from_db()
    assert (library_day.is_working_day, library_day.source) == (True, "admin")
    # the admin action copies a library year
    year = CalendarYear.objects.create(year=2025)
    response = client.post(
        "/admin/workdays/calendaryear/",
        {"action": "load_from_library", "_selected_action": [year.pk]},
    )
    assert response.status_code == 302
    assert DayOverride.objects.filter(date__year=2025, source="library").count() > 20
    assert CalendarYear.objects.get(year=2025).complete
