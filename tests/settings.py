"""Test settings: LeadHub's own, with an in-process cache and tasks run inline."""

from __future__ import annotations

import os

os.environ.setdefault("LEADHUB_ENV", "test")

from leadhub.settings import *  # noqa: F403
from leadhub.settings import Q_CLUSTER

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
# Tests read the dashboard right after changing rows; tests/leadhub/test_figures_cache.py
# turns the cache on.
STAFF_FIGURES_CACHE_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Short vendor timeouts keep fault tests fast; the sandbox answers in milliseconds.
VENDOR_CONNECT_TIMEOUT = 2.0
VENDOR_READ_TIMEOUT = 5.0
SUBMISSION_RETRY_JITTER = 0.0
# The live server's threads must not keep connections open past a test (PostgreSQL teardown).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Tests serve static files through the finders; no collectstatic output is expected.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
# Browser tests check pages against a strict Content-Security-Policy (tests/browser/csp.py).
# Outermost, so it sees the response after the app's own CSP middleware had its say.
MIDDLEWARE = ["tests.browser.csp.StrictCSPMiddleware", *MIDDLEWARE]  # noqa: F405
