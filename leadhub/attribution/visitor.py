"""Who sent a request: the client's IP address (through our own proxies only) and browser."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from leadhub.attribution.models import USER_AGENT_MAX


def ip_address_clean(value: str | None) -> str | None:
    """An IPv4 or IPv6 address as stored, or None for anything that is not one. An IPv6
    zone (``fe80::1%eth0``) names the sender's own network interface, says nothing of the
    person and would not fit the column: dropped."""
    try:
        return str(ipaddress.ip_address((value or "").strip().partition("%")[0]))
    except ValueError:
        return None


def request_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front the
    address the outermost of them saw (X-Forwarded-For read from the right)."""
    proxies = max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0)))
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return ip_address_clean(hops[-proxies])
    return ip_address_clean(request.META.get("REMOTE_ADDR"))


def request_user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
