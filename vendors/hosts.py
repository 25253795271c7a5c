"""Where a vendor connection may point: https in production, and never inside our network.

Checked on the connection form (a clear error for the admin) and again at send time (the
name is resolved then, so a host that starts resolving to a private address is refused),
and once more on the socket itself (``vendors.http``), which catches DNS rebinding between
the check and the connect. ``settings.ALLOW_PRIVATE_VENDOR_HOSTS`` lifts the address rules
(locally and for the sandbox); it is off in production.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

# Cloud metadata services reached by name rather than by their link-local address.
METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "metadata.azure"}
)


class UnsafeVendorHost(Exception):
    """A vendor URL LeadHub refuses to call; the message says why in plain words."""


class UnresolvableVendorHost(UnsafeVendorHost):
    """The host name did not resolve: an error on the form, a transport failure at send time."""


def _refused_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why ``ip`` is not a public vendor address, or '' if it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if ip.is_private:
        return "a private network address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "an address that is not on the public internet"
    return ""


def address_refusal(address: str) -> str:
    """Why LeadHub must not connect to the IP ``address`` ('' when it may)."""
    if settings.ALLOW_PRIVATE_VENDOR_HOSTS:
        return ""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "an address LeadHub cannot read"
    return _refused_address(ip)


def check_vendor_url(url: str, *, resolve: bool = True, what: str = "vendor") -> None:
    """Raise ``UnsafeVendorHost`` unless LeadHub may send to ``url``; the messages call
    whoever is there ``what`` (a vendor, a webhook endpoint)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError as err:
        raise UnsafeVendorHost(f"The {what} address is not a valid URL.") from err
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise UnsafeVendorHost(f"The {what} address must be an http(s) URL with a host name.")
    if scheme != "https" and settings.PRODUCTION:
        raise UnsafeVendorHost(f"The {what} address must use https.")
    if parts.username or parts.password:
        raise UnsafeVendorHost(
            f"The {what} address must not carry a user name or password; "
            "credentials belong in the connection's credential fields."
        )
    if settings.ALLOW_PRIVATE_VENDOR_HOSTS:
        return
    name = host.rstrip(".").lower()
    if name in METADATA_HOSTS or name == "localhost" or name.endswith(".localhost"):
        raise UnsafeVendorHost(f"The {what} host {host} is an internal name.")
    try:
        literal = ipaddress.ip_address(name)
    except ValueError:
        literal = None
    if literal is not None:
        reason = _refused_address(literal)
        if reason:
            raise UnsafeVendorHost(f"The {what} host {host} is {reason}.")
        return
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(name, port or (443 if scheme == "https" else 80))
    except (OSError, UnicodeError) as err:
        raise UnresolvableVendorHost(f"The {what} host {host} could not be resolved.") from err
    for info in infos:
        reason = address_refusal(str(info[4][0]))
        if reason:
            raise UnsafeVendorHost(f"The {what} host {host} resolves to {reason}.")
