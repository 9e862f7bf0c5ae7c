"""Where one intake's time goes: POST /api/v1/cases through the whole Django stack (middleware, Ninja,
token auth, create_case, the response), in one process, one request at a time.

    .venv/bin/python bench/profile_intake.py [--requests 300] [--database-url postgres://…] [--classify]

Without --database-url it starts a throw-away PostgreSQL server (bench/pg.py), migrates and loads the
demo (no history). Reports:
  - wall time per request, and the share spent waiting on the database (measured around each query);
  - every SQL statement per request, grouped by its shape, with the fengqiao function that issued it,
    calls per request and milliseconds per request;
  - the Python hot spots (cProfile over a separate run, by own time and by cumulative time within
    fengqiao's code). cProfile counts this process's CPU time (time.process_time), not wall time:
    waits on PostgreSQL and on a busy machine's other work are left out. It slows Python down, so
    its absolute times are inflated; the shares hold.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, fengqiao  # noqa: E402

FENGQIAO_DIR = str(ROOT / "fengqiao")
DESCRIPTIONS = [
    "{p}群众{n}反映:邻居{m}在楼道堆放杂物{d}余件,占用消防通道,多次协商未果。请求调解。",
    "{p}群众{n}反映:借给{m}的{d}元到期未还,对方多次催讨不予理睬。请求依法处理。",
    "{p}群众{n}反映:在{m}的工地干活,包工头拖欠工资{d}元。希望尽快解决。",
    "{p}群众{n}反映:{m}的养猪场排放污水,气味难闻,影响{d}户居民。请相关部门协调。",
    "{p}群众{n}反映:电动车与{m}驾驶的小轿车在路口相撞,损失约{d}元,对赔偿有分歧。",
    "{p}群众{n}反映:与{m}因宅基地界址发生争议,对方新建围墙越界约{d}米。",
]
CATEGORIES = ["neighbour", "contract_debt", "labour_wages", "environment", "traffic", "homestead_housing"]
PLACES = ["东门", "村口", "老街", "河边", "菜场", "三号楼", "祠堂旁", "桥头"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "秀英", "建华", "国强", "桂兰"]


def name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def body(rng, with_category: bool) -> dict:
    kind = rng.randrange(len(DESCRIPTIONS))
    text = DESCRIPTIONS[kind].format(p=rng.choice(PLACES), n=name(rng), m=name(rng), d=rng.randint(2, 999))
    payload = {
        "channel": "window",
        "description": text,
        "region_code": "990102001000",
        "client_id": str(uuid.uuid4()),
        "parties": [
            {"name": name(rng), "role": "applicant", "phone": f"138{rng.randint(0, 99999999):08d}"},
            {"name": name(rng), "role": "respondent", "phone": f"139{rng.randint(0, 99999999):08d}"},
        ],
    }
    if with_category:
        payload["category"] = CATEGORIES[kind]
    return payload


NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


def shape(sql: str) -> str:
    sql = re.sub(r'SAVEPOINT "[^"]+"', "SAVEPOINT ?", sql)  # one name per savepoint: one shape for all
    sql = NUMBERS.sub("?", sql)
    sql = re.sub(r"\((\?, )+\?\)", "(…)", sql)
    sql = re.sub(r'"[a-z_]+"\."([a-z_]+)"', r"\1", sql)  # table.column -> column
    return " ".join(sql.split())


def call_site() -> str:
    """The innermost frame in fengqiao's code that led to this query."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        if frame.filename.startswith(FENGQIAO_DIR):
            return f"{frame.filename[len(FENGQIAO_DIR) + 1 :]}:{frame.lineno} {frame.name}"
    return "(django/ninja)"


def app_of(site: str) -> str:
    """The app whose code issued a query: "triage", "cases", "people"… or "(django/ninja)"."""
    return site.split("/", 1)[0] if "/" in site else site


class QueryLog:
    def __init__(self):
        self.rows: dict[tuple[str, str], list[float]] = {}
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        site = call_site()
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            key = (shape(sql)[:160], site)
            self.rows.setdefault(key, []).append(elapsed)

    def by_app(self) -> dict[str, tuple[int, float]]:
        apps: dict[str, tuple[int, float]] = {}
        for (_, site), times in self.rows.items():
            calls, seconds = apps.get(app_of(site), (0, 0.0))
            apps[app_of(site)] = (calls + len(times), seconds + sum(times))
        return apps


