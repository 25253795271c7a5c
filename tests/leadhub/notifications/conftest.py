"""A chat webhook on loopback, over real HTTP: it records what it is sent and answers with
the status the test sets, or hangs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# The key part of the webhook's URL, as Slack's carry one.
HOOK_TOKEN = "xoxhooktoken7f3a9c2e5b1d"


@dataclass
class ChatWebhook:
    url: str
    status: int = 200
    hang_seconds: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def chat_webhook() -> Iterator[ChatWebhook]:
    hook = ChatWebhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if hook.hang_seconds:
                time.sleep(hook.hang_seconds)
            hook.received.append(json.loads(body or b"{}"))
            self.send_response(hook.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if hook.status == 200 else b"no")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_port}/services/T01/B02/{HOOK_TOKEN}"
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
