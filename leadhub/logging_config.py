"""Logging: every handler masks secrets (credential values, sensitive query parameters,
auth headers) before a record is written, including django.server's access log."""

from __future__ import annotations

from typing import Any


def logging_config(*, level: str, tasks_level: str) -> dict[str, Any]:
    """Django's LOGGING: ``level`` for the root logger, ``tasks_level`` for django-q2."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact_secrets": {"()": "leadhub.log_redaction.RedactingFilter"},
            "axes_bookkeeping": {"()": "leadhub.log_quiet.AxesBookkeepingFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "django.server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact_secrets"],
            },
            "django.server": {
                "class": "logging.StreamHandler",
                "formatter": "django.server",
                "filters": ["redact_secrets"],
            },
            "mail_admins": {
                "level": "ERROR",
                "filters": ["require_debug_false", "redact_secrets"],
                "class": "django.utils.log.AdminEmailHandler",
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["mail_admins"], "level": "INFO"},
            # django-q2 logs as "django-q": at INFO its scheduler says so every minute.
            "django-q": {"level": tasks_level},
            "axes.handlers.database": {"filters": ["axes_bookkeeping"]},
            "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        },
    }
