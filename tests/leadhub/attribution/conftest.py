"""The API's keys and client (tests/leadhub/api/conftest.py), for the intake paths here."""

from __future__ import annotations

from tests.leadhub.api.conftest import (  # noqa: F401
    api_client,
    api_owner,
    fresh_rate_counts,
    make_key,
)
