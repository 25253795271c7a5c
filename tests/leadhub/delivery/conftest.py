"""Shared by the delivery tests: a lead the sandbox's LeadByte campaign accepts, and the
tasks the outbox hands to the broker."""

from __future__ import annotations

from typing import Any

import pytest

from leadhub.delivery import outbox

# A lead the sandbox's EXAMPLE-CAMPAIGN takes (tests/conftest.py's leadbyte_destination).
PAYLOAD = {
    "campid": "EXAMPLE-CAMPAIGN",
    "sid": "1",
    "email": "grace@example.com",
    "firstname": "Grace",
    "lastname": "Hopper",
    "data13": "Saab",
}

Task = tuple[str, Any]


@pytest.fixture
def handed_tasks(monkeypatch: pytest.MonkeyPatch) -> list[Task]:
    """Every task the outbox hands to the broker, as (task name, argument), recorded
    instead of run."""
    handed: list[Task] = []

    def record(name: str, argument: Any, **options: Any) -> None:
        handed.append((name, argument))

    monkeypatch.setattr(outbox, "async_task", record)
    return handed
