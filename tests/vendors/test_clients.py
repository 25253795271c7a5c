"""A vendor client for a stored connection: its adapter, credentials, settings and token store."""

from __future__ import annotations

import base64

import pytest

from tests.factories import ConnectionFactory
from vendors.clients import connection_client, connection_redactor
from vendors.connection_state import ConnectionTokenStore
from vendors.models import Connection
from vendors.redaction import MASK, known_secrets_redactor
from vendors.registry import adapter_class, implemented_kinds

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", implemented_kinds())
def test_the_client_is_the_connections_adapter_with_its_credentials_and_settings(
    kind: str,
) -> None:
    connection = ConnectionFactory(
        kind=kind,
        base_url="https://vendor.example.com/tenant",
        credentials={"api_key": f"{kind}-secret-123456"},
        settings={"date_format": "YYYY-MM-DD"},
    )
    # As a worker would: the connection read back, its credentials decrypted.
    client = connection_client(Connection.objects.get(pk=connection.pk))
    assert type(client) is adapter_class(kind)
    assert client.base_url == "https://vendor.example.com/tenant/"
    assert client.credentials == {"api_key": f"{kind}-secret-123456"}
    assert client.settings == {"date_format": "YYYY-MM-DD"}
    assert client.exchanges == []


def test_the_client_keeps_to_the_connections_own_deadline_or_the_default() -> None:
    assert connection_client(ConnectionFactory(deadline_seconds=7)).deadline == 7
    assert connection_client(ConnectionFactory()).deadline is None  # VENDOR_DEADLINE


def test_the_client_keeps_its_token_on_the_connection() -> None:
    connection = ConnectionFactory(kind="crmcom")
    client = connection_client(connection)
    assert isinstance(client.token_store, ConnectionTokenStore)
    assert client.token_store.connection is connection
    client.token_store.save({"token": "eyJ.session.token-0001"})
    assert Connection.objects.get(pk=connection.pk).token_cache == {
        "token": "eyJ.session.token-0001"
    }
    client.token_store.record_error("CRM.COM refused the login.")
    assert Connection.objects.get(pk=connection.pk).last_error == "CRM.COM refused the login."


def test_a_cached_token_is_a_secret_of_the_client() -> None:
    token = "eyJ.cached.token-for-masking-0002"
    connection = ConnectionFactory(kind="crmcom", token_cache={"token": token})
    client = connection_client(connection)
    assert client.redactor.text(f"Bearer {token}") == f"Bearer {MASK}"


def test_the_clients_credentials_are_masked_in_any_log_line() -> None:
    secret = "client-only-secret-9z8y7x"
    connection_client(ConnectionFactory(credentials={"api_key": secret}))
    assert known_secrets_redactor().text(f"GET /?key={secret}") == f"GET /?key={MASK}"


def test_each_client_is_new() -> None:
    connection = ConnectionFactory()
    first, second = connection_client(connection), connection_client(connection)
    assert first is not second
    assert first.token_store is not second.token_store


def test_a_connections_redactor_masks_its_credentials_and_token_and_writes_nothing() -> None:
    credentials = {"username": "ada", "password": "pass/wörd 1", "organisation": "ORG-0001"}
    connection = ConnectionFactory(
        kind="crmcom", credentials=credentials, token_cache={"token": "cached-token-abc123"}
    )
    redactor = connection_redactor(Connection.objects.get(pk=connection.pk))
    basic = base64.b64encode(b"ada:pass/w\xc3\xb6rd 1").decode()
    text = f"pass%2Fw%C3%B6rd+1 cached-token-abc123 Basic {basic}"
    assert redactor.text(text) == f"{MASK} {MASK} Basic {MASK}"
    connection.refresh_from_db()
    assert connection.token_cache == {"token": "cached-token-abc123"}
