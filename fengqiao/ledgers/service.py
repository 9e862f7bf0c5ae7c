"""One export request, shared by the page and the API: parse the filters, check the region is
the user's, and write the workbook."""

from dataclasses import dataclass
from datetime import date

from fengqiao.accounts.scoping import can_see_region
from fengqiao.errors import FieldError
from fengqiao.regions.models import Region

from . import exports
from .layouts import LEDGERS


@dataclass
class Export:
    content: bytes
    filename: str
    rows: int


def _date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FieldError(name, "a date as YYYY-MM-DD") from None


def export(user, kind: str, region: str | None = None, start=None, end=None) -> Export:
    ledger = LEDGERS.get(kind)
    if ledger is None:
        raise FieldError("ledger", "one of " + ", ".join(LEDGERS))
    start, end = _date(start, "from"), _date(end, "to")
    if start and end and start > end:
        raise FieldError("to", "before from")
    region = (region or "").strip() or None
    if region:
        if not can_see_region(user, region):
            raise FieldError("region", "unknown region or outside yours", status=404)
        region_name = Region.objects.filter(code=region).values_list("name", flat=True).first()
        if region_name is None:
            raise FieldError("region", "unknown region or outside yours", status=404)
    else:
        region_name = user.region.name if user.region_id else ""
    rows = ledger.rows(user, region, start, end)
    content, count = exports.write_ledger(ledger, user, rows, region_name=region_name, start=start, end=end)
    return Export(content, exports.filename(ledger, region_name), count)
