"""Helpers shared by the benchmarks: the environment of a throw-away install, CPU accounting from /proc,
and the machine's description."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
FENGQIAO = VENV_BIN / "fengqiao"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def bench_env(database_url: str, data_dir: str | None = None, source: str | None = None, **extra) -> dict:
    """The environment of a production-like install against `database_url`. `source`: a directory
    holding another copy of the `fengqiao` package (a proposed change), imported instead of this one."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        FENGQIAO_DATA=data_dir or tempfile.mkdtemp(prefix="fengqiao-bench-data-"),
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
        PYTHONPATH=f"{source}:{ROOT}" if source else str(ROOT),
    )
    env.pop("ACCESS_LOG", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def fengqiao(env: dict, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FENGQIAO), *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
    )


# ------------------------------------------------------------------------------ CPU accounting


def process_cpu(pid: int) -> float | None:
    """user + system CPU seconds of one process (None if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except OSError:
                continue
    return parents


def tree(root: int) -> set[int]:
    """The process and all its descendants."""
    parents = _parents()
    found, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    total = sum(fields)
    return (total - idle - iowait) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """CPU used by named process trees between start() and stop(), as shares of the machine."""

    def __init__(self, **roots: int | None):
        self.roots = {name: pid for name, pid in roots.items() if pid}

    def start(self) -> None:
        self.before = {name: self._snapshot(pid) for name, pid in self.roots.items()}
        self.machine_before = machine_cpu()
        self.rusage_before = os.times()

    def _snapshot(self, root: int) -> dict[int, float]:
        return {pid: cpu for pid in tree(root) if (cpu := process_cpu(pid)) is not None}

    def stop(self) -> dict:
        busy1, total1 = machine_cpu()
        busy0, total0 = self.machine_before
        times = os.times()
        result = {"machine_total_s": total1 - total0, "machine_busy_s": busy1 - busy0}
        for name, root in self.roots.items():
            now = self._snapshot(root)
            result[f"{name}_s"] = sum(cpu - self.before[name].get(pid, 0.0) for pid, cpu in now.items())
        # wrk (a finished child): the children's CPU time of this process over the window.
        result["client_s"] = (times.children_user + times.children_system) - (
            self.rusage_before.children_user + self.rusage_before.children_system
        )
        total = result["machine_total_s"] or 1.0
        shares = {key[:-2]: value / total for key, value in result.items() if key.endswith("_s")}
        shares.pop("machine_total", None)
        ours = sum(v for k, v in shares.items() if k not in ("machine_busy",))
        shares["others"] = max(0.0, shares["machine_busy"] - ours)
        return {"seconds": result, "share": shares}


def machine() -> dict:
    cpu_model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    try:
        django = subprocess.run(
            [str(VENV_BIN / "python"), "-c", "import django; print(django.get_version())"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        django = "?"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "django": django,
        "loadavg_at_start": os.getloadavg(),
    }


def sockets_to_port(root: int, port: int) -> dict[int, set[int]]:
    """TCP connections to 127.0.0.1:`port` held by the process tree under `root`: inode -> pids.
    An inode held by several processes is one connection shared across a fork."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                inodes.add(int(fields[9]))
    held: dict[int, set[int]] = {}
    for pid in tree(root):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inode = int(target[8:-1])
                if inode in inodes:
                    held.setdefault(inode, set()).add(pid)
    return held


def wait_for_quiet(max_busy: float = 0.15, window: float = 5.0, give_up_after: float = 300.0) -> dict:
    """Wait (at most give_up_after seconds) until the machine's CPUs are busy less than `max_busy`
    over a `window`: the machine may be shared with other work, which would skew a benchmark.
    Returns the busy share seen last and how long it waited."""
    started = time.time()
    while True:
        busy0, total0 = machine_cpu()
        time.sleep(window)
        busy1, total1 = machine_cpu()
        share = (busy1 - busy0) / max(total1 - total0, 1e-9)
        waited = time.time() - started
        if share <= max_busy or waited >= give_up_after:
            return {"busy_share": round(share, 3), "waited_s": round(waited, 1), "quiet": share <= max_busy}


def rss_mb(pid: int) -> float | None:
    """A process's resident set size in MB (VmRSS), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def api_token(url: str, username: str, password: str, timeout: float = 60) -> str:
    """A bearer token from the server at `url` (POST /api/v1/auth/token)."""
    import json
    import urllib.request

    request = urllib.request.Request(
        url + "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())["token"]


# ------------------------------------------------------------------------------ the production server


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`fengqiao serve` (gunicorn) on a free loopback port, in its own session: started, waited for
    until `ready_path` answers 200 (then 2 s more, for every worker to boot), stopped with SIGTERM
    (gunicorn's graceful shutdown; SIGKILL to its group after 30 s). Its output goes to a log file
    in `logdir`. Used by bench_intake.py and bench_overhead.py."""

    def __init__(
        self,
        env: dict,
        workers: int,
        logdir: Path,
        *,
        threads: int | None = None,
        collectstatic: bool = True,
        extra=(),
        ready_path: str = "/healthz",
        cwd: str | Path = ROOT,
        timeout: float = 300,
    ):
        import urllib.request

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(logdir) / f"serve-{workers}w-{self.port}.log", "w")  # noqa: SIM115
        args = [str(FENGQIAO), "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        if threads is not None:
            args += ["--threads", str(threads)]
        if not collectstatic:
            args.append("--no-collectstatic")
        args += list(extra)
        self.process = subprocess.Popen(
            args, env=env, cwd=str(cwd), stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"fengqiao serve exited ({self.process.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise SystemExit(f"fengqiao serve did not answer {ready_path} within {timeout:.0f} s")
        time.sleep(2)  # let every worker finish booting

    def worker_rss_mb(self) -> list[float]:
        """The resident memory of each of its processes other than the master, in MB."""
        sizes = (rss_mb(pid) for pid in tree(self.process.pid) - {self.process.pid})
        return sorted(round(mb, 1) for mb in sizes if mb is not None)

    def shared_db_connections(self, pg_port: int) -> list[list[int]]:
        """PostgreSQL connections held by more than one process of the server (opened in the
        gunicorn master before it forked its workers): the pids sharing each one."""
        return [sorted(pids) for pids in sockets_to_port(self.process.pid, pg_port).values() if len(pids) > 1]

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# ------------------------------------------------------------------------------ results for bench/run.py


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    target: str = "",
    met: bool | None = None,
    ceiling_name: str = "",
    ceiling_value: float | None = None,
    note: str = "",
) -> dict:
    """One row of the table bench/run.py writes to docs/PERFORMANCE.md. `ceiling_value` is the same
    quantity measured in the same run by the simplest thing that could do the job (raw COPY, a
    hand-written SQL aggregate, a minimal view...); the table reports value / ceiling."""
    return {
        "figure": name,
        "value": value,
        "unit": unit,
        "target": target,
        "met": met,
        "ceiling": ceiling_name,
        "ceiling_value": ceiling_value,
        "note": note,
    }


def write_figures(path, benchmark: str, figures: list[dict], **context) -> None:
    """Write a benchmark's figures (rows made by `figure`) as JSON for bench/run.py:
    {"benchmark", "machine", "figures": [...], ...context}."""
    import json

    Path(path).write_text(
        json.dumps({"benchmark": benchmark, "machine": machine(), "figures": figures, **context}, indent=2)
    )
