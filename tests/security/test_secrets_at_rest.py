"""Credentials at rest: encrypted, rotated under the newest key, and readable errors when not."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import ConnectionFactory, DestinationFactory
from vendors.management.commands.rotate_encryption_keys import encrypted_fields
from vendors.models import Connection

pytestmark = pytest.mark.django_db

SECRET = "lb-rotation-secret-7f3a9c"


@pytest.fixture
def old_and_new(settings) -> tuple[str, str]:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return old, new


def test_encrypted_fields_are_found_through_model_meta() -> None:
    found = {f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()}
    assert "vendors.Connection.credentials" in found
    assert "leadhub_notifications.Channel.secret" in found


def test_rotation_rewrites_every_token_under_the_newest_key(
    settings, old_and_new, raw_credentials
) -> None:
    old, new = old_and_new
    first = ConnectionFactory(credentials={"api_key": SECRET})
    second = ConnectionFactory(credentials={"api_key": SECRET + "-2"})
    empty = ConnectionFactory(credentials={})
    before = raw_credentials(first.pk)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    out = call_command_output("rotate_encryption_keys")

    assert "vendors.Connection.credentials: 2 re-encrypted, 0 already under the newest key" in out
    for connection in (first, second):
        token = raw_credentials(connection.pk).encode()
        assert SECRET.encode() not in token
        Fernet(new.encode()).decrypt(token)  # readable with the new key alone
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(token)
    assert raw_credentials(first.pk) != before
    assert raw_credentials(empty.pk) == ""
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can now be dropped
    assert Connection.objects.get(pk=first.pk).credentials == {"api_key": SECRET}
    again = call_command_output("rotate_encryption_keys")
    assert "0 re-encrypted, 2 already under the newest key" in again


def test_check_reports_without_writing(settings, old_and_new, raw_credentials) -> None:
    old, new = old_and_new
    connection = ConnectionFactory(credentials={"api_key": SECRET})
    before = raw_credentials(connection.pk)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = call_command_output("rotate_encryption_keys", "--check")
    assert "1 would be re-encrypted" in out
    assert raw_credentials(connection.pk) == before


def test_a_value_no_key_reads_stops_the_run_naming_the_field(
    settings, old_and_new, raw_credentials
) -> None:
    old, new = old_and_new
    readable_first = ConnectionFactory(credentials={"api_key": SECRET})
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    lost = ConnectionFactory(credentials={"api_key": SECRET + "-lost"})
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    before = raw_credentials(readable_first.pk)
    with pytest.raises(CommandError, match=rf"vendors\.Connection\.credentials of row {lost.pk}"):
        call_command("rotate_encryption_keys")
    assert raw_credentials(readable_first.pk) == before  # all or nothing


def test_missing_or_malformed_keys_are_a_clear_error(settings) -> None:
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS must be set"):
        call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(CommandError, match="not a Fernet key"):
        call_command("rotate_encryption_keys")


def test_dumpdata_exports_ciphertext_only() -> None:
    ConnectionFactory(credentials={"api_key": SECRET})
    out = call_command_output("dumpdata", "vendors.connection")
    assert SECRET not in out
    assert "gAAAA" in out


# --- unreadable credentials on the admin pages ----------------------------------------------


@pytest.fixture
def unreadable_connection(settings) -> Connection:
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    connection = ConnectionFactory(name="Lost key", credentials={"api_key": SECRET})
    DestinationFactory(name="Lost key destination", connection=connection)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return connection


def test_connection_pages_explain_unreadable_credentials(
    admin_client, unreadable_connection: Connection
) -> None:
    listing = admin_client.get(reverse("admin:vendors_connection_changelist"))
    assert listing.status_code == 200
    assert "Lost key" in listing.content.decode()
    url = reverse("admin:vendors_connection_change", args=[unreadable_connection.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Connection.credentials cannot be decrypted" in text
    assert "type the credentials again" in text
    assert "This field is required" not in text


def test_typing_the_credentials_again_replaces_the_unreadable_value(
    admin_client, unreadable_connection: Connection
) -> None:
    url = reverse("admin:vendors_connection_change", args=[unreadable_connection.pk])
    data = {
        "name": "Lost key",
        "base_url": unreadable_connection.base_url,
        "is_active": "on",
        "setting__date_format": "DD/MM/YYYY",
    }
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    saved = admin_client.post(url, {**data, "credential__api_key": "a-brand-new-key-123"})
    assert saved.status_code == 302
    assert Connection.objects.get(pk=unreadable_connection.pk).credentials == {
        "api_key": "a-brand-new-key-123"
    }


def test_other_pages_that_need_the_credentials_answer_readably(
    admin_client, unreadable_connection: Connection
) -> None:
    response = admin_client.get(reverse("admin:vendors_destination_changelist"))
    assert response.status_code == 503
    text = response.content.decode()
    assert "Connection.credentials cannot be decrypted" in text
    assert SECRET not in text


def call_command_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