class TriageMeter:
    """CPU and wall time spent inside triage's entry points as intake calls them (classification,
    routing, the assessment: de-duplication, links and risk), the database queries included."""

    ENTRY_POINTS = (
        ("fengqiao.triage.service", "routing_for"),
        ("fengqiao.triage.service", "assess"),  # before intake wrote the risk with the case's INSERT
        ("fengqiao.triage.service", "risk_of_new"),
        ("fengqiao.triage.service", "relate_new"),
        ("fengqiao.triage.classify", "classify"),
    )

    def __init__(self):
        import importlib

        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.depth = 0
        for module_name, name in self.ENTRY_POINTS:
            module = importlib.import_module(module_name)
            if hasattr(module, name):  # --source may profile a version without it
                setattr(module, name, self._wrap(name, getattr(module, name)))

    def _wrap(self, name, function):
        def timed(*args, **kwargs):
            if self.depth:
                return function(*args, **kwargs)
            self.depth += 1
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
                self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
                self.depth -= 1

        return timed

    def reset(self) -> None:
        self.cpu.clear()
        self.wall.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--classify", action="store_true", help="no category: the classifier runs")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file (bench/run.py)")
    parser.add_argument(
        "--source",
        type=Path,
        help="a directory holding a changed copy of the fengqiao package, to profile it",
    )
    args = parser.parse_args()
    if args.source:
        sys.path.insert(0, str(args.source.resolve()))
        global FENGQIAO_DIR
        FENGQIAO_DIR = str(args.source.resolve() / "fengqiao")

    pg = None
    if not args.database_url:
        from pg import Postgres

        pg = Postgres()
        pg.start()
        env = bench_env(pg.url)
        fengqiao(env, "migrate", "-v0")
        fengqiao(env, "loaddemo", "--no-history")
    else:
        env = bench_env(args.database_url, tempfile.mkdtemp(prefix="fengqiao-bench-data-"))
    os.environ.update(env)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    try:
        run(args)
    finally:
        if pg is not None:
            pg.stop()


def run(args) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    answer = client.post(
        "/api/v1/auth/token",
        {"username": "county", "password": "fengqiao-demo"},
        content_type="application/json",
    )
    token = answer.json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "REMOTE_ADDR": "127.0.0.1"}
    rng = random.Random(7)
    with_category = not args.classify

    def post():
        answer = client.post(
            "/api/v1/cases", body(rng, with_category), content_type="application/json", **headers
        )
        assert answer.status_code == 201, answer.content[:300]

    from common import wait_for_quiet

    triage_meter = TriageMeter()
    for _ in range(20):  # warm: imports, the classifier, the grid index, prepared caches
        post()

    quiet = wait_for_quiet(give_up_after=60)
    load = os.getloadavg()
    triage_meter.reset()
    log = QueryLog()
    with connection.execute_wrapper(log):
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            post()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    n = args.requests
    queries = sum(len(v) for v in log.rows.values()) / n
    print(f"{n} requests, one at a time ({'classifier runs' if args.classify else 'category given'})")
    print(
        f"  machine before: busy {quiet['busy_share']:.0%} (waited {quiet['waited_s']} s); load average {load}"
    )
    print(
        f"  wall {wall / n * 1000:.2f} ms per request; CPU of this process {cpu / n * 1000:.2f} ms per request; "
        f"{queries:.1f} queries taking {log.seconds / n * 1000:.2f} ms of wall ({log.seconds / wall:.0%}); "
        f"Python and the rest {(wall - log.seconds) / n * 1000:.2f} ms"
    )
    triage_cpu = sum(triage_meter.cpu.values())
    print(
        f"  triage (fengqiao.triage: classify, routing_for, assess or risk_of_new + relate_new) per request: CPU {triage_cpu / n * 1000:.2f} ms "
        f"({triage_cpu / cpu:.0%} of the process's CPU), wall {sum(triage_meter.wall.values()) / n * 1000:.2f} ms; "
        + ", ".join(
            f"{name} {triage_meter.cpu[name] / n * 1000:.2f} ms CPU / {triage_meter.wall[name] / n * 1000:.2f} ms wall"
            for name in sorted(triage_meter.cpu)
        )
    )
    print(
        "  queries per request by the app that issued them: "
        + "; ".join(
            f"{app} {calls / n:.1f} ({seconds / n * 1000:.2f} ms)"
            for app, (calls, seconds) in sorted(log.by_app().items(), key=lambda kv: -kv[1][0])
        )
    )
    if args.json:
        from common import figure, write_figures

        triage_queries = log.by_app().get("triage", (0, 0.0))[0] / n
        write_figures(
            args.json,
            "intake profile (one request at a time, in-process)",
            [
                figure(
                    "intake: CPU per request, in-process",
                    round(cpu / n * 1000, 2),
                    "ms",
                    note=f"{'classifier runs' if args.classify else 'category given'}; load average {load[0]:.1f}",
                ),
                figure("intake: SQL statements per request", round(queries, 1), "statements"),
                figure(
                    "intake: triage's CPU per request",
                    round(triage_cpu / n * 1000, 2),
                    "ms",
                    note=f"{triage_queries:.1f} of the statements issued by fengqiao.triage",
                ),
            ],
            wall_ms_per_request=wall / n * 1000,
            busy_before=quiet,
            loadavg=load,
        )
    print("\n  per request: calls   ms    share  statement  <- issued from")
    ranked = sorted(log.rows.items(), key=lambda kv: -sum(kv[1]))
    for (sql, site), times in ranked[: args.top]:
        print(
            f"  {len(times) / n:6.2f} {sum(times) / n * 1000:7.3f} {sum(times) / log.seconds:6.1%}  {sql[:100]}  <- {site}"
        )

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(min(n, 100)):
        post()
    profile.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats(order)
        if order == "cumulative":
            stats.print_stats(FENGQIAO_DIR, 30)
        else:
            stats.print_stats(25)
        print(f"\ncProfile by {order} ({min(n, 100)} requests):")
        text = out.getvalue()
        print(
            text[text.find("   ncalls") :]
            .replace(str(ROOT) + "/", "")
            .replace(str(ROOT / ".venv/lib/python3.11/site-packages") + "/", "")
        )


if __name__ == "__main__":
    main()
