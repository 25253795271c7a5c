"""The production profile: demands its secrets, refuses the sandbox, passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

# Children with their own settings, DATABASE_URL and REDIS_URL dropped: one run is enough.
pytestmark = pytest.mark.db_agnostic

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "LEADHUB_ENV": "production",
    "SECRET_KEY": "x" * 30 + "Q9#kLm2$vB7&nR4@wT6^yU8*pZ1!eC3%",
    "ALLOWED_HOSTS": "leadhub.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DJANGO_SETTINGS_MODULE": "leadhub.settings",
}


def last_line(result: subprocess.CompletedProcess[str]) -> list[str]:
    # `shell` may first say how many objects it imported.
    return result.stdout.strip().splitlines()[-1].split()


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' own and must not reach a deploy check;
    # REDIS_URL (set by the PostgreSQL run of CI) would switch the local profile under test.
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_check_deploy() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_demands_each_secret() -> None:
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"):
        env = {k: v for k, v in PRODUCTION.items() if k != name}
        result = manage("check", **env)
        assert result.returncode != 0
        assert f"{name} must be set" in result.stderr


def test_production_refuses_the_sandbox() -> None:
    result = manage("check", **PRODUCTION, SANDBOX_ENABLED="true")
    assert result.returncode != 0
    assert "SANDBOX_ENABLED cannot be on" in result.stderr


def test_redis_url_switches_the_cache_and_the_broker() -> None:
    show = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.Q_CLUSTER.get('redis'), s.Q_CLUSTER.get('orm'))"
    )
    local = manage("shell", "-c", show)
    assert last_line(local) == [
        "django.core.cache.backends.db.DatabaseCache",
        "None",
        "default",
    ]
    redis = manage("shell", "-c", show, REDIS_URL="redis://127.0.0.1:6379/9")
    assert last_line(redis) == [
        "django_redis.cache.RedisCache",
        "redis://127.0.0.1:6379/9",
        "None",
    ]


def test_local_sqlite_is_tuned_for_a_web_server_and_a_worker() -> None:
    show = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])"
    options = manage("shell", "-c", show).stdout
    assert "'transaction_mode': 'IMMEDIATE'" in options
    assert "journal_mode=WAL" in options and "'timeout': 5.0" in options
