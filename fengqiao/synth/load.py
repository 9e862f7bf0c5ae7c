"""`fengqiao synth`: build the province, then stream its cases into the database."""

import os
import resource
import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.accounts.standard_units import units_for
from fengqiao.cases.models import CaseSequence
from fengqiao.regions import locate
from fengqiao.regions.models import Region

from . import cases, columns, tree

CHUNK = 100_000  # cases per chunk: the first chunk's text is waited for, the others overlap the COPY
LEVEL_DIGITS = {"village": 12, "town": 9, "county": 6, "city": 4}


def build_province(province: str, grids: int, say) -> list[Region]:
    if Region.objects.filter(code=province.ljust(12, "0")).exists():
        say(f"province {province} already present")
        return list(Region.objects.filter(code__startswith=province, kind="grid").order_by("code"))
    started = time.monotonic()
    regions = tree.build_regions(province, tree.shape_for(grids))
    with transaction.atomic():
        Region.objects.bulk_create(regions, batch_size=5000)
        units = [
            unit
            for region in regions
            if region.kind not in ("grid", "province")
            for unit in units_for(region)
        ]
        Unit.objects.bulk_create(units, batch_size=5000)
    locate.invalidate()
    say(f"{len(regions)} regions, {len(units)} units in {time.monotonic() - started:.1f} s")
    return [region for region in regions if region.kind == "grid"]


def unit_map(grids: list[Region]) -> dict:
    """(grid code, level) -> the id of the centre handling that level for the grid."""
    centres = dict(
        Unit.objects.filter(kind=Unit.Kind.CENTRE, region__code__startswith=grids[0].code[:2]).values_list(
            "region_id", "pk"
        )
    )
    mapping = {}
    for grid in grids:
        for level, digits in LEVEL_DIGITS.items():
            mapping[(grid.code, level)] = centres[grid.code[:digits].ljust(12, "0")]
    return mapping


def _advance_sequences(taken: dict) -> None:
    existing = set(CaseSequence.objects.values_list("key", flat=True))
    CaseSequence.objects.bulk_create(
        [CaseSequence(key=key, value=value) for key, value in taken.items() if key not in existing],
        batch_size=5000,
    )
    for key, value in taken.items():
        if key in existing:
            CaseSequence.objects.filter(key=key, value__lt=value).update(value=value)


@contextmanager
def rollups_suspended(timing: dict, county_codes: list[str]):
    """The statistics rollup's triggers suspended for the load, in one transaction (other sessions'
    writes to the case table wait for it), and the rollup brought up to date after it from the
    loaded chunks' counts (fengqiao.cases.rollups.bulk_load), where that module exists. Yields a
    list the load appends each chunk's counts to (columns.chunk_counts); None: no rollup. The
    update's seconds go to timing["rollup"]."""
    try:
        from fengqiao.cases.rollups import bulk_load
    except ImportError:
        yield None
        return
    started = None
    try:
        with bulk_load() as load:
            counts: list = []
            yield counts
            started = time.monotonic()
            load.counted(columns.count_tables(columns.merge_counts(counts), county_codes))
    finally:
        if started is not None:
            timing["rollup"] = time.monotonic() - started


