"""Fixtures for the ledger tests: workbooks built in memory and read back, cases in two townships."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from fengqiao.cases import actions
from fengqiao.cases.actions import Intake, PartyInput

TOWN1 = "990102001000"
TOWN2 = "990102002000"


def workbook(headers, rows, title_rows=()) -> io.BytesIO:
    """An .xlsx in memory: optional title rows, the header, the rows."""
    book = Workbook()
    sheet = book.active
    for row in title_rows:
        sheet.append(list(row))
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers] if isinstance(row, dict) else list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "ledger.xlsx"
    return out


def read_sheet(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_records(rows: list[list], header_row: int = 3) -> list[dict]:
    header = rows[header_row - 1]
    return [dict(zip(header, row, strict=False)) for row in rows[header_row:]]


@pytest.fixture
def make_case(users):
    def make(username="town1", region=TOWN1, description="邻居两家因为排水沟堵塞吵架,要求调解", **fields):
        fields.setdefault("category", "neighbour")
        parties = fields.pop(
            "parties", [PartyInput("张三", "applicant", "13800138000"), PartyInput("李四", "respondent")]
        )
        case, _ = actions.create_case(
            Intake(channel="window", description=description, region_code=region, parties=parties, **fields),
            actor=users[username],
        )
        return case

    return make
