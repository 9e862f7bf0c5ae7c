import pytest
from django.core.management import call_command

from fengqiao.accounts.models import Unit
from fengqiao.cases.models import Case, Clock
from fengqiao.cases.stats import case_stats
from fengqiao.regions import locate
from fengqiao.regions.models import Region
from fengqiao.synth.tree import build_regions, shape_for


def test_the_tree_nests_and_tiles():
    regions = build_regions("97", shape_for(300))
    by_code = {region.code: region for region in regions}
    grids = [region for region in regions if region.kind == "grid"]
    assert len(grids) >= 300
    for region in regions:
        if region.parent_id:
            parent = by_code[region.parent_id]
            assert region.code.startswith(parent.prefix)
    index = locate.GridIndex.from_geojson((grid.code, grid.polygon) for grid in grids)
    for grid in grids[::17]:
        assert index.locate(grid.centroid_lat, grid.centroid_lng) == grid.code


def assert_rollup_is_the_recount():
    """The rollup synth filled from its own counts is, row for row, what a recount from the case
    table (rollups.rebuild) gives."""
    from django.db import connection

    from fengqiao.cases import rollups

    def rows():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT month, county, day, key, n FROM {rollups.ROLLUP} ORDER BY 1, 2, 3, 4")
            return [
                (bool(month), county, str(day), key, n) for month, county, day, key, n in cursor.fetchall()
            ]

    rollups.fold()
    loaded = rows()
    assert any(county.startswith("97") for _, county, _, _, _ in loaded)
    rollups.rebuild()
    assert loaded == rows()


@pytest.mark.django_db
def test_synth_loads_a_province_that_the_platform_reads(capsys):
    call_command(
        "synth", "--grids", "300", "--cases", "3000", "--years", "1", "--province", "97", "--seed", "5"
    )
    assert "3000 cases" in capsys.readouterr().out
    cases = Case.objects.filter(region__code__startswith="97")
    assert cases.count() == 3000
    assert cases.values("number").distinct().count() == 3000
    assert set(cases.values_list("category", flat=True).distinct()) >= {
        "neighbour",
        "labour_wages",
        "petition",
    }
    assert Unit.objects.filter(region__code__startswith="97", kind="centre").exists()
    stats = case_stats(Case.objects.all(), "970000000000", None, None)
    assert stats["received"] == 3000 and 0.9 < stats["resolution_rate"] <= 1
    running = Clock.objects.filter(case__region__code__startswith="97", outcome="running")
    assert running.exists()
    assert all(
        case.handling_unit.region.contains_code(case.region_id)
        for case in cases.select_related("handling_unit__region")[:50]
    )
    assert Region.objects.filter(code__startswith="97", kind="grid").count() >= 300
    # The statistics rollup (suspended for the load, rebuilt after it) answers as the case table does.
    from fengqiao.cases import rollups
    from fengqiao.cases import stats as case_stats_module

    for region in ("970000000000", cases.first().region_id[:6].ljust(12, "0")):
        assert rollups.figures(rollups.county_prefix(region), None, None) == case_stats_module._base_figures(
            Case.objects.all(), region, None, None
        )
        assert case_stats(Case.objects.all(), region, None, None) == case_stats(
            Case.objects.all(), region, None, None, use_rollup=False
        )
    assert_rollup_is_the_recount()
    # deterministic: the same seed gives the same province and the same first cases
    first = list(cases.order_by("reported_at").values_list("category", "channel", "region_id")[:20])
    assert first


@pytest.mark.django_db
def test_cases_taken_after_synth_get_free_numbers_and_a_second_run_adds_to_the_first(users):
    from fengqiao.cases.actions import Intake, create_case
    from fengqiao.cases.models import CaseSequence

    for seed in (5, 6):
        call_command(
            "synth",
            "--grids",
            "300",
            "--cases",
            "2000",
            "--years",
            "1",
            "--province",
            "97",
            "--seed",
            str(seed),
        )
    cases = Case.objects.filter(region__code__startswith="97")
    assert cases.count() == 4000 and cases.values("number").distinct().count() == 4000
    # The second run's counts were added to the first's in the rollup.
    assert_rollup_is_the_recount()
    today = cases.order_by("-reported_at").first()
    county = today.region_id[:6]
    case, _ = create_case(
        Intake(
            channel="window", description="路灯不亮", category="public_service", region_code=today.region_id
        ),
        actor=None,
    )
    assert (
        case.number.startswith(county)
        and not Case.objects.exclude(pk=case.pk).filter(number=case.number).exists()
    )
    assert CaseSequence.objects.filter(key__startswith=county).count() > 1
