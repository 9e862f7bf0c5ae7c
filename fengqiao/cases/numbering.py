"""Human-readable, unique case numbers: county code, local date, sequence — 990102-20261122-0007."""

from datetime import datetime

from django.db import connection

from .deadlines import LOCAL
from .models import CaseSequence


def next_number(region_code: str, at: datetime) -> str:
    """Takes the next number in the caller's transaction (rolled back with it)."""
    county = region_code[:6]
    day = at.astimezone(LOCAL).strftime("%Y%m%d")
    key = f"{county}-{day}"
    table = connection.ops.quote_name(CaseSequence._meta.db_table)
    with connection.cursor() as cursor:
        # One statement on both engines: concurrent writers serialise on the row instead of racing.
        cursor.execute(
            f"INSERT INTO {table} (key, value) VALUES (%s, 1) "
            f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [key],
        )
        (value,) = cursor.fetchone()
    return f"{key}-{value:04d}"
