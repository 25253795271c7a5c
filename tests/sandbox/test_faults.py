"""The sandbox's fault injection: by prefix, by method, counted down, set from the admin."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from sandbox.faults import fault_prefix, sandbox_fault_set
from sandbox.models import SandboxFault

pytestmark = pytest.mark.django_db(transaction=True)


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
