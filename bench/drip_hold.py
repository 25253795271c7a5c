"""How long one vendor exchange holds its caller when the vendor drips its answer.

A loopback server answers HTTP 200 with a LeadByte-like JSON body of 110 bytes, one byte
every ``seconds_per_byte``; every socket read is in time. The exchange is
``vendors.http.http_request`` as a worker makes it, timed up to ``cap`` seconds.

    python -m bench.drip_hold [seconds_per_byte] [cap]

Needs no database (docs/reliability.md quotes its figures).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django
from django.conf import settings

from vendors.http import http_request
from vendors.results import VendorError

BODY = json.dumps(
    {
        "code": 1,
        "status": "Success",
        "message": "Lead received",
        "records": [{"id": "123456", "status": "Valid"}],
    }
).encode()


class Drip(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seconds_per_byte = 1.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        try:
            for index in range(len(BODY)):
                self.wfile.write(BODY[index : index + 1])
                self.wfile.flush()
                time.sleep(self.seconds_per_byte)
        except OSError:
            pass  # the caller hung up

    def log_message(self, format: str, *args: object) -> None:
        pass


def main(seconds_per_byte: float, cap: float) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    django.setup()
    Drip.seconds_per_byte = seconds_per_byte
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/leads"
    outcome: dict[str, str] = {}

    def call() -> None:
        try:
            answer = http_request("POST", url, json={"email": "ada@example.com"})
            outcome["said"] = f"HTTP {answer.status_code}, {len(answer.text)} characters"
        except VendorError as err:
            outcome["said"] = f"{err.condition}: {err.message}"

    started = time.monotonic()
    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(cap)
    held = time.monotonic() - started
    deadline = getattr(settings, "VENDOR_DEADLINE", None)
    head = (
        f"{len(BODY)} bytes at {seconds_per_byte:g} s a byte; read timeout "
        f"{settings.VENDOR_READ_TIMEOUT:g} s, deadline {deadline}, Q_TIMEOUT {settings.Q_TIMEOUT} s"
    )
    if caller.is_alive():
        return f"{head}: still held after {held:.1f} s (a worker is killed at Q_TIMEOUT)"
    return f"{head}: {outcome['said']} after {held:.2f} s"


if __name__ == "__main__":
    arguments = [float(a) for a in sys.argv[1:3]]
    print(main(*(arguments + [1.0, 100.0][len(arguments) :])))
