"""The environment's proxy and CA settings, read once per host as requests reads them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from vendors import http_environment
from vendors.http import http_session
from vendors.http_environment import host_environment


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    http_environment._scheme_host_environment.cache_clear()
    yield
    http_environment._scheme_host_environment.cache_clear()


def test_proxies_and_no_proxy_as_requests_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "crm.example")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    for url in ("https://api.vendor.example/x?y=1", "https://crm.example/leads"):
        assert host_environment(url)[0] == requests.utils.get_environ_proxies(url)
    assert host_environment("https://api.vendor.example/")[0]["https"] == (
        "http://proxy.example:3128"
    )
    assert "https" not in host_environment("https://crm.example/")[0]
    assert host_environment("https://crm.example/")[1] is True


def test_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/vendor-ca.pem")
    assert host_environment("https://api.vendor.example/")[1] == "/etc/ssl/vendor-ca.pem"


def test_read_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    host_environment("https://api.vendor.example/a")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert host_environment("https://API.vendor.example/b")[0] == {}  # the host, read before


def test_the_vendor_session_reads_no_environment_itself() -> None:
    """No proxy walk per request, and never a ~/.netrc password sent to a vendor."""
    assert http_session().trust_env is False
