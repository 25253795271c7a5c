"""Outbound requests: where they may go, redirects, capped and bounded answers."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from leadhub.delivery.push import submission_push
from sandbox.models import SandboxRecord
from tests.factories import SubmissionFactory
from tests.security import urls as hostile
from vendors.hosts import UnsafeVendorHost, check_vendor_url
from vendors.leadbyte import LeadByte
from vendors.models import Connection
from vendors.outcomes import Outcome

PRIVATE = [
    "http://127.0.0.1:8000/",
    "http://localhost/",
    "https://10.0.0.5/",
    "https://192.168.1.1/",
    "https://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "https://[::1]/",
    "https://[fd00:ec2::254]/",
    "https://[::ffff:127.0.0.1]/",
    "https://100.100.100.200/",  # shared address space (a metadata service lives there)
    "https://0.0.0.0/",
    "http://metadata.google.internal/",
]


@pytest.fixture
def production_hosts(settings):
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False
    settings.PRODUCTION = True


@pytest.mark.parametrize("url", PRIVATE)
def test_private_and_metadata_addresses_are_refused(production_hosts, url: str) -> None:
    with pytest.raises(UnsafeVendorHost):
        check_vendor_url(url)


def test_names_that_resolve_inside_are_refused(production_hosts, monkeypatch) -> None:
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(UnsafeVendorHost, match="resolves to a private network address"):
        check_vendor_url("https://vendor.example.com/")


def test_public_https_hosts_pass_and_http_is_refused_in_production(
    production_hosts, monkeypatch
) -> None:
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    check_vendor_url("https://account.leadbyte.co.uk/")
    with pytest.raises(UnsafeVendorHost, match="must use https"):
        check_vendor_url("http://account.leadbyte.co.uk/")
    with pytest.raises(UnsafeVendorHost, match="user name or password"):
        check_vendor_url("https://user:pw@account.leadbyte.co.uk/")
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x.test/"):
        with pytest.raises(UnsafeVendorHost):
            check_vendor_url(bad)


def test_private_hosts_are_allowed_where_the_setting_says_so(settings) -> None:
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = True
    settings.PRODUCTION = False
    check_vendor_url("http://127.0.0.1:8000/sandbox/leadbyte/")


@pytest.mark.django_db
def test_the_connection_form_says_why_a_host_is_refused(admin_client, production_hosts) -> None:
    response = admin_client.post(
        reverse("admin:vendors_connection_add") + "?kind=leadbyte",
        {
            "name": "Internal",
            "base_url": "https://169.254.169.254/",
            "is_active": "on",
            "credential__api_key": "internal-key-123456",
            "setting__date_format": "DD/MM/YYYY",
        },
    )
    assert response.status_code == 200
    assert "is a link-local address" in response.content.decode()
    assert not Connection.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_send_time_refusal_is_a_rejection_and_nothing_leaves(
    leadbyte_destination, settings
) -> None:
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False  # the sandbox is on loopback
    submission = SubmissionFactory(destination=leadbyte_destination, payload={"campid": "X"})
    submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == "rejected"
    assert "LeadHub refused to send" in submission.vendor_message
    assert "internal name" in submission.vendor_message  # the live server is "localhost"
    assert not SandboxRecord.objects.exists()
    attempt = submission.attempts.get()
    assert attempt.status_code is None and "refused" in attempt.message


def test_the_socket_check_catches_a_name_that_resolved_inside(settings, monkeypatch) -> None:
    """DNS rebinding: the name passed the check, the socket landed on loopback."""
    import vendors.base as base

    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False
    monkeypatch.setattr(base, "check_vendor_url", lambda url: None)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        adapter = LeadByte(base_url=f"http://127.0.0.1:{port}/", credentials={"api_key": "k" * 10})
        delivery = adapter.submit("create_lead", {"campid": "X"})
    finally:
        server.close()
    assert delivery.result.outcome is Outcome.REJECTED
    assert "connected to a loopback address" in delivery.result.message


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.security.urls")
def test_redirects_are_not_followed(live_server) -> None:
    hostile.hits.clear()
    adapter = LeadByte(base_url=f"{live_server.url}/hostile/", credentials={"api_key": "k" * 10})
    delivery = adapter.submit("create_lead", {"campid": "X"})
    assert hostile.hits == ["redirect"]
    assert delivery.exchanges[0].status_code == 302
    assert delivery.result.outcome is not Outcome.ACCEPTED


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.security.urls")
def test_answers_are_read_up_to_the_cap_and_stored_truncated(live_server, settings) -> None:
    settings.VENDOR_MAX_RESPONSE_BYTES = 100_000
    settings.STORED_BODY_LIMIT = 5_000
    adapter = LeadByte(base_url=f"{live_server.url}/huge/", credentials={"api_key": "k" * 10})
    response = adapter._http(_request(), f"{live_server.url}/huge/restapi/v1.2/leads")
    assert response.truncated is True
    assert len(response.text) == 100_000  # of 300,000 sent
    delivery = adapter.submit("create_lead", {"campid": "X"})
    stored = delivery.exchanges[0].response_body
    assert len(stored) <= 5_000
    assert stored.endswith("more characters not stored]")
    assert delivery.result.outcome is Outcome.TRANSIENT


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.security.urls")
def test_binary_answers_are_not_stored(live_server) -> None:
    adapter = LeadByte(base_url=f"{live_server.url}/binary/", credentials={"api_key": "k" * 10})
    delivery = adapter.submit("create_lead", {"campid": "X"})
    stored = delivery.exchanges[0].response_body
    assert stored.startswith("[application/octet-stream answer of")
    assert "\x00" not in stored
    assert delivery.result.outcome is Outcome.TRANSIENT


def _request():
    from vendors.results import VendorRequest

    return VendorRequest("POST", "restapi/v1.2/leads", json={})