def synthesise(
    province: str,
    grids: int,
    count: int,
    years: int,
    seed: int,
    password: str | None,
    say,
    *,
    drop_indexes: bool | None = None,
    ceiling: bool = False,
    workers: int | None = None,
) -> dict:
    """Build the province and load `count` cases.

    drop_indexes: on PostgreSQL, load with the case table's secondary indexes dropped and rebuild
    them after. None (the default) does so only when the case table is empty: dropping indexes
    under a live system would make its queries crawl. ceiling: also COPY the same rows into an
    unindexed copy of the case table and report that time (the raw COPY ceiling); when the load
    drops and rebuilds the indexes, also build the case table's indexes on that copy afterwards
    (cases.build_ceiling_indexes: same definitions, same way) and report that time apart: the COPY
    plus the index builds is the ceiling of a load that must leave its indexes. workers: on
    PostgreSQL, processes building the COPY text of the next chunks while this one feeds the server
    (None: one per core but one; 0: build it here). The rows are the same whatever the number.
    """
    from fengqiao.cases.models import Case

    grid_regions = build_province(province, grids, say)
    codes = [grid.code for grid in grid_regions]
    names = [
        grid.name.replace("第1网格", "").replace("第2网格", "").replace("第3网格", "")
        for grid in grid_regions
    ]
    units = unit_map(grid_regions)
    now = timezone.now().replace(microsecond=0)
    postgres = connection.vendor == "postgresql"
    if workers is None:
        workers = max(1, (os.cpu_count() or 2) - 1)
    empty = not Case.objects.exists()
    if drop_indexes is None:
        drop_indexes = empty
    drop_indexes = drop_indexes and postgres
    timing: dict = {}
    if ceiling and postgres:
        timing["ceiling"] = "synth_copy_ceiling"
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS synth_copy_ceiling")
            # Same columns, defaults, identity and checks; no indexes, no foreign keys.
            cursor.execute(
                f"CREATE TABLE synth_copy_ceiling (LIKE {Case._meta.db_table} "
                "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS) WITH (autovacuum_enabled = false)"
            )
    # Numbers go on from the counters the live intake uses (an earlier synth run, real cases), and the
    # counters are moved past what this run used, so the next case taken that day gets a free number.
    taken: dict = dict(CaseSequence.objects.values_list("key", "value"))
    started = time.monotonic()
    cpu_started = time.process_time()
    children_started = resource.getrusage(resource.RUSAGE_CHILDREN)
    written = 0
    # Each chunk is an equal slice of time, oldest first, so numbers stay in order within a day.
    chunks = columns.chunk_specs(count, years, now, seed, CHUNK)
    pool_args = cases.province_pools(codes, names, units)
    pools = columns.Pools(*pool_args)
    # The indexes are rebuilt after the rollup's transaction commits, in other connections.
    with (
        cases.indexes_dropped(say, unique=empty, timing=timing) if drop_indexes else nullcontext(),
        rollups_suspended(timing, pools.county_codes) as counts,
    ):
        if postgres:
            written = cases.copy_chunks(chunks, pool_args, taken, workers, timing, say, counts)
        else:
            for chunk in chunks:
                generated = cases.generate(
                    chunk.size, codes, units, chunk.now, chunk.years, chunk.seed, chunk.end
                )
                written += cases.load(cases.rows(generated, codes, names, units, taken), timing=timing)
                if counts is not None:
                    counts.append(columns.chunk_counts(generated, pools.county_of_grid))
                say(f"{written} cases, {written / (time.monotonic() - started):,.0f} cases/s")
        loaded = time.monotonic()
    # The ceiling's COPY ran inside the loop: it is not part of the load's own time.
    elapsed = time.monotonic() - started - timing.get("ceiling_copy", 0.0)
    rebuild = time.monotonic() - loaded - timing.get("rollup", 0.0)
    cpu = time.process_time() - cpu_started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = children.ru_utime + children.ru_stime - children_started.ru_utime - children_started.ru_stime
    if timing.get("ceiling"):
        if drop_indexes:
            started_indexes, builders = time.monotonic(), []
            cases.build_ceiling_indexes(timing["ceiling"], cpu=builders)
            timing["ceiling_indexes"] = time.monotonic() - started_indexes
            timing["ceiling_indexes_cpu"] = sum(builders) if builders else None
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE synth_copy_ceiling")
    _advance_sequences(taken)
    clocks = cases.add_running_clocks(now - timedelta(days=60))
    if password:
        for username, role, region in (
            ("synth-admin", Role.ADMIN, province.ljust(12, "0")),
            ("synth-county", Role.CENTRE_STAFF, codes[0][:6].ljust(12, "0")),
        ):
            user = User.objects.filter(username=username).first() or User(username=username)
            user.role, user.region_id = role, region
            user.set_password(password)
            user.save()
    return {
        "cases": written,
        "seconds": elapsed,
        "rate": written / elapsed if elapsed else 0,
        "cpu_seconds": cpu,
        "worker_cpu_seconds": worker_cpu,
        "indexes_dropped": drop_indexes,
        "copy_seconds": timing.get("copy"),
        "text_seconds": timing.get("text"),
        "wait_seconds": timing.get("wait"),
        "rebuild_seconds": rebuild if drop_indexes else None,
        "workers": workers if postgres else 0,
        "rollup_seconds": timing.get("rollup"),
        "ceiling_seconds": timing.get("ceiling_copy"),
        "ceiling_indexes_seconds": timing.get("ceiling_indexes"),
        # The building server processes' CPU, when the server is on this machine (else None).
        "ceiling_indexes_server_cpu_seconds": timing.get("ceiling_indexes_cpu"),
        "index_builds_seconds": timing.get("index_builds"),
        "index_builds_server_cpu_seconds": timing.get("index_builds_cpu"),
        "analyze_seconds": timing.get("analyze"),
        "analyze_server_cpu_seconds": timing.get("analyze_cpu"),
        "clocks": clocks,
        "grids": len(codes),
    }
