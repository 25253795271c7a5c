"""Shared fixtures: the vendor sandbox served on loopback by pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.db import connection as db_connection
from hypothesis import HealthCheck, is_hypothesis_test
from hypothesis import settings as hypothesis_settings

from leadhub.api.key_cache import keys_forget
from sandbox.models import SandboxCredential
from sandbox.seed import EXAMPLE_CAMPAIGN, seed_all, seed_crmcom, seed_getlead, seed_salesbyte
from tests.factories import ConnectionFactory, DestinationFactory
from vendors.campaign_sync import campaigns_sync
from vendors.models import Campaign, CampaignField, Connection, Destination

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """CI gives fuzz targets their 2,000 examples in the PostgreSQL run, which leaves out
    db_agnostic tests: a fuzz target marked so would never get them."""
    for item in items:
        function = getattr(item, "function", None)
        fuzzed = function is not None and is_hypothesis_test(function)
        if fuzzed and item.get_closest_marker("db_agnostic"):
            raise pytest.UsageError(
                f"{item.nodeid} is a fuzz target: it cannot be db_agnostic "
                "(CI fuzzes with 2,000 examples on PostgreSQL only)"
            )


@pytest.fixture(autouse=True)
def api_keys_forgotten() -> None:
    """Each test reads its API keys afresh: a rolled-back test's keys fire no signal."""
    keys_forget()


@pytest.fixture
def sandbox(live_server) -> str:
    """The sandbox's base URL on a live server; its accounts seeded with the test keys."""
    seed_all()
    SandboxCredential.register("leadbyte", LEADBYTE_KEY)
    return f"{live_server.url}/sandbox/"


def sandbox_connection(
    sandbox: str, kind: str, name: str, credentials: dict[str, str]
) -> Connection:
    """A connection to the sandbox's simulation of the vendor ``kind``."""
    return ConnectionFactory(
        kind=kind, name=name, base_url=f"{sandbox}{kind}/", credentials=credentials
    )


@pytest.fixture
def leadbyte_connection(sandbox: str) -> Connection:
    return sandbox_connection(sandbox, "leadbyte", "LeadByte test", {"api_key": LEADBYTE_KEY})


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
def campaign_destination(db) -> Destination:
    """A LeadByte destination whose campaign fields are the example campaign's (no HTTP)."""
    connection = ConnectionFactory(kind="leadbyte", name="LeadByte offline")
    campaign = Campaign.objects.create(
        connection=connection,
        vendor_id="9",
        name="Example Campaign A",
        reference="EXAMPLE-CAMPAIGN",
    )
    for position, field in enumerate(EXAMPLE_CAMPAIGN["fields"]):
        CampaignField.objects.create(campaign=campaign, position=position, **field)
    return DestinationFactory(
        name="LeadByte example", connection=connection, campaign=campaign, fixed_values={"sid": "1"}
    )


@pytest.fixture
def raw_credentials() -> Callable[[int], str]:
    """Reads a connection's credentials column as the database holds it, undecrypted."""

    def read(connection_pk: int) -> str:
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT credentials FROM vendors_connection WHERE id = %s", [connection_pk]
            )
            return cursor.fetchone()[0]

    return read


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123456")


SALESBYTE_UUID = "test-salesbyte-uuid-0001"
SALESBYTE_TOKEN = "test-salesbyte-token-0001"


@pytest.fixture
def salesbyte_connection(sandbox: str) -> Connection:
    seed_salesbyte(uuid=SALESBYTE_UUID, api_token=SALESBYTE_TOKEN)
    credentials = {"uuid": SALESBYTE_UUID, "api_token": SALESBYTE_TOKEN}
    return sandbox_connection(sandbox, "salesbyte", "SalesByte test", credentials)


@pytest.fixture
def salesbyte_quote_destination(salesbyte_connection: Connection) -> Destination:
    return DestinationFactory(
        name="SalesByte quote",
        connection=salesbyte_connection,
        operation="create_quote",
        fixed_values={
            "quote_profile_id": 1,
            "workflows_enabled": True,
            "allow_customer_document_upload": False,
        },
    )


# --- CRM.COM and Getlead ------------------------------------------------------------------

CRMCOM_CREDENTIALS = {
    "username": "test.integration",
    "password": "test-crmcom-pass-123456",
    "organisation": "TEST-ORG-001",
}
GETLEAD_TOKEN = "gl_0123456789abcdef0123"


@pytest.fixture
def crmcom_connection(sandbox: str) -> Connection:
    seed_crmcom(CRMCOM_CREDENTIALS)
    return sandbox_connection(sandbox, "crmcom", "CRM.COM test", dict(CRMCOM_CREDENTIALS))


@pytest.fixture
def getlead_connection(sandbox: str) -> Connection:
    seed_getlead(GETLEAD_TOKEN)
    return sandbox_connection(sandbox, "getlead", "Getlead test", {"token": GETLEAD_TOKEN})
