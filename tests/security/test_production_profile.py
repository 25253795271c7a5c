"""Production: the sandbox is not mounted, the demo refuses, and the secure settings hold."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.test_settings_profiles import PRODUCTION, manage

# Production settings in children, DATABASE_URL and REDIS_URL dropped.
pytestmark = pytest.mark.db_agnostic

PROBE = """
from django.test import Client
from django.urls import Resolver404, resolve
from django.conf import settings
try:
    resolve("/sandbox/leadbyte/restapi/v1.2/campaigns")
    print("MOUNTED")
except Resolver404:
    print("NOT MOUNTED")
response = Client().get("/sandbox/leadbyte/restapi/v1.2/campaigns?key=x", secure=True,
                        HTTP_HOST="leadhub.example.com")
print("STATUS", response.status_code)
print("PRIVATE", settings.ALLOW_PRIVATE_VENDOR_HOSTS)
s = settings
print("SECURE", s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)
print("AXES", "axes.middleware.AxesMiddleware" == settings.MIDDLEWARE[-1])
"""


def test_the_sandbox_is_never_reachable_in_production() -> None:
    result = manage("shell", "-c", PROBE, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "NOT MOUNTED" in out
    assert "STATUS 404" in out
    assert "PRIVATE False" in out
    assert "SECURE True True 31536000" in out
    assert "AXES True" in out


@pytest.mark.django_db
def test_the_demo_refuses_to_create_logins_in_production(settings, django_user_model) -> None:
    from leadhub.demo import demo_connections_ensure, demo_users_ensure

    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="never set up in production"):
        demo_users_ensure(print)
    with pytest.raises(ImproperlyConfigured):
        demo_connections_ensure("https://leadhub.example.com")
    assert not django_user_model.objects.exists()
    settings.PRODUCTION = False
    settings.SANDBOX_ENABLED = False
    with pytest.raises(ImproperlyConfigured):
        demo_users_ensure(print)
    assert not django_user_model.objects.exists()
