"""A briefing generated on demand opens in Word (python-docx reads it back) and as PDF (the first
page renders to PNG with pdftoppm), and carries the figures of GET /api/v1/stats."""

import io
import shutil
import subprocess

import pytest

from .conftest import COUNTY, local


@pytest.fixture
def week_of_cases(plant, grids):
    # The week of 8–14 June 2026 and the one before, with one overdue case still open.
    for day in range(8, 15):
        plant(local(2026, 6, day, 10), category="neighbour", status="closed")
    plant(local(2026, 6, 9, 11), category="labour_wages", status="in_progress", overdue=True, risk=75)
    plant(local(2026, 6, 10, 11), category="labour_wages", status="resolved")
    for day in range(1, 8):
        plant(local(2026, 6, day, 10), category="neighbour", status="closed")


def test_a_weekly_briefing_in_word_and_pdf(api, week_of_cases, now, tmp_path):
    from docx import Document

    county = api("county")
    response = county.post(
        "/analytics/briefings", {"region": COUNTY, "cycle": "weekly", "date": "2026-06-10"}
    )
    assert response.status_code == 201, response.content
    briefing = response.json()
    assert briefing["period"] == ["2026-06-08", "2026-06-14"]
    stats = county.get("/stats", region=COUNTY, **{"from": "2026-06-08", "to": "2026-06-14"}).json()
    figures = briefing["figures"]
    assert figures["received"] == stats["received"] == 9
    assert figures["resolved"] == stats["resolved"] == 8
    assert figures["resolution_rate"] == stats["resolution_rate"]
    assert figures["previous_received"] == 7
    assert figures["open_overdue"] == 1

    word = county.client.get(briefing["docx"], HTTP_AUTHORIZATION=f"Bearer {county.token}")
    assert word.status_code == 200
    document = Document(io.BytesIO(word.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "枫溪县矛盾纠纷排查化解周报" in text
    assert "共受理各类矛盾纠纷和群众诉求 9 件" in text and "上期 7 件" in text
    assert "化解率 88.9%" in text
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"邻里纠纷", "劳动争议纠纷(含欠薪)", "超期"} <= cells
    assert len(document.inline_shapes) >= 2  # the charts

    pdf = county.client.get(briefing["pdf"], HTTP_AUTHORIZATION=f"Bearer {county.token}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert shutil.which("pdftoppm"), "poppler-utils is needed to render the PDF"
    (tmp_path / "briefing.pdf").write_bytes(pdf.content)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "briefing.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    from PIL import Image

    with Image.open(pages[0]) as image:
        assert image.width > 300 and image.height > image.width  # portrait A4
        colours = image.convert("L").getextrema()
        assert colours[0] < 100  # there is ink on the page

    # Listed for the county, downloadable by its leader, not by another township.
    assert [b["id"] for b in api("leader").get("/analytics/briefings").json()["results"]] == [briefing["id"]]
    town2 = api("town2")
    assert town2.client.get(briefing["pdf"], HTTP_AUTHORIZATION=f"Bearer {town2.token}").status_code == 404
    assert town2.post("/analytics/briefings", {"region": COUNTY, "cycle": "daily"}).status_code == 404
    future = county.post("/analytics/briefings", {"region": COUNTY, "cycle": "daily", "date": "2026-07-01"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "date"
