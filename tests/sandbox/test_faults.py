"""The sandbox's fault injection: by prefix, by method, counted down, set from the admin."""

from __future__ import annotations

import json
import time

import pytest
import requests
from django.urls import reverse

from sandbox.faults import fault_prefix, sandbox_fault_set
from sandbox.models import SandboxFault

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]


def test_a_fault_hits_only_its_prefix_and_method_and_counts_down(sandbox: str) -> None:
    sandbox_fault_set(f"{sandbox}leadbyte/", "http_503", 2, method="GET")
    campaigns = f"{sandbox}leadbyte/restapi/v1.2/campaigns?key=x"
    assert requests.post(f"{sandbox}leadbyte/restapi/v1.2/leads", timeout=5).status_code != 503
    assert requests.get(f"{sandbox}elsewhere/", timeout=5).status_code == 404
    assert [requests.get(campaigns, timeout=5).status_code for _ in range(3)] == [503, 503, 401]
    fault = SandboxFault.objects.get()
    assert (fault.remaining, fault.hits) == (0, 2)


def test_rate_limiting_sends_retry_after(sandbox: str) -> None:
    sandbox_fault_set("/sandbox/leadbyte/", "rate_limited", 1, retry_after=42)
    response = requests.get(f"{sandbox}leadbyte/restapi/v1.2/campaigns", timeout=5)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"


def test_a_reset_closes_the_connection_without_an_answer(sandbox: str) -> None:
    sandbox_fault_set("/sandbox/", "reset", 1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sandbox}leadbyte/restapi/v1.2/campaigns", timeout=5)


def test_a_drip_sends_a_valid_start_then_one_byte_at_a_time(sandbox: str) -> None:
    sandbox_fault_set("/sandbox/", "drip", 1, delay_seconds=0.2)
    started = time.monotonic()
    with requests.get(f"{sandbox}leadbyte/restapi/v1.2/campaigns", timeout=5, stream=True) as r:
        assert r.status_code == 401  # the real answer's status, at once
        first = r.raw.read(1)
        second = r.raw.read(1)
    assert first and second
    assert time.monotonic() - started >= 0.2


def test_a_deep_json_answer_is_valid_json_too_deep_to_parse_recursively(sandbox: str) -> None:
    sandbox_fault_set("/sandbox/", "deep_json", 1)
    response = requests.get(f"{sandbox}leadbyte/restapi/v1.2/campaigns", timeout=5)
    assert response.status_code == 200
    assert response.text.startswith("[[[[") and len(response.text) == 200_000
    with pytest.raises(RecursionError):
        json.loads(response.text)


def test_an_echo_quotes_the_request_raw_and_decoded(sandbox: str) -> None:
    sandbox_fault_set("/sandbox/", "echo", 1)
    response = requests.post(
        f"{sandbox}leadbyte/restapi/v1.2/leads?key=a%2Fb+%C3%A9",
        json={"secret": 'x"é'},
        timeout=5,
    )
    assert response.status_code == 400
    echoed = response.json()["request"]
    assert "key=a%2Fb+%C3%A9" in echoed["line"]
    assert "key=a/b é" in echoed["decoded_line"]
    assert '\\"' in echoed["body"] and '"x\\"é"' in echoed["decoded_body"]
    assert "\\u00e9" in response.text  # JSON-escaped on the way back


def test_the_prefix_comes_from_a_connection_url_or_path() -> None:
    class Conn:
        base_url = "http://127.0.0.1:8000/sandbox/leadbyte/"

    assert fault_prefix(Conn()) == "/sandbox/leadbyte/"
    assert fault_prefix("/sandbox/crmcom/leads/create") == "/sandbox/crmcom/leads/create"
    assert fault_prefix("http://127.0.0.1:8000/sandbox/x/") == "/sandbox/x/"


def test_an_admin_sets_a_fault_from_the_admin(admin_client) -> None:
    url = reverse("admin:sandbox_sandboxfault_add")
    response = admin_client.post(
        url,
        {
            "path_prefix": "/sandbox/leadbyte/",
            "method": "POST",
            "mode": "http_503",
            "remaining": "5",
            "retry_after": "30",
            "delay_seconds": "",
        },
    )
    assert response.status_code == 302
    fault = SandboxFault.objects.get()
    assert (fault.mode, fault.remaining, fault.method) == ("http_503", 5, "POST")
