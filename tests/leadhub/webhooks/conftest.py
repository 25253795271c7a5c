"""A small webhook receiver: a real HTTP server on loopback, in a thread, whose answers a
test scripts (2xx, 5xx, too slow), recording every request it gets."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from leadhub.statuses import WebhookStatus
from leadhub.webhooks.models import WebhookDelivery
from leadhub.webhooks.sweep import webhook_deliveries_dispatch_due


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    # What to do for each request in turn ("ok", "500", "429", "slow"); then "ok".
    script: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_move(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received(dict(self.headers.items()), body))
            move = receiver.next_move()
            if move == "slow":
                time.sleep(2.5)
            code = {"ok": 200, "500": 500, "429": 429, "slow": 200}[move]
            text = b'{"received": true}' if code == 200 else b"receiver fault"
            self.send_response(code)
            if code == 429:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            # The sender may have given up waiting (the slow answer).
            with contextlib.suppress(OSError):
                self.wfile.write(text)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/leadhub"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nothing listens on: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def quick_retries(settings) -> None:
    """Retries due at once (three of them), so a test sweeps them without waiting."""
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]
    settings.WEBHOOK_DEADLINE = 1.0


Sweep = Callable[[], int]


@pytest.fixture
def sweep(django_capture_on_commit_callbacks) -> Sweep:
    """The dispatcher's minute for webhooks, with the sends it books run as after a commit
    (tasks run inline in the tests); returns how many deliveries are still waiting."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            webhook_deliveries_dispatch_due()
        waiting = (WebhookStatus.PENDING, WebhookStatus.RETRY_WAIT)
        active = WebhookDelivery.objects.filter(endpoint__is_active=True)
        return active.filter(status__in=waiting).count()

    return run
