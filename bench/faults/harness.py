"""The fault-run harness shared by bench/faults/intake_faults.py and the short version in the test
suite (fengqiao/web/tests/test_fault_intake.py).

Clients post cases to POST /api/v1/cases, each with its own client_id, and retry the very same
body until it is acknowledged (200 or 201), as the offline grid app does, while faults are
injected: the server killed with SIGKILL (all its processes at once) and restarted, or the
database restarted. Afterwards `verify` checks the database: every acknowledged case is stored
exactly once under the number the client was told, and no client_id was stored twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FENGQIAO = ROOT / ".venv" / "bin" / "fengqiao"
DESCRIPTIONS = [
    "邻居在楼道堆放杂物,占用消防通道,多次协商未果",
    "村道路灯损坏三盏,夜间出行不便",
    "工地拖欠工资,涉及工人多名",
    "养殖场排放污水,气味难闻,影响周边居民",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`fengqiao serve` (gunicorn) in its own process group, so SIGKILL takes master and
    workers down together, as a power cut or the OOM killer would."""

    def __init__(self, env: dict, workers: int = 2, log: Path | None = None, cwd: Path = ROOT):
        self.env, self.workers, self.cwd = env, workers, cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log or os.devnull, "a")  # noqa: SIM115
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 240) -> float:
        """Start and wait until /healthz answers; the seconds it took."""
        began = time.time()
        args = [str(FENGQIAO), "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        args += ["--no-collectstatic", "--skip-checks"]
        self.process = subprocess.Popen(
            args,
            env=self.env,
            cwd=self.cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1
        while time.time() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"fengqiao serve exited ({self.process.returncode})")
            try:
                # A long timeout: after a restart under load, the health check queues behind the
                # clients' retries.
                with urllib.request.urlopen(self.url + "/healthz", timeout=30) as answer:
                    if answer.status == 200:
                        return time.time() - began
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("fengqiao serve did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: no graceful shutdown, requests cut mid-flight."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def get_token(url: str, username: str, password: str) -> str:
    request = urllib.request.Request(
        url + "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["token"]


@dataclass
class Tally:
    sent: dict = field(default_factory=dict)  # client_id -> number of attempts
    acknowledged: dict = field(default_factory=dict)  # client_id -> case number answered
    created: int = 0  # answered 201
    replayed: int = 0  # answered 200: a retry of a case already stored
    failures: Counter = field(default_factory=Counter)  # "connection", "timeout", "http 500"…
    refused: Counter = field(default_factory=Counter)  # 4xx answers: a bug in the run itself
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict:
        return {
            "requests_sent": sum(self.sent.values()),
            "cases_submitted": len(self.sent),
            "acknowledged": len(self.acknowledged),
            "answered_201": self.created,
            "answered_200_replay": self.replayed,
            "retried_attempts": sum(self.sent.values()) - len(self.sent),
            "failed_attempts": dict(self.failures),
            "refused_4xx": dict(self.refused),
            "never_acknowledged": len(self.sent) - len(self.acknowledged),
        }


def _post(url: str, token: str, body: bytes, timeout: float):
    request = urllib.request.Request(
        url + "/api/v1/cases",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.status, json.loads(answer.read())


def client(url_of, token: str, region_codes: list[str], tally: Tally, stop: threading.Event, give_up_at_of):
    """Submit cases one after another until `stop`; retry each until acknowledged or give_up_at."""
    rng = random.Random()
    while not stop.is_set():
        client_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "client_id": client_id,
                "channel": "hotline",
                "category": "village_affairs",
                "description": f"{rng.choice(DESCRIPTIONS)}(故障演练 {client_id[:8]})",
                "region_code": rng.choice(region_codes),
            }
        ).encode()
        while time.time() < give_up_at_of():
            with tally.lock:
                tally.sent[client_id] = tally.sent.get(client_id, 0) + 1
            try:
                status, answer = _post(url_of(), token, body, timeout=15)
            except urllib.error.HTTPError as error:
                kind = f"http {error.code}"
                if 400 <= error.code < 500:
                    with tally.lock:
                        tally.refused[kind] += 1
                    break
            except TimeoutError:
                kind = "timeout"
            except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                kind = "connection"  # refused, reset, or cut mid-answer
            else:
                with tally.lock:
                    tally.acknowledged[client_id] = answer["number"]
                    if status == 201:
                        tally.created += 1
                    else:
                        tally.replayed += 1
                break
            with tally.lock:
                tally.failures[kind] += 1
            time.sleep(0.05 + rng.random() * 0.2)


def run_load(
    url_of, token, region_codes, clients: int, duration: float, faults, grace: float = 60.0
) -> Tally:
    """`clients` threads for `duration` seconds while `faults(stop_event)` runs in this thread;
    then up to `grace` seconds for the retries still under way."""
    tally, stop = Tally(), threading.Event()
    deadline = {"give_up": time.time() + duration + grace}
    threads = [
        threading.Thread(
            target=client,
            args=(url_of, token, region_codes, tally, stop, lambda: deadline["give_up"]),
            daemon=True,
        )
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    ends = time.time() + duration
    faults(ends)
    time.sleep(max(0.0, ends - time.time()))
    stop.set()
    for thread in threads:
        thread.join(grace + 20)
    return tally


def verify(tally: Tally, stored: list[tuple[str, str]]) -> dict:
    """stored: (client_id, number) of every case in the database whose client_id this run sent.
    lost = acknowledged but absent (or stored under another number); duplicates = a client_id
    stored more than once."""
    by_client: dict[str, list[str]] = {}
    for client_id, number in stored:
        by_client.setdefault(str(client_id), []).append(number)
    lost = [cid for cid, number in tally.acknowledged.items() if by_client.get(cid) != [number]]
    duplicates = [cid for cid, numbers in by_client.items() if len(numbers) > 1]
    unacknowledged_stored = sum(1 for cid in tally.sent if cid not in tally.acknowledged and cid in by_client)
    return {
        "stored": len(stored),
        "lost": len(lost),
        "duplicates": len(duplicates),
        "stored_but_never_acknowledged": unacknowledged_stored,
        "lost_examples": lost[:5],
        "ok": not lost and not duplicates and bool(tally.acknowledged) and not tally.refused,
    }
