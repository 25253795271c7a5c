"""What the process environment says about reaching a host over HTTP, read once per host.

requests reads the proxy variables (walking all of ``os.environ``, then NO_PROXY) on every
request of a session that trusts the environment: a measurable share of a push's CPU. The
vendor session does not (``trust_env`` off) and is handed these instead, read the same way,
once per host: a running process's environment does not change.
"""

from __future__ import annotations

import functools
import os
from urllib.parse import urlsplit

import requests


@functools.lru_cache(maxsize=256)
def _scheme_host_environment(scheme: str, netloc: str) -> tuple[dict[str, str], bool | str]:
    """The proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, ...) and the CA bundle
    (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) the environment gives requests to this host, as
    requests itself reads them; the environment of a running process does not change."""
    url = f"{scheme}://{netloc}/"
    proxies = requests.utils.get_environ_proxies(url)
    verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return proxies, verify


def host_environment(url: str) -> tuple[dict[str, str], bool | str]:
    parts = urlsplit(url)
    return _scheme_host_environment(parts.scheme.lower(), parts.netloc.lower())
