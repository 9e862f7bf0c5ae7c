"""Bulk import of a historical cases ledger: rows/s through `ledgers.bulk`, with and without reading
the spreadsheet, beside the ceilings measured in the same run.

    .venv/bin/python bench/bench_ledger_import.py [--rows 100000] [--json FILE]

Needs: root (or the `postgres` system user) for a throw-away PostgreSQL server (bench/pg.py).
Takes about 8 minutes at 10,000 rows and 25-35 minutes at 100,000 rows at load 8 (most of it
openpyxl's reading and the API's validation, measured for comparison, and the import).

The workbook is generated here (openpyxl write-only, seeded): rows spread over every village and
grid of the demo county, every category given (a historical ledger names it), three years of
registration dates: 70% closed (已结案), 10% resolved (已办结待核查), 20% still open (registered in
the last month); applicants named from a pool so that people recur (person files matched, shared
parties linked), half with an ID-card number, most with a phone; a respondent on every second row.

Measured, each in this process against the server (its CPU and the PostgreSQL backends' CPU
counted from /proc, the machine's load recorded):
  - reading the sheet (`ledgers.imports._read`, openpyxl read-only), and its ceiling: iterating the
    same sheet with openpyxl read-only and values_only, doing nothing with the values;
  - the import (`ledgers.bulk.import_rows` on the rows read), every stage timed;
  - the import of the same sheet again (nothing may be created);
  - the floor (the ceiling the figures are given beside): COPY of every row the import stored, in
    every table, into a copy of the database made just before the import (the live schema: all
    indexes, triggers, constraints), one transaction, each table's PostgreSQL CPU; every table's
    row count checked equal; with --floor-variants also on copies without some foreign keys or the
    case table's GIN indexes (FLOOR_VARIANTS), to show what the floor is made of;
  - the old, narrower ceiling: COPY of the bare case rows into a copy of the case table with its
    indexes (no other table), and executemany of INSERTs of them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CpuMeter,
    bench_env,
    fengqiao,
    figure,
    machine,
    process_cpu,
    wait_for_quiet,
    write_figures,
)
from pg import Postgres  # noqa: E402

TARGET = 20_000  # rows/s, issue 9 item 2
HEADERS = [
    "来源渠道",
    "事项类别",
    "标题",
    "事项描述",
    "发生时间",
    "发生地点",
    "区划代码",
    "申请人",
    "申请人电话",
    "申请人身份证号",
    "被申请人",
    "被申请人电话",
    "登记时间",
    "办理状态",
    "办结时间",
    "结案时间",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰红梅建国建华志强文斌海燕春梅"
MATTERS = {
    "neighbour": ["院墙滴水", "楼道堆放杂物", "排水沟堵塞", "噪音扰民", "共用通道被占"],
    "marriage_family": ["赡养老人费用分担", "离婚后子女抚养", "家庭财产分割", "婆媳矛盾"],
    "homestead_housing": ["宅基地界址", "建房遮挡采光", "房屋买卖过户"],
    "contract_debt": ["借款到期不还", "货款拖欠", "工程款结算"],
    "land_forest": ["山林界址", "承包地边界", "林木采伐收益分配"],
    "labour_wages": ["拖欠工资", "工伤赔偿", "解除劳动合同补偿"],
    "property_mgmt": ["物业费收取", "电梯维修资金", "小区停车位"],
    "traffic": ["电动车相撞赔偿", "农用车刮擦", "停车剐蹭"],
    "damages": ["牲畜毁坏庄稼", "装修漏水损失", "宠物咬伤"],
    "consumer": ["预付卡退费", "农资质量", "家电维修收费"],
    "village_affairs": ["村集体收益分配", "低保评定", "村道修建占地"],
    "environment": ["养殖场异味", "工厂排污", "垃圾焚烧"],
}
LABELS: dict[str, str] = {}
PHONE_PREFIXES = ["138", "139", "137", "136", "135", "150", "151", "186", "187", "188"]
QUIET = {"give_up_after": 60.0}


# ------------------------------------------------------------------------------------ the workbook


def id_number(rng: random.Random) -> str:
    from stdnum.cn import ric

    born = datetime(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
    body = f"110105{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # the function reads the digits before the last


def people_pool(rng: random.Random, size: int) -> list[tuple[str, str, str]]:
    """(name, phone, id number) of `size` people; some without a phone or an ID number."""
    pool = []
    for index in range(size):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if index % 3 else "")
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}" if rng.random() < 0.85 else ""
        number = id_number(rng) if rng.random() < 0.5 else ""
        pool.append((name, phone, number))
    return pool


def sheet_rows(count: int, places: list[str], now: datetime, seed: int = 1):
    from fengqiao.cases.codes import Category

    rng = random.Random(seed)
    LABELS.update({code: label for code, label in Category.choices})
    pool = people_pool(rng, max(count // 3, 10))
    categories = list(MATTERS)
    for index in range(count):
        category = categories[index % len(categories)]
        matter = rng.choice(MATTERS[category])
        place = rng.choice(places)
        applicant = rng.choice(pool)
        respondent = rng.choice(pool) if index % 2 == 0 else ("", "", "")
        share = rng.random()
        if share < 0.2:  # still open, registered in the last month
            reported = now - timedelta(days=rng.uniform(1, 30))
            status, resolved, closed = "待受理", None, None
        else:
            reported = now - timedelta(days=rng.uniform(40, 365 * 3))
            resolved = reported + timedelta(days=rng.uniform(1, 30))
            closed = resolved + timedelta(days=rng.uniform(0, 10)) if share >= 0.3 else None
            status = "已结案" if closed else "已办结待核查"
        description = (
            f"{applicant[0]}反映与{respondent[0] or '邻居'}因{matter}发生纠纷,"
            f"第{index % 97 + 1}组群众{rng.randrange(2, 9)}户受影响,协商{rng.randrange(1, 5)}次未果,要求调解处理"
        )
        yield [
            "窗口受理",
            LABELS[category],
            f"{matter}纠纷",
            description,
            reported - timedelta(days=rng.uniform(0, 5)),
            f"第{rng.randrange(1, 40)}组{rng.randrange(1, 200)}号",
            place,
            applicant[0],
            applicant[1],
            applicant[2],
            respondent[0],
            respondent[1],
            reported,
            status,
            resolved,
            closed,
        ]


def make_workbook(count: int, places: list[str], now: datetime) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("矛盾纠纷排查化解台账")
    sheet.append(["枫溪县矛盾纠纷排查化解台账(历史)"])
    sheet.append(HEADERS)
    for row in sheet_rows(count, places, now):
        # Whole seconds, as a ledger written by people (or exported by a system) holds them.
        sheet.append(
            [
                value.replace(tzinfo=None, microsecond=0) if isinstance(value, datetime) else value
                for value in row
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------ measuring


def measured(label: str, pg: Postgres, function):
    """(function's result, {wall_s, cpu_s of this process, postgres_s, load})."""
    quiet = wait_for_quiet(**QUIET)
    meter = CpuMeter(bench=os.getpid(), postgres=pg.postmaster_pid())
    meter.start()
    started = time.perf_counter()
    result = function()
    wall = time.perf_counter() - started
    cpu = meter.stop()
    seconds = cpu["seconds"]
    figures = {
        "wall_s": round(wall, 3),
        "cpu_s": round(seconds["bench_s"], 3),
        "postgres_cpu_s": round(seconds["postgres_s"], 3),
        "machine_busy_share": round(cpu["share"]["machine_busy"], 3),
        "others_share": round(cpu["share"]["others"], 3),
        "quiet_before": quiet,
        "loadavg": os.getloadavg(),
    }
    print(f"  {label}: {figures}", flush=True)
    return result, figures


def ceiling(pg: Postgres, numbers: list[str]) -> dict:
    """COPY, then executemany, of the stored case rows into an indexed copy of the case table."""
    columns = [
        row[0]
        for row in pg.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases_case' "
            "AND column_name <> 'id' ORDER BY ordinal_position"
        )
    ]
    listed = ", ".join(columns)
    with pg.connect() as conn, conn.cursor() as cursor:
        buffer = io.BytesIO()
        with cursor.copy(
            f"COPY (SELECT {listed} FROM cases_case WHERE number = ANY(%s)) TO STDOUT", [numbers]
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        data = buffer.getvalue()
        cursor.execute(f"SELECT {listed} FROM cases_case WHERE number = ANY(%s)", [numbers])
        values = cursor.fetchall()
    result = {}
    for method in ("copy", "executemany"):
        pg.sql("DROP TABLE IF EXISTS ceiling_case")
        pg.sql("CREATE TABLE ceiling_case (LIKE cases_case INCLUDING ALL)")
        pg.sql("ALTER TABLE ceiling_case ALTER COLUMN number TYPE varchar(40)")

        # The connection is opened before the meter starts and closed after it stops, so the
        # backend's CPU is counted (a backend that has exited is no longer in /proc).
        conn = pg.connect(autocommit=False)

        def load(method=method, conn=conn):
            with conn.cursor() as cursor:
                if method == "copy":
                    with cursor.copy(f"COPY ceiling_case ({listed}) FROM STDIN") as copy:
                        for start in range(0, len(data), 1 << 20):
                            copy.write(data[start : start + (1 << 20)])
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(
                        f"INSERT INTO ceiling_case ({listed}) VALUES ({marks})",
                        [tuple(_adapt(v) for v in row) for row in values],
                    )
            conn.commit()

        try:
            _, figures = measured(f"ceiling: {method} of {len(numbers):,} case rows", pg, load)
        finally:
            conn.close()
        figures["rows_per_s"] = round(len(numbers) / figures["wall_s"])
        figures["rows_per_cpu_s"] = round(
            len(numbers) / max(figures["cpu_s"] + figures["postgres_cpu_s"], 1e-9)
        )
        result[method] = figures
    pg.sql("DROP TABLE IF EXISTS ceiling_case")
    return result


# ------------------------------------------------------------------------------------ the full ceiling

CEILING_DB = "fengqiao_ceiling"
BEFORE_DB = "fengqiao_before"  # the database as it stood before the import: each floor starts from it
# --floor-variants: the floor again with one schema change each (by hand, on the copy only), to
# show what in the schema the floor is made of. Each is SQL run before the COPY, not measured.
FLOOR_VARIANTS = {
    "without the foreign keys of the LSH bands and the links": [
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid IN ('triage_textband'::regclass, 'cases_caselink'::regclass)"
    ],
    "without any foreign key check on the tables written": [
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid IN ('triage_textband'::regclass, 'cases_caselink'::regclass, "
        "'cases_timelineentry'::regclass, 'cases_party'::regclass, 'cases_clock'::regclass, "
        "'triage_textsignature'::regclass, 'cases_assignment'::regclass, 'cases_case'::regclass, "
        "'people_person'::regclass)"
    ],
    "without the case table's GIN indexes (text search)": [
        "SELECT format('DROP INDEX %s', i.indexrelid::regclass) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
        "WHERE i.indrelid = 'cases_case'::regclass AND a.amname = 'gin'"
    ],
}


def table_state(pg: Postgres) -> dict:
    """Every table of the live schema: its row count, its largest id (tables with an integer id)
    and, for the small tables keyed otherwise (case numbers), its rows."""
    state = {}
    tables = [
        row[0]
        for row in pg.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    with pg.connect() as conn, conn.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s ORDER BY ordinal_position",
                [table],
            )
            columns = dict(cursor.fetchall())
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            entry = {"count": cursor.fetchone()[0], "columns": list(columns)}
            if columns.get("id") in ("bigint", "integer"):
                cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
                entry["max_id"] = cursor.fetchone()[0]
            elif "case_id" not in columns and entry["count"] <= 100_000:
                cursor.execute(f'SELECT * FROM "{table}"')
                entry["rows"] = {repr(row): row for row in cursor.fetchall()}
            state[table] = entry
    return state


def prepare_full_ceiling(pg: Postgres) -> dict:
    """Before the import: a copy of the database as it stands (CREATE DATABASE … TEMPLATE: the
    same schema, indexes, triggers, constraints and rows), and the state of every table."""
    from django.db import connections

    connections.close_all()
    pg.sql(f'DROP DATABASE IF EXISTS "{BEFORE_DB}"', dbname="postgres")
    pg.sql(f'CREATE DATABASE "{BEFORE_DB}" TEMPLATE "{pg.dbname}"', dbname="postgres")
    return table_state(pg)


def full_ceiling(pg: Postgres, before: dict, variant: list[str] = (), label: str = "") -> dict:
    """The floor of any import of these rows: every row the import stored (taken from the
    database after it), written by COPY into the copy made before it — the live schema with every
    index, trigger and constraint — in one transaction, durably committed. Rows that triggers
    write (the statistics deltas) are left to the triggers, as in the import. A table keyed
    otherwise than by id or case (the case numbers) gets its new and changed rows as the import
    gives them: one INSERT … ON CONFLICT DO UPDATE from a COPY into a temporary table. Then every
    table's row count is compared with the imported database's."""
    from django.db import connections

    from fengqiao.cases.rollups import DELTA

    connections.close_all()
    after = table_state(pg)
    changed = [
        table
        for table in after
        if after[table]["count"] != before[table]["count"]
        or ("rows" in before[table] and before[table]["rows"].keys() != after[table].get("rows", {}).keys())
    ]
    first_case = before["cases_case"]["max_id"]
    plan = []  # (table, select, upsert key or None)
    for table in changed:
        if table == DELTA:
            continue
        columns = ", ".join(f'"{c}"' for c in after[table]["columns"])
        if "max_id" in before[table]:
            plan.append(
                (table, f'SELECT {columns} FROM "{table}" WHERE id > {before[table]["max_id"]}', None)
            )
        elif "case_id" in after[table]["columns"]:
            plan.append((table, f'SELECT {columns} FROM "{table}" WHERE case_id > {first_case}', None))
        else:
            plan.append((table, f'SELECT {columns} FROM "{table}"', "upsert"))
    data: dict[str, bytes] = {}
    with pg.connect() as conn, conn.cursor() as cursor:
        for table, select, upsert in plan:
            buffer = io.BytesIO()
            if upsert:
                # Small tables of keys and counters (case numbers): text COPY format by hand.
                for key, row in after[table]["rows"].items():
                    if key not in before[table]["rows"]:
                        line = "\t".join("\\N" if v is None else str(v) for v in row)
                        buffer.write(line.encode() + b"\n")
            else:
                with cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
                    for chunk in copy:
                        buffer.write(chunk)
            data[table] = buffer.getvalue()
    order = sorted(plan, key=lambda item: (item[0] != "people_person", item[0] != "cases_case", item[0]))
    pg.sql(f'DROP DATABASE IF EXISTS "{CEILING_DB}"', dbname="postgres")
    pg.sql(f'CREATE DATABASE "{CEILING_DB}" TEMPLATE "{BEFORE_DB}"', dbname="postgres")
    for query in variant:  # a schema change by hand, on the copy only (--floor-variants)
        for (statement,) in pg.sql(query, dbname=CEILING_DB):
            pg.sql(statement, dbname=CEILING_DB)
    conn = pg.connect(dbname=CEILING_DB, autocommit=False)
    per_table: dict[str, dict] = {}
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        conn.commit()

        def load():
            with conn.cursor() as cursor:
                for table, _, upsert in order:
                    cpu0, wall0 = process_cpu(backend), time.perf_counter()
                    columns = ", ".join(f'"{c}"' for c in after[table]["columns"])
                    target = table
                    if upsert:
                        target = f"ceiling_{table}"
                        cursor.execute(f'CREATE TEMP TABLE "{target}" (LIKE "{table}") ON COMMIT DROP')
                    with cursor.copy(f'COPY "{target}" ({columns}) FROM STDIN') as copy:
                        blob = data[table]
                        for start in range(0, len(blob), 1 << 20):
                            copy.write(blob[start : start + (1 << 20)])
                    if upsert:
                        key = primary_key(cursor, table)
                        rest = [c for c in after[table]["columns"] if c not in key]
                        cursor.execute(
                            f'INSERT INTO "{table}" SELECT * FROM "{target}" ON CONFLICT ({", ".join(key)}) DO UPDATE '
                            f"SET {', '.join(f'{c} = excluded.{c}' for c in rest)}"
                        )
                    per_table[table] = {
                        "rows": data[table].count(b"\n"),
                        "wall_s": round(time.perf_counter() - wall0, 3),
                        "backend_cpu_s": round(process_cpu(backend) - cpu0, 3),
                    }
            cpu0, wall0 = process_cpu(backend), time.perf_counter()
            conn.commit()
            per_table["commit"] = {
                "wall_s": round(time.perf_counter() - wall0, 3),
                "backend_cpu_s": round(process_cpu(backend) - cpu0, 3),
            }

        _, figures = measured(f"ceiling: COPY of every row the import stored, live schema{label}", pg, load)
    finally:
        conn.close()
    copied = table_state_counts(pg, CEILING_DB, list(after))
    figures["tables"] = per_table
    figures["rows"] = sum(item.get("rows", 0) for item in per_table.values())
    figures["same_counts"] = {table: copied[table] == after[table]["count"] for table in after}
    figures["all_same"] = all(figures["same_counts"].values())
    print(f"  full ceiling per table: {per_table}", flush=True)
    print(f"  every table's count equal to the import's: {figures['all_same']}", flush=True)
    pg.sql(f'DROP DATABASE IF EXISTS "{CEILING_DB}"', dbname="postgres")
    return figures


def primary_key(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
        [table],
    )
    return [f'"{row[0]}"' for row in cursor.fetchall()]


def table_state_counts(pg: Postgres, dbname: str, tables: list[str]) -> dict[str, int]:
    with pg.connect(dbname=dbname) as conn, conn.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


def reading_alone(count: int, places: list[str], now: datetime, pg: Postgres) -> dict:
    """Reading a large workbook (more than an upload may hold) with openpyxl and with the bulk
    import's reader, the two results compared row for row."""
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    from fengqiao.ledgers import imports, reading
    from fengqiao.web.spreadsheets import sheet_rows

    content = make_workbook(count, places, now)
    layout = imports.LAYOUTS["cases"]
    print(f"reading alone: {count:,} rows, {len(content) / 1e6:.1f} MB", flush=True)

    # Larger than an upload may be (spreadsheets.MAX_UPLOAD_BYTES, MAX_UNCOMPRESSED_BYTES): opened
    # without those checks.
    def by_openpyxl():
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = imports._read_sheet(book.worksheets[0], layout, limit=count)
        book.close()
        return rows

    def raw_openpyxl():
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        return sum(1 for _ in sheet_rows(book.worksheets[0]))

    result = {"rows": count, "bytes": len(content)}
    _, result["openpyxl_iteration"] = measured("openpyxl read-only iteration", pg, raw_openpyxl)
    slow, result["openpyxl_read"] = measured("imports._read_sheet over openpyxl", pg, by_openpyxl)
    _, result["calamine_to_python"] = measured(
        "python-calamine to_python",
        pg,
        lambda: len(CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()),
    )
    fast, result["calamine_read"] = measured(
        "ledgers.reading (calamine) + imports._read_sheet",
        pg,
        lambda: imports._read_sheet(reading._Rows(reading.calamine_rows(io.BytesIO(content))), layout, count),
    )
    result["same_rows"] = fast == slow
    assert result["same_rows"], "the two readers differ"
    for key in ("openpyxl_iteration", "openpyxl_read", "calamine_to_python", "calamine_read"):
        result[key]["rows_per_cpu_s"] = round(count / max(result[key]["cpu_s"], 1e-9))
    return result


def _adapt(value):
    from psycopg.types.json import Jsonb

    return Jsonb(value) if isinstance(value, dict | list) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print cProfile's hot spots of the import")
    parser.add_argument(
        "--json", type=Path, help="write the figures (bench.common.write_figures) to this file"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait up to this long for an idle machine"
    )
    parser.add_argument(
        "--floor-variants",
        action="store_true",
        help="also measure the floor with the foreign keys or the case table's GIN indexes dropped (on a copy)",
    )
    parser.add_argument(
        "--read-rows",
        type=int,
        default=0,
        help="also measure reading alone (openpyxl and python-calamine) on a workbook of this many rows",
    )
    args = parser.parse_args()
    QUIET["give_up_after"] = args.quiet_wait
    report: dict = {"machine": machine(), "rows": args.rows}
    pg = Postgres()
    url = pg.start()
    report["postgres"] = {"version": pg.version, "settings": pg.settings}
    try:
        env = bench_env(url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
        fengqiao(env, "migrate", "-v0")
        fengqiao(env, "loaddemo", "--no-history")
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection
        from python_calamine import CalamineWorkbook

        from fengqiao.accounts.models import User
        from fengqiao.cases.models import Case, CaseLink, Clock, Party, TimelineEntry
        from fengqiao.ledgers import bulk, imports, reading
        from fengqiao.ledgers.checking import Checker
        from fengqiao.people.models import Person
        from fengqiao.regions.models import Region
        from fengqiao.web.spreadsheets import open_workbook

        user = User.objects.get(username="county")
        places = list(
            Region.objects.filter(code__startswith="990102", kind__in=["village", "grid"]).values_list(
                "code", flat=True
            )
        )
        now = datetime.now(UTC)
        started = time.perf_counter()
        content = make_workbook(args.rows, places, now)
        report["workbook"] = {"bytes": len(content), "build_s": round(time.perf_counter() - started, 1)}
        print(f"workbook: {args.rows:,} rows, {len(content) / 1e6:.1f} MB", flush=True)

        def raw_parse():
            book = open_workbook(io.BytesIO(content))
            count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
            book.close()
            return count

        _, raw = measured("openpyxl read-only iteration (parse ceiling)", pg, raw_parse)
        _, raw_calamine = measured(
            "python-calamine, the whole sheet as Python values (the fast reader's ceiling)",
            pg,
            lambda: len(
                CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
            ),
        )
        layout = imports.LAYOUTS["cases"]
        slow_rows, slow_parse = measured(
            "reading the sheet with openpyxl (imports._read, the row-by-row import's reader)",
            pg,
            lambda: imports._read(io.BytesIO(content), layout, limit=bulk.BULK_MAX_ROWS),
        )
        rows, parse = measured(
            "reading the sheet (ledgers.reading.read, the bulk import's reader)",
            pg,
            lambda: reading.read(io.BytesIO(content), layout, limit=bulk.BULK_MAX_ROWS),
        )
        assert len(rows) == args.rows, len(rows)
        assert rows == slow_rows, "the two readers differ"
        del slow_rows
        _, validation = measured(
            "the API's validation alone (imports._submission: CaseIn, phone and ID numbers)",
            pg,
            lambda: [imports._submission(cells, layout) for _, cells in rows],
        )
        checker = Checker(layout)
        _, fast_validation = measured(
            "the bulk import's validation (ledgers.checking.Checker, CaseIn's verdict)",
            pg,
            lambda: [checker.submission(cells) for _, cells in rows],
        )
        if args.read_rows:
            report["read_only"] = reading_alone(args.read_rows, places, now, pg)
        timings: dict = {}
        profiler = cProfile.Profile() if args.profile else None

        def run_import():
            if profiler is None:
                return bulk.import_rows("cases", rows, user, timings=timings)
            return profiler.runcall(bulk.import_rows, "cases", rows, user, timings=timings)

        before = prepare_full_ceiling(pg)
        pg.sql("SELECT pg_stat_statements_reset()")
        result, load = measured("import (ledgers.bulk.import_rows)", pg, run_import)
        statements = pg.sql(
            "SELECT s.calls, round(s.total_exec_time::numeric, 1), s.rows, "
            "left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
            "ORDER BY s.total_exec_time DESC LIMIT 12"
        )
        print("  the import's statements (pg_stat_statements: calls, ms, rows, statement):", flush=True)
        for calls, ms, count, query in statements:
            print(f"    {calls:>7,} {float(ms):>10,.1f} ms {count:>9,}  {query}", flush=True)
        report["statements"] = [[calls, float(ms), count, query] for calls, ms, count, query in statements]
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
            print(out.getvalue(), flush=True)
        assert len(result.created) == args.rows, (len(result.created), len(result.existing))
        stored = {
            "cases": Case.objects.count(),
            "open_cases": Case.objects.filter(status="reported").count(),
            "parties": Party.objects.count(),
            "people": Person.objects.count(),
            "timeline_entries": TimelineEntry.objects.count(),
            "clocks": Clock.objects.count(),
            "links": CaseLink.objects.count(),
        }
        print(f"  stored: {stored}", flush=True)
        print("  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()), flush=True)
        again, reload = measured("the same rows again", pg, lambda: bulk.import_rows("cases", rows, user))
        assert not again.created and len(again.existing) == args.rows
        assert Case.objects.count() == stored["cases"]
        connection.close()
        full = full_ceiling(pg, before)
        assert full["all_same"], full["same_counts"]
        variants = {}
        for name, sql in FLOOR_VARIANTS.items() if args.floor_variants else ():
            variants[name] = full_ceiling(pg, before, sql, f", {name}")
        pg.sql(f'DROP DATABASE IF EXISTS "{BEFORE_DB}"', dbname="postgres")
        ceilings = ceiling(pg, result.created)

        rows_s = args.rows / load["wall_s"]
        with_parse_s = args.rows / (load["wall_s"] + parse["wall_s"])
        cpu_rows_s = args.rows / max(load["cpu_s"] + load["postgres_cpu_s"], 1e-9)
        parse_rows_s = args.rows / parse["wall_s"]
        raw_rows_s = args.rows / raw["wall_s"]
        load_note = (
            f"load average {load['loadavg'][0]:.1f}, other processes {load['others_share']:.0%} of the CPUs; "
            f"CPU {load['cpu_s']:.1f} s Python + {load['postgres_cpu_s']:.1f} s PostgreSQL"
        )
        # The floor: every row the import stored, COPYed into the live schema (full_ceiling).
        floor_cpu = full["cpu_s"] + full["postgres_cpu_s"]
        floor_rows_s = round(args.rows / full["wall_s"])
        floor_cpu_rows_s = round(args.rows / max(floor_cpu, 1e-9))
        import_cpu = load["cpu_s"] + load["postgres_cpu_s"]
        floor_note = (
            f"{full['rows']:,} table rows for {args.rows:,} ledger rows; ceiling CPU {full['cpu_s']:.2f} s client + "
            f"{full['postgres_cpu_s']:.2f} s PostgreSQL ({1000 * floor_cpu / args.rows:.3f} ms a ledger row); "
            f"import {1000 * load['cpu_s'] / args.rows:.3f} + {1000 * load['postgres_cpu_s'] / args.rows:.3f} ms "
            f"a row (Python + PostgreSQL); load {full['loadavg'][0]:.1f} at the ceiling"
        )
        figures = [
            figure(
                "bulk ledger import, rows/s without reading the sheet",
                round(rows_s),
                "rows/s",
                target=f">= {TARGET:,} rows/s",
                met=rows_s >= TARGET,
                ceiling_name="COPY of every row the import stored into the live schema (one transaction)",
                ceiling_value=floor_rows_s,
                note=load_note,
            ),
            figure(
                "bulk ledger import, ledger rows per CPU second (Python + PostgreSQL), beside the floor",
                round(args.rows / max(import_cpu, 1e-9)),
                "rows/CPU-s",
                target=f">= {TARGET:,} rows/s needs >= {TARGET // 2:,} rows per CPU second on 2 cores",
                met=args.rows / max(import_cpu, 1e-9) >= TARGET / 2,
                ceiling_name="COPY of every row the import stored into the live schema, CPU (client + PostgreSQL)",
                ceiling_value=floor_cpu_rows_s,
                note=floor_note,
            ),
            figure(
                "the floor itself: COPY of every row a ledger import stores, ledger rows per CPU second",
                floor_cpu_rows_s,
                "rows/CPU-s",
                target=f"20,000 rows/s on 2 cores needs >= {TARGET // 2:,} rows per CPU second",
                met=floor_cpu_rows_s >= TARGET / 2,
                note=f"{floor_rows_s:,} ledger rows/s wall; {floor_note}",
            ),
            figure(
                "bulk ledger import, rows/s with reading the sheet",
                round(with_parse_s),
                "rows/s",
                target=f">= {TARGET:,} rows/s",
                met=with_parse_s >= TARGET,
                ceiling_name="COPY of every row the import stored into the live schema (one transaction)",
                ceiling_value=floor_rows_s,
                note=f"reading {parse['wall_s']:.1f} s + import {load['wall_s']:.1f} s",
            ),
            figure(
                "bulk ledger import, rows per CPU second (Python + PostgreSQL)",
                round(cpu_rows_s),
                "rows/CPU-s",
                ceiling_name="COPY of the bare case rows only into an indexed copy of the case table (CPU)",
                ceiling_value=ceilings["copy"]["rows_per_cpu_s"],
                note="the figure least affected by other work on the machine; the case rows are one "
                f"table of the {full['rows'] / args.rows:.1f} rows a ledger row stores",
            ),
            figure(
                "bulk ledger import with reading the sheet, rows per CPU second (Python + PostgreSQL)",
                round(args.rows / max(parse["cpu_s"] + load["cpu_s"] + load["postgres_cpu_s"], 1e-9)),
                "rows/CPU-s",
                target=f">= {TARGET:,} rows/s needs >= {TARGET // 2:,} rows per CPU second on 2 cores",
                met=args.rows / max(parse["cpu_s"] + load["cpu_s"] + load["postgres_cpu_s"], 1e-9)
                >= TARGET / 2,
                ceiling_name="COPY of the same case rows (PostgreSQL CPU)",
                ceiling_value=ceilings["copy"]["rows_per_cpu_s"],
                note=f"reading {parse['cpu_s']:.2f} s + import {load['cpu_s']:.2f} s Python + "
                f"{load['postgres_cpu_s']:.2f} s PostgreSQL CPU",
            ),
            figure(
                "the API's validation alone (CaseIn per row, as both import paths and the API run it)",
                round(args.rows / validation["wall_s"]),
                "rows/s",
                target=f">= {TARGET:,} rows/s (a bound on any import that validates like the API)",
                met=args.rows / validation["wall_s"] >= TARGET,
                note=f"CPU {validation['cpu_s']:.1f} s for {args.rows:,} rows",
            ),
            figure(
                "the bulk import's validation (ledgers.checking: CaseIn's verdict, fast path)",
                round(args.rows / fast_validation["wall_s"]),
                "rows/s",
                target=f">= {TARGET:,} rows/s",
                met=args.rows / fast_validation["wall_s"] >= TARGET,
                note=f"CPU {fast_validation['cpu_s']:.2f} s for {args.rows:,} rows; "
                f"CaseIn itself: CPU {validation['cpu_s']:.2f} s",
            ),
            figure(
                "reading the ledger sheet (ledgers.reading.read: python-calamine)",
                round(parse_rows_s),
                "rows/s",
                ceiling_name="python-calamine's own to_python of the same sheet",
                ceiling_value=round(args.rows / raw_calamine["wall_s"]),
                note=f"CPU {parse['cpu_s']:.2f} s; openpyxl (imports._read): {args.rows / slow_parse['wall_s']:,.0f} "
                f"rows/s, CPU {slow_parse['cpu_s']:.2f} s (its own iteration: {raw_rows_s:,.0f} rows/s); "
                f"{len(content) / 1e6:.1f} MB workbook, {len(HEADERS)} columns",
            ),
            figure(
                "the same sheet imported again (nothing created)",
                round(args.rows / reload["wall_s"]),
                "rows/s",
                note="every row found by its client id",
            ),
        ]
        for name, variant in variants.items():
            cpu = variant["cpu_s"] + variant["postgres_cpu_s"]
            figures.append(
                figure(
                    f"the floor {name} (a schema change measured by hand on a copy)",
                    round(args.rows / max(cpu, 1e-9)),
                    "rows/CPU-s",
                    ceiling_name="the floor with the schema as it is",
                    ceiling_value=floor_cpu_rows_s,
                    note=f"{variant['postgres_cpu_s']:.2f} s PostgreSQL CPU for {args.rows:,} ledger rows "
                    f"({1000 * cpu / args.rows:.3f} ms a row); commit (deferred checks) "
                    f"{variant['tables']['commit']['backend_cpu_s']:.2f} s; load {variant['loadavg'][0]:.1f}",
                )
            )
        if "read_only" in report:
            alone = report["read_only"]
            figures.append(
                figure(
                    f"reading a {alone['rows']:,}-row ledger (ledgers.reading: python-calamine), rows per CPU second",
                    alone["calamine_read"]["rows_per_cpu_s"],
                    "rows/CPU-s",
                    ceiling_name="python-calamine's own to_python",
                    ceiling_value=alone["calamine_to_python"]["rows_per_cpu_s"],
                    note=f"openpyxl: {alone['openpyxl_read']['rows_per_cpu_s']:,} rows/CPU-s "
                    f"(its bare iteration {alone['openpyxl_iteration']['rows_per_cpu_s']:,}); "
                    f"same rows: {alone['same_rows']}; {alone['bytes'] / 1e6:.1f} MB",
                )
            )
        report.update(
            raw_parse=raw,
            raw_calamine=raw_calamine,
            openpyxl_parse=slow_parse,
            validation=validation,
            fast_validation=fast_validation,
            parse=parse,
            load=load,
            stages={k: round(v, 3) for k, v in timings.items()},
            again=reload,
            stored=stored,
            ceilings=ceilings,
            full_ceiling=full,
            floor_variants=variants,
        )
        print()
        for item in figures:
            ratio = (
                f" ({item['value'] / item['ceiling_value']:.0%} of {item['ceiling']})"
                if item["ceiling_value"]
                else ""
            )
            print(f"{item['figure']}: {item['value']:,} {item['unit']}{ratio}; {item['note']}")
        if args.json:
            write_figures(args.json, "bench_ledger_import", figures, report=report)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
