from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet

from tests.factories import ConnectionFactory
from vendors.crypto import UndecryptableValue
from vendors.models import Connection

pytestmark = pytest.mark.django_db

SECRET = "lb-key-3b1f0c2e9d"


def test_credentials_round_trip_and_are_not_stored_in_clear(
    raw_credentials: Callable[[int], str],
) -> None:
    connection = ConnectionFactory(credentials={"api_key": SECRET})
    assert Connection.objects.get(pk=connection.pk).credentials == {"api_key": SECRET}
    raw = raw_credentials(connection.pk)
    assert SECRET not in raw
    assert raw.startswith("gAAAA")  # a Fernet token


def test_empty_credentials_are_stored_empty(raw_credentials: Callable[[int], str]) -> None:
    connection = ConnectionFactory(credentials={})
    assert raw_credentials(connection.pk) == ""
    assert Connection.objects.get(pk=connection.pk).credentials == {}


def test_a_value_no_key_can_read_raises_naming_the_field(settings) -> None:
    connection = ConnectionFactory(credentials={"api_key": SECRET})
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(UndecryptableValue, match=r"Connection\.credentials"):
        Connection.objects.get(pk=connection.pk)


def test_a_new_key_first_still_reads_values_under_the_old_one(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    connection = ConnectionFactory(credentials={"api_key": SECRET})
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert Connection.objects.get(pk=connection.pk).credentials["api_key"] == SECRET
