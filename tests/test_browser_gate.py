"""Browser tests skip without Chromium, unless LEADHUB_REQUIRE_BROWSER=1 makes it a failure."""

from __future__ import annotations

import pytest

from tests.browser import conftest as browser


def test_a_missing_browser_skips_with_the_reason(monkeypatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("LEADHUB_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="No Chromium at /nonexistent/chromium"):
        browser.require_browser()


def test_a_missing_browser_fails_when_required(monkeypatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("LEADHUB_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="LEADHUB_REQUIRE_BROWSER=1"):
        browser.require_browser()


def test_the_launch_arguments_keep_chromium_offline_and_headless() -> None:
    for flag in ("--headless", "--no-sandbox", "--disable-background-networking", "--disable-sync"):
        assert flag in browser.LAUNCH_ARGS
