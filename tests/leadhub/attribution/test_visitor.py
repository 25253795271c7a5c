"""The client's address through our own proxies only, and the campaign details as kept."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from leadhub.attribution.services import source_details_clean
from leadhub.attribution.visitor import ip_address_clean, request_ip, request_user_agent


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy of ours: the header is the client's own
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the left part is made up by the client
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: the connecting address
        (1, "not-an-address", None),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_through_our_proxies_only(
    settings, proxies: int, forwarded: str, expected: str | None
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert request_ip(request) == expected


def test_the_browser_is_cut_to_its_column() -> None:
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 900)
    assert len(request_user_agent(request)) == 500
    assert ip_address_clean(" 192.0.2.1 ") == "192.0.2.1" and ip_address_clean("") is None


def test_campaign_details_are_trimmed_cut_and_unknown_names_left_out() -> None:
    cleaned = source_details_clean(
        {
            "utm_source": "  news  ",
            "utm_medium": "",
            "gclid": None,
            "fbclid": {"nested": 1},
            "landing_page": "https://shop.example/" + "a" * 3000,
            "sub1": 42,
            "sub2": "a\x00b",
            "password": "nope",
        }
    )
    assert cleaned["utm_source"] == "news" and cleaned["sub1"] == "42"
    assert len(cleaned["landing_page"]) == 2000
    assert cleaned["sub2"] == "ab"  # PostgreSQL refuses NUL in text
    assert set(cleaned) == {"utm_source", "landing_page", "sub1", "sub2"}


def test_an_ipv6_zone_is_dropped_so_the_address_fits_its_column() -> None:
    assert ip_address_clean("fe80::1%eth0") == "fe80::1"
    assert ip_address_clean("fe80::1%" + "x" * 300) == "fe80::1"
    assert ip_address_clean("%eth0") is None
