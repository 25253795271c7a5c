"""HTTP to vendors: the guarded session, the capped read, Retry-After, and every transport
failure named as the condition it means for delivery.

Against real servers on loopback: the sandbox (live server) for what a vendor does, and a
small scripted server for what no vendor should (answers cut short, lying about their
length or encoding). ``requests`` is replaced only for a connect timeout, which loopback
cannot produce.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sandbox.faults import sandbox_fault_set
from tests.conftest import LEADBYTE_KEY
from vendors import http
from vendors.http import (
    USER_AGENT,
    http_request,
    http_session,
    read_capped,
    retry_after_seconds,
)
from vendors.outcomes import Condition, Outcome
from vendors.results import VendorError

# The transport to a vendor: sockets and deadlines, the same on every database.
pytestmark = pytest.mark.db_agnostic

# --- a scripted server ------------------------------------------------------------------


class Script(BaseHTTPRequestHandler):
    """Answers each path as ROUTES says; remembers what it was asked."""

    protocol_version = "HTTP/1.1"
    hits: list[tuple[str, str, dict[str, str], bytes]] = []

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        Script.hits.append((self.command, self.path, dict(self.headers), body))
        ROUTES[path](self)

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _json(handler: Script) -> None:
    handler.send(200, b'{"status": "Success"}', {"Content-Type": "application/json"})


def _echo(handler: Script) -> None:
    _, path, headers, body = Script.hits[-1]
    answer = {"path": path, "headers": headers, "body": body.decode()}
    handler.send(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})


def _big(handler: Script) -> None:
    handler.send(500, b"x" * 300_000, {"Content-Type": "text/plain; charset=utf-8"})


def _redirect(handler: Script) -> None:
    handler.send(302, b"", {"Location": "/json"})


def _drop(handler: Script) -> None:
    # The request was read; the connection closes before a byte of answer.
    handler.close_connection = True


def _short(handler: Script) -> None:
    # Promises 1,000 bytes, sends 20, hangs up.
    handler.send(200, b'{"status": "Success"', {"Content-Length": "1000"})
    handler.close_connection = True


def _bad_gzip(handler: Script) -> None:
    handler.send(200, b"this is not gzip at all", {"Content-Encoding": "gzip"})


def _gzip(handler: Script) -> None:
    handler.send(200, gzip.compress(b'{"ok": true}'), {"Content-Encoding": "gzip"})


def _lower_case_headers(handler: Script) -> None:
    # Header names are case-insensitive (RFC 9110 §5.1); some servers send them in lower case.
    handler.send(
        429, b'{"message": "slow down"}', {"content-type": "application/json", "retry-after": "7"}
    )


def _utf8_without_charset(handler: Script) -> None:
    handler.send(200, "Offert skapad för Åsa".encode(), {"Content-Type": "text/plain"})


def _latin1(handler: Script) -> None:
    handler.send(
        200, "Offert för Åsa".encode("latin-1"), {"Content-Type": "text/plain; charset=ISO-8859-1"}
    )


def _unknown_charset(handler: Script) -> None:
    handler.send(200, "för".encode(), {"Content-Type": "text/plain; charset=klingon"})


DRIPPED = b'{"code": 1, "status": "Success", "message": "Lead received", "id": "123456"}'
DRIP_SECONDS = 0.2  # between two bytes: far inside any read timeout


def _dripping(handler: Script, head: bytes, body: bytes) -> None:
    """Writes ``head`` at once, then ``body`` a byte at a time, until the client hangs up."""
    try:
        handler.wfile.write(head)
        for index in range(len(body)):
            handler.wfile.write(body[index : index + 1])
            handler.wfile.flush()
            time.sleep(DRIP_SECONDS)
    except OSError:
        pass  # cut by the client
    handler.close_connection = True


def _drip(handler: Script) -> None:
    # A valid start, then a byte at a time; the end is the connection's close.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    _dripping(handler, head, DRIPPED)


def _drip_with_length(handler: Script) -> None:
    # The same, promising its length.
    length = f"Content-Length: {len(DRIPPED)}\r\n".encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + length + b"\r\n"
    _dripping(handler, head, DRIPPED)


def _drip_headers(handler: Script) -> None:
    # Even the status line and headers a byte at a time: no body is ever reached.
    _dripping(handler, b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 20)


ROUTES: dict[str, Callable[[Script], None]] = {
    "/drip": _drip,
    "/drip-with-length": _drip_with_length,
    "/drip-headers": _drip_headers,
    "/json": _json,
    "/echo": _echo,
    "/big": _big,
    "/redirect": _redirect,
    "/drop": _drop,
    "/short": _short,
    "/bad-gzip": _bad_gzip,
    "/gzip": _gzip,
    "/lower-case-headers": _lower_case_headers,
    "/utf8-without-charset": _utf8_without_charset,
    "/latin1": _latin1,
    "/unknown-charset": _unknown_charset,
}


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Script)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server(scripted_server: str) -> str:
    Script.hits.clear()
    return scripted_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def failure(method: str, url: str, **kwargs: object) -> VendorError:
    with pytest.raises(VendorError) as caught:
        http_request(method, url, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- answers --------------------------------------------------------------------------------


def test_an_answer_comes_back_whole_with_its_status_and_headers(server: str) -> None:
    response = http_request("GET", f"{server}/json")
    assert response.status_code == 200
    assert response.json() == {"status": "Success"}
    assert response.content_type == "application/json"
    assert response.truncated is False


def test_the_request_carries_params_json_headers_and_our_user_agent(server: str) -> None:
    response = http_request(
        "POST",
        f"{server}/echo",
        params={"campid": "X", "n": 2},
        json={"email": "ada@example.com"},
        headers={"X-Trace": "t1"},
    )
    echoed = response.json()
    assert echoed["path"] == "/echo?campid=X&n=2"
    assert json.loads(echoed["body"]) == {"email": "ada@example.com"}
    assert echoed["headers"]["X-Trace"] == "t1"
    assert echoed["headers"]["User-Agent"] == USER_AGENT
    assert echoed["headers"]["Content-Type"] == "application/json"


def test_a_header_http_cannot_carry_is_refused_before_anything_is_sent(server: str) -> None:
    # A credential with a letter outside Latin-1 (a Bearer token): http.client would raise
    # UnicodeEncodeError mid-request, out of the adapter.
    error = failure("GET", f"{server}/json", headers={"Authorization": "Bearer tĀken"})
    assert error.outcome is Outcome.REJECTED
    assert "Authorization header holds characters HTTP headers cannot carry" in error.message
    assert "tĀken" not in error.message
    assert Script.hits == []


def test_a_redirect_is_returned_as_it_is_never_followed(server: str) -> None:
    response = http_request("POST", f"{server}/redirect", json={})
    assert response.status_code == 302
    assert response.headers["Location"] == "/json"
    assert [path for _, path, _, _ in Script.hits] == ["/redirect"]


def test_an_answer_over_the_cap_is_read_up_to_it_and_marked_truncated(
    server: str, settings
) -> None:
    settings.VENDOR_MAX_RESPONSE_BYTES = 100_000
    response = http_request("GET", f"{server}/big")
    assert response.status_code == 500
    assert response.truncated is True
    assert response.text == "x" * 100_000


def test_an_answer_exactly_at_the_cap_is_whole(server: str, settings) -> None:
    settings.VENDOR_MAX_RESPONSE_BYTES = 300_000
    response = http_request("GET", f"{server}/big")
    assert response.truncated is False and len(response.text) == 300_000


def test_a_compressed_answer_is_read_decompressed(server: str) -> None:
    assert http_request("GET", f"{server}/gzip").json() == {"ok": True}


def test_header_names_are_looked_up_in_any_case(server: str) -> None:
    response = http_request("GET", f"{server}/lower-case-headers")
    assert response.content_type == "application/json"
    assert response.headers.get("Retry-After") == "7"
    assert retry_after_seconds(response.headers.get("Retry-After")) == 7.0


def test_text_without_a_charset_is_read_as_utf8(server: str) -> None:
    assert http_request("GET", f"{server}/utf8-without-charset").text == "Offert skapad för Åsa"


def test_a_declared_charset_is_honoured(server: str) -> None:
    assert http_request("GET", f"{server}/latin1").text == "Offert för Åsa"


def test_an_unknown_charset_falls_back_to_utf8(server: str) -> None:
    assert http_request("GET", f"{server}/unknown-charset").text == "för"


# --- transport failures, named ----------------------------------------------------------


def test_a_refused_connection_means_nothing_was_sent() -> None:
    error = failure("POST", f"http://127.0.0.1:{free_port()}/leads", json={})
    assert error.condition is Condition.UNREACHABLE
    assert error.message == "The vendor could not be reached (connection refused or host unknown)."
    assert isinstance(error.__cause__, requests.ConnectionError)


def test_a_connection_dropped_before_the_answer_may_have_delivered(server: str) -> None:
    error = failure("POST", f"{server}/drop", json={})
    assert error.condition is Condition.NO_ANSWER
    assert error.message == "The connection to the vendor dropped before it answered."
    assert [path for _, path, _, _ in Script.hits] == ["/drop"]  # it did arrive


def test_an_answer_shorter_than_it_said_broke_off(server: str) -> None:
    error = failure("GET", f"{server}/short")
    assert error.condition is Condition.NO_ANSWER
    assert error.message == "The vendor's answer broke off before it was complete."


def test_an_answer_that_cannot_be_decompressed_broke_off(server: str) -> None:
    error = failure("GET", f"{server}/bad-gzip")
    assert error.condition is Condition.NO_ANSWER
    assert isinstance(error.__cause__, requests.exceptions.ContentDecodingError)


@pytest.mark.parametrize(
    ("url", "headers", "kind"),
    [
        ("http://", None, "InvalidURL"),
        ("nowhere/leads", None, "MissingSchema"),
        ("http://127.0.0.1:1/", {"X-Bad": "a\r\nInjected: 1"}, "InvalidHeader"),
    ],
)
def test_a_request_that_cannot_be_made_is_named_and_sent_nowhere(
    url: str, headers: dict[str, str] | None, kind: str
) -> None:
    error = failure("GET", url, headers=headers)
    assert error.condition is Condition.UNREACHABLE
    assert error.message == f"The request to the vendor failed: {kind}."


def test_a_peer_inside_our_network_is_refused_on_the_socket(
    server: str, settings, monkeypatch
) -> None:
    monkeypatch.setattr(http, "_sessions", {})  # no connection kept alive from an earlier test
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False
    error = failure("POST", f"{server}/json", json={})
    assert error.outcome is Outcome.REJECTED
    assert error.message == (
        "LeadHub refused to send: The vendor host 127.0.0.1 connected to a loopback address. "
        "Fix the connection's base URL."
    )
    assert Script.hits == []


def test_a_connect_timeout_means_nothing_was_sent(monkeypatch) -> None:
    """Loopback answers at once: the timeout is raised where requests would raise it."""

    def timing_out(*args: object, **kwargs: object) -> None:
        raise requests.ConnectTimeout("connect timed out")

    monkeypatch.setattr(http_session(), "request", timing_out)
    error = failure("POST", "https://vendor.example.com/leads", json={})
    assert error.condition is Condition.UNREACHABLE
    assert error.message == "The vendor could not be reached in time (connect timeout)."


# --- the deadline ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/drip", "/drip-with-length"])
def test_an_answer_dripping_past_the_deadline_is_cut_at_it_with_what_arrived(
    server: str, path: str
) -> None:
    started = time.monotonic()
    error = failure("POST", f"{server}{path}", json={}, deadline=1.0)
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 1.5  # cut at the deadline, not after one more byte
    assert error.condition is Condition.NO_ANSWER
    assert error.message == "The vendor did not finish answering within 1 s."
    assert error.partial is not None
    assert error.partial.status_code == 200
    assert error.partial.content_type == "application/json"
    assert error.partial.truncated
    # Each byte counts against the same clock: about 1 s / 0.2 s of it arrived.
    assert 3 <= len(error.partial.text) <= 7
    assert DRIPPED.decode().startswith(error.partial.text)


def test_a_status_line_dripping_past_the_deadline_is_cut_at_it(server: str) -> None:
    started = time.monotonic()
    error = failure("GET", f"{server}/drip-headers", deadline=1.0)
    assert time.monotonic() - started < 1.5
    assert error.condition is Condition.NO_ANSWER
    assert error.message == "The vendor did not finish answering within 1 s."
    assert error.partial is None


def test_a_pooled_connection_is_held_to_the_deadline_too(server: str, monkeypatch) -> None:
    monkeypatch.setattr(http, "_sessions", {})
    assert http_request("GET", f"{server}/json").status_code == 200  # kept alive
    started = time.monotonic()
    error = failure("POST", f"{server}/drip-with-length", json={}, deadline=1.0)
    assert time.monotonic() - started < 1.5
    assert error.partial is not None and error.partial.text


def test_the_default_deadline_is_the_setting(server: str, settings) -> None:
    settings.VENDOR_DEADLINE = 0.6
    started = time.monotonic()
    error = failure("POST", f"{server}/drip", json={})
    assert time.monotonic() - started < 1.1
    assert error.message == "The vendor did not finish answering within 0.6 s."


def test_an_answer_within_the_deadline_is_whole_and_the_connection_kept(server: str) -> None:
    for _ in range(3):
        response = http_request("GET", f"{server}/json", deadline=1.0)
        assert response.json() == {"status": "Success"} and not response.truncated
    time.sleep(1.2)  # past every deadline above: nothing cuts the kept connection later
    assert http_request("GET", f"{server}/json", deadline=1.0).status_code == 200


def test_no_socket_read_outlasts_the_deadline(server: str, settings) -> None:
    # A read timeout longer than the deadline: the deadline wins.
    settings.VENDOR_READ_TIMEOUT = 30.0
    started = time.monotonic()
    error = failure("GET", f"{server}/drip-headers", deadline=0.5)
    assert time.monotonic() - started < 1.0
    assert error.condition is Condition.NO_ANSWER


# --- against the sandbox ----------------------------------------------------------------

live = pytest.mark.django_db(transaction=True)


@live
def test_the_sandbox_answers_a_read(sandbox: str) -> None:
    response = http_request(
        "GET", f"{sandbox}leadbyte/restapi/v1.2/campaigns", params={"key": LEADBYTE_KEY}
    )
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert isinstance(response.json(), list)


@live
def test_a_rate_limited_answer_carries_its_retry_after(sandbox: str) -> None:
    sandbox_fault_set(f"{sandbox}leadbyte/", "rate_limited", 1, retry_after=42)
    response = http_request("GET", f"{sandbox}leadbyte/restapi/v1.2/campaigns")
    assert response.status_code == 429
    assert retry_after_seconds(response.headers.get("Retry-After")) == 42.0


@live
def test_an_answer_later_than_the_read_timeout_may_have_delivered(sandbox: str, settings) -> None:
    settings.VENDOR_READ_TIMEOUT = 0.3
    sandbox_fault_set(f"{sandbox}leadbyte/", "slow", 1, delay_seconds=1.0)
    started = time.monotonic()
    error = failure("GET", f"{sandbox}leadbyte/restapi/v1.2/campaigns")
    assert time.monotonic() - started < 0.9
    assert error.condition is Condition.NO_ANSWER
    assert error.message == "The vendor took the request but did not answer in time."


@live
def test_the_sandbox_dripping_its_answer_is_cut_at_the_deadline(sandbox: str) -> None:
    sandbox_fault_set(f"{sandbox}leadbyte/", "drip", 1, delay_seconds=0.3)
    started = time.monotonic()
    url = f"{sandbox}leadbyte/restapi/v1.2/campaigns"
    error = failure("GET", url, params={"key": LEADBYTE_KEY}, deadline=1.0)
    assert time.monotonic() - started < 2.0  # the deadline + 1 s at most
    assert error.condition is Condition.NO_ANSWER
    assert error.partial is not None and error.partial.status_code == 200
    assert error.partial.text.startswith("[")  # the start of the real campaign list


@live
def test_a_connection_reset_by_the_vendor_may_have_delivered(sandbox: str) -> None:
    sandbox_fault_set(f"{sandbox}leadbyte/", "reset", 1)
    error = failure("POST", f"{sandbox}leadbyte/restapi/v1.2/leads", json={})
    assert error.condition is Condition.NO_ANSWER


# --- the session ----------------------------------------------------------------------------


def test_one_session_per_process_guarded_and_without_retries(monkeypatch) -> None:
    monkeypatch.setattr(http, "_sessions", {})
    session = http_session()
    assert http_session() is session
    assert session.headers["User-Agent"] == USER_AGENT
    for prefix in ("http://", "https://"):
        adapter = session.get_adapter(f"{prefix}vendor.example.com/")
        assert isinstance(adapter, http._GuardedAdapter)
        assert adapter.max_retries.total == 0
        assert adapter.poolmanager.pool_classes_by_scheme == {
            "http": http._GuardedHTTPPool,
            "https": http._GuardedHTTPSPool,
        }


def test_a_forked_worker_makes_its_own_session(monkeypatch) -> None:
    monkeypatch.setattr(http, "_sessions", {})
    parent = http_session()
    monkeypatch.setattr(http.os, "getpid", lambda: -1)
    assert http_session() is not parent


# --- reading and Retry-After --------------------------------------------------------------


class Chunks:
    """What ``read_capped`` needs of a response: its chunks and its encoding."""

    def __init__(self, chunks: list[bytes], encoding: str | None = None) -> None:
        self.chunks, self.encoding = chunks, encoding
        self.read = 0

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk


def test_the_capped_reader_stops_at_the_first_chunk_past_the_cap() -> None:
    raw = Chunks([b"a" * 10, b"b" * 10, b"c" * 10, b"d" * 10])
    assert read_capped(raw, 15) == ("a" * 10 + "b" * 5, True)  # type: ignore[arg-type]
    assert raw.read == 2


def test_the_capped_reader_replaces_what_it_cannot_decode() -> None:
    raw = Chunks(["Åsa".encode()[:1]], encoding="utf-8")
    assert read_capped(raw, 100) == ("\ufffd", False)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("2.5", 2.5),
        ("-5", 0.0),
        (" 7 ", 7.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", 0.0),
    ],
)
def test_retry_after_in_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=90)
    assert retry_after_seconds(format_datetime(later, usegmt=True)) == pytest.approx(90, abs=2)
    earlier = datetime.now(UTC) - timedelta(hours=1)
    assert retry_after_seconds(format_datetime(earlier, usegmt=True)) == 0.0


def test_retry_after_as_a_date_without_a_zone_is_read_as_utc() -> None:
    later = datetime.now(UTC) + timedelta(seconds=300)
    stamp = later.strftime("%a, %d %b %Y %H:%M:%S -0000")  # -0000: zone unknown (RFC 5322)
    assert retry_after_seconds(stamp) == pytest.approx(300, abs=2)
