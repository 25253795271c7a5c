"""Shared fixtures: the vendor sandbox served on loopback by pytest-django's live server."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import ConnectionFactory, DestinationFactory
from vendors.models import Campaign, Connection, Destination
from vendors.sandbox.seed import seed_all
from vendors.services import campaigns_sync

LEADBYTE_KEY = "test-leadbyte-key-123456"

# Fuzzing: at least 2,000 examples per target in CI (CI=true), a quick pass locally.
_FUZZ_HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.function_scoped_fixture,
    HealthCheck.data_too_large,
]
hypothesis_settings.register_profile(
    "ci", max_examples=2000, deadline=None, suppress_health_check=_FUZZ_HEALTH, print_blob=True
)
hypothesis_settings.register_profile(
    "dev", max_examples=150, deadline=None, suppress_health_check=_FUZZ_HEALTH
)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture
def sandbox(live_server) -> str:
    """The sandbox's base URL on a live server; its accounts seeded with the test keys."""
    from vendors.sandbox.models import SandboxCredential

    seed_all()
    SandboxCredential.register("leadbyte", LEADBYTE_KEY)
    return f"{live_server.url}/sandbox/"


@pytest.fixture
def leadbyte_connection(sandbox: str) -> Connection:
    return ConnectionFactory(
        kind="leadbyte",
        name="LeadByte test",
        base_url=f"{sandbox}leadbyte/",
        credentials={"api_key": LEADBYTE_KEY},
    )


@pytest.fixture
def example_campaign(leadbyte_connection: Connection) -> Campaign:
    campaigns_sync(connection=leadbyte_connection)
    return Campaign.objects.get(connection=leadbyte_connection, reference="EXAMPLE-CAMPAIGN")


@pytest.fixture
def leadbyte_destination(example_campaign: Campaign) -> Destination:
    return DestinationFactory(
        name="LeadByte example",
        connection=example_campaign.connection,
        campaign=example_campaign,
        fixed_values={"sid": "1"},
    )


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123456")
