"""The log at INFO: one line per login without the user agent, no banners, no ticks."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

# What is logged, not what is stored: the same on every database.
pytestmark = pytest.mark.db_agnostic

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("admin:login")


def axes_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("axes")]


@pytest.mark.django_db
def test_a_login_is_one_line_naming_the_user_and_address_only(
    client, django_user_model, caplog
) -> None:
    django_user_model.objects.create_user("ada", "ada@example.com", "pw-ada-123456", is_staff=True)
    caplog.set_level(logging.INFO)
    browser = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0"
    response = client.post(
        LOGIN, {"username": "ada", "password": "pw-ada-123456"}, HTTP_USER_AGENT=browser
    )
    assert response.status_code == 302
    lines = axes_lines(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith('AXES: Successful login by {username: "ada", ip_address:')
    assert "Mozilla" not in lines[0] and "user_agent" not in lines[0]


@pytest.mark.django_db
def test_a_failed_login_is_still_logged(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    client.post(LOGIN, {"username": "nobody", "password": "wrong"})
    assert any("login failed" in line.lower() for line in axes_lines(caplog))


def test_the_task_cluster_logs_warnings_only_by_default() -> None:
    # django-q2's scheduler says "created task ... from schedule" at INFO every minute.
    assert logging.getLogger("django-q").getEffectiveLevel() == logging.WARNING


def test_a_process_starts_without_an_axes_banner() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "leadhub.settings", "LOG_LEVEL": "INFO"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stderr + result.stdout
