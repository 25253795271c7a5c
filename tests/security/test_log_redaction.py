"""The logging filter: secrets never reach a log line, the access log included."""

from __future__ import annotations

import io
import logging

import pytest

from leadhub.log_redaction import RedactingFilter, redact_log_text
from vendors.leadbyte import LeadByte
from vendors.redaction import MASK

SECRET = "log-secret-key-7a8b9c0d"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (
            f'"GET /sandbox/leadbyte/restapi/v1.2/campaigns?key={SECRET} HTTP/1.1" 200 512',
            "200 512",
        ),
        (f"https://x.test/a?page=2&api_key={SECRET}&q=1", "page=2"),
        (f"https://x.test/a?token={SECRET}", "https://x.test/a?token="),
        (f"headers: {{'Authorization': 'Bearer {SECRET}', 'Accept': 'json'}}", "'Accept': 'json'"),
        (f"X_KEY: {SECRET}", "X_KEY"),
        (f'{{"uuid": "{SECRET}", "email": "a@b.c"}}', '"email": "a@b.c"'),
        (f"{{'password': '{SECRET}'}}", "password"),
        ("POST /api/gl-department-vise-agent-assign/gl_0123456789abcdef0123 200", "agent-assign/"),
        # LeadHub's own API keys: everything after the visible prefix.
        (f"key lh_live_ab12cd34_{SECRET} refused", "lh_live_ab12cd34_"),
        (f"web form posted key=lh_pub_ab12cd34_{SECRET}", "web form posted key="),
    ],
)
def test_secrets_in_log_text_are_masked(line: str, kept: str) -> None:
    clean = redact_log_text(line)
    assert SECRET not in clean and "gl_0123456789abcdef0123" not in clean
    assert MASK in clean
    assert kept in clean


def test_credentials_an_adapter_used_are_masked_anywhere() -> None:
    LeadByte(base_url="https://vendor.test/", credentials={"api_key": "adapter-used-key-1234"})
    assert "adapter-used-key-1234" not in redact_log_text("oops adapter-used-key-1234 leaked")


def _is_pytests(handler: logging.Handler) -> bool:
    """pytest's own capture handlers sit beside the configured ones during tests."""
    return type(handler).__module__.startswith("_pytest")


def emit(logger_name: str, *args, exc: bool = False) -> str:
    """Emit through the handlers LOGGING configured, capturing what they write."""
    logger = logging.getLogger(logger_name)
    handlers = [
        h
        for name in (logger_name, "")
        for h in logging.getLogger(name).handlers
        if isinstance(h, logging.StreamHandler) and not _is_pytests(h)
    ]
    assert handlers
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    try:
        if exc:
            try:
                raise RuntimeError(f"failed with key={SECRET}")
            except RuntimeError:
                logger.exception(*args)
        else:
            logger.info(*args)
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)
    return buffer.getvalue()


def test_the_access_log_masks_the_key_query_parameter() -> None:
    out = emit(
        "django.server",
        '"%s" %s %s',
        f"GET /sandbox/leadbyte/restapi/v1.2/campaigns?key={SECRET} HTTP/1.1",
        "200",
        "512",
    )
    assert "GET /sandbox/leadbyte/restapi/v1.2/campaigns?key=" in out
    assert SECRET not in out


def test_application_records_and_tracebacks_are_masked() -> None:
    out = emit("leadhub.anything", "calling %s", f"https://v.test/x?key={SECRET}", exc=True)
    assert "calling https://v.test/x?key=" in out
    assert "RuntimeError" in out
    assert SECRET not in out


def test_every_configured_handler_redacts() -> None:
    configured = [
        h
        for name in ("", "django", "django.server")
        for h in logging.getLogger(name).handlers
        if not _is_pytests(h)
    ]
    assert configured
    assert all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in configured)


def test_error_reports_mask_credentials(rf, settings) -> None:
    import sys

    from django.views.debug import ExceptionReporter

    request = rf.post(
        "/admin/vendors/connection/1/change/", {"credential__api_key": SECRET, "name": "x"}
    )
    api_key = SECRET  # noqa: F841 - a traceback variable the report must mask
    credentials = {"api_key": SECRET}  # noqa: F841
    try:
        raise ValueError("boom")
    except ValueError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert "boom" in report
    assert SECRET not in report
