import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fengqiao.cases.actions import Intake, PartyInput, create_case

GRID = "990102001001001"


@pytest.fixture
def case(users):
    """A calm case in town1's township (no warnings of its own)."""
    made, _ = create_case(
        Intake(
            channel="window",
            description="两家因为晾衣服的位置拌了几句嘴,请村里协调",
            category="neighbour",
            region_code=GRID,
            parties=[PartyInput("王大", "applicant", "13811112222")],
        ),
        actor=users["town1"],
    )
    return made


@pytest.fixture
def with_phone(users):
    """with_phone("town1", "13800138001") -> that demo user, now with a phone number."""

    def give(username, phone="13800138001"):
        user = users[username]
        user.phone = phone
        user.save(update_fields=["phone"])
        return user

    return give


class Gateway:
    """A local HTTP server standing in for an SMS gateway: it records every request and answers
    with the next status of `statuses` (the last one repeats)."""

    def __init__(self):
        self.requests = []
        self.statuses = [200]
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = gateway.statuses.pop(0) if len(gateway.statuses) > 1 else gateway.statuses[0]
                answer = json.dumps(
                    {"id": f"gw-{len(gateway.requests)}"} if status < 300 else {"error": "down"}
                )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def gateway(settings):
    server = Gateway()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = server.url
    settings.SMS_HTTP_TOKEN = "secret-token"
    settings.SMS_HTTP_TIMEOUT = 3
    yield server
    server.close()
