"""The API benchmark's server settings: LeadHub's own, plus a bare view to compare with."""

from __future__ import annotations

from leadhub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
# The benchmark measures intake, not the limit: one key sends every request.
API_RATE_LIMIT = 0
