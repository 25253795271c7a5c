"""Login protection (django-axes), CSRF, the Content-Security-Policy and security headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"


def attempt(username: str, password: str, ip: str = "10.0.0.1") -> int:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return response.status_code


@pytest.fixture
def staff():
    return UserFactory(username="clerk")


def test_five_failures_lock_that_username_from_that_address(staff, settings) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    for _ in range(4):
        assert attempt("clerk", "wrong") == 200  # the form again, with an error
    assert attempt("clerk", "wrong") == 429  # the fifth failure locks
    assert attempt("clerk", PASSWORD) == 429  # even the right password now
    assert attempt("clerk", PASSWORD, ip="10.0.0.2") == 302  # another address is not locked
    assert attempt("someone-else", "wrong") == 200  # another username is not locked


def test_a_successful_login_resets_the_count(staff) -> None:
    for _ in range(4):
        attempt("clerk", "wrong")
    assert attempt("clerk", PASSWORD) == 302
    for _ in range(4):
        assert attempt("clerk", "wrong") == 200


def test_the_lock_lifts_after_the_cool_off(staff) -> None:
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(5):
        attempt("clerk", "wrong")
    assert attempt("clerk", PASSWORD) == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt("clerk", PASSWORD) == 302


def test_failed_logins_keep_no_password(staff) -> None:
    from axes.models import AccessAttempt

    attempt("clerk", "a-typed-password-123")
    assert "a-typed-password-123" not in str(list(AccessAttempt.objects.values()))


@pytest.mark.parametrize(
    "next_field",
    [{}, {"next": ""}, {"next": "https://evil.example.com/"}, {"next": "//evil.example.com/x"}],
    ids=["no-next", "empty-next", "off-site", "scheme-relative"],
)
def test_login_without_a_usable_next_lands_on_the_admin_home(staff, next_field) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "clerk", "password": PASSWORD, **next_field})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_login_still_follows_an_on_site_next(staff) -> None:
    response = Client().post(
        LOGIN, {"username": "clerk", "password": PASSWORD, "next": "/admin/leadhub/lead/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/leadhub/lead/"


def test_login_needs_a_csrf_token(staff) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 403


def test_pages_carry_a_strict_csp_and_security_headers(admin_client) -> None:
    response = admin_client.get(reverse("admin:index"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    login = Client().get(LOGIN)
    assert "Content-Security-Policy" in login


def test_leadhub_templates_carry_no_inline_script_or_style() -> None:
    import re
    from pathlib import Path

    from django.conf import settings

    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style\b|\sstyle=|\son[a-z]+=", re.I)
    templates = list(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    assert templates
    offenders = [str(t) for t in templates if inline.search(t.read_text())]
    assert not offenders
