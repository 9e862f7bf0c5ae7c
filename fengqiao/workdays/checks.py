"""`fengqiao check`: warn while the working-day calendar lacks this year or the next."""

from django.core import checks
from django.db import DatabaseError

from fengqiao import clock

from . import calendar

TAG = "fengqiao.workdays"


@checks.register(TAG)
def calendar_years(app_configs=None, **kwargs):
    if app_configs is not None and not any(config.name == "fengqiao.workdays" for config in app_configs):
        return []
    this_year = clock.now().astimezone(calendar.LOCAL).year
    try:
        known = calendar.known_years()
    except DatabaseError:  # before `migrate`: judge by the library alone
        known = frozenset(calendar.library_years())
    return [
        checks.Warning(
            f"工作日历缺少 {year} 年的节假日安排:按工作日计算、落在 {year} 年的时限将无法计算。",
            hint=(
                f"升级 chinese-calendar(若已收录 {year} 年后执行 `fengqiao loadholidays {year} --from-library`),"
                f"或在系统管理「节假日与调休」中录入 {year} 年的放假和调休上班日"
                f"(或 `fengqiao loadholidays {year} --file 文件.csv --complete`),"
                f"再在「日历年份」中将 {year} 年标记为已完整录入。"
            ),
            id="workdays.W001",
        )
        for year in (this_year, this_year + 1)
        if year not in known
    ]
