"""Connection health: the Test connection action and the daily check of active connections."""

from __future__ import annotations

import importlib
import socket

import pytest
from django.apps import apps
from django.urls import reverse
from django_q.models import Schedule

from sandbox.models import SandboxRecord
from tests.conftest import LEADBYTE_KEY
from tests.factories import ConnectionFactory
from vendors.base import VendorAdapter
from vendors.connection_test import CHECK_SCHEDULE_NAME, connection_test
from vendors.leadbyte import LeadByte
from vendors.models import Connection
from vendors.tasks import check_connections

live = pytest.mark.django_db(transaction=True)


@live
def test_leadbyte_check_lists_the_campaigns(leadbyte_connection: Connection) -> None:
    result = connection_test(connection=leadbyte_connection)
    assert result.ok is True
    assert result.message == "LeadByte accepted the API key and listed 2 campaigns."
    leadbyte_connection.refresh_from_db()
    assert leadbyte_connection.last_check_ok is True
    assert leadbyte_connection.last_check_at == result.checked_at
    assert leadbyte_connection.last_success_at == result.checked_at


@live
def test_a_refused_key_is_a_failed_check_without_the_key(sandbox: str) -> None:
    connection = ConnectionFactory(
        base_url=f"{sandbox}leadbyte/", credentials={"api_key": "wrong-key-9876543"}
    )
    result = connection_test(connection=connection)
    assert result.ok is False
    assert result.message == "LeadByte refused the API key. Invalid API key"
    connection.refresh_from_db()
    assert connection.last_check_ok is False
    assert "wrong-key" not in connection.last_check_message


@pytest.mark.django_db
def test_an_unreachable_vendor_is_a_failed_check() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    connection = ConnectionFactory(base_url=f"http://127.0.0.1:{port}/")
    result = connection_test(connection=connection)
    assert result.ok is False
    assert "could not be reached" in result.message


@pytest.mark.django_db
def test_a_vendor_without_a_test_says_so_plainly(monkeypatch) -> None:
    monkeypatch.setattr(LeadByte, "check", VendorAdapter.check)
    connection = ConnectionFactory()
    result = connection_test(connection=connection)
    assert result.ok is None
    assert result.message == "LeadByte has no connection test yet."
    connection.refresh_from_db()
    assert connection.last_check_ok is None and connection.last_check_at is not None


@live
def test_crmcom_check_logs_in_and_keeps_the_token(crmcom_connection: Connection) -> None:
    result = connection_test(connection=crmcom_connection)
    assert result.ok is True, result.message
    assert "accepted the username, password and organisation" in result.message
    crmcom_connection.refresh_from_db()
    assert crmcom_connection.token_cache.get("token")  # the next lead uses it
    logins = SandboxRecord.objects.filter(vendor="crmcom", endpoint="authentication/token")
    assert logins.filter(accepted=True).count() == 1


@live
def test_getlead_check_proves_the_token_and_writes_nothing(getlead_connection: Connection) -> None:
    result = connection_test(connection=getlead_connection)
    assert result.ok is True, result.message
    assert "Getlead accepted the token" in result.message
    assert not SandboxRecord.objects.filter(vendor="getlead", accepted=True).exists()


@live
def test_salesbyte_check_reads_the_quotes_api(salesbyte_connection: Connection) -> None:
    result = connection_test(connection=salesbyte_connection)
    assert result.ok is True, result.message
    assert "accepted the Quotes API token" in result.message
    assert "uuid is checked by the first lead" in result.message


# One wrong credential per vendor: the check fails, says why, and never shows the value.
WRONG_CREDENTIALS = [
    ("crmcom_connection", "password", "wrong-pass-1", "CRM.COM refused the login"),
    (
        "getlead_connection",
        "token",
        "gl_ffffffffffffffffffff",
        "Getlead refused the token: check it under GL Connect → API.",
    ),
    ("salesbyte_connection", "api_token", "nope-1", "SalesByte refused the Quotes API token"),
]


@live
@pytest.mark.parametrize(
    ("fixture", "field", "wrong", "says"),
    WRONG_CREDENTIALS,
    ids=[row[0].removesuffix("_connection") for row in WRONG_CREDENTIALS],
)
def test_a_wrong_credential_fails_the_check_without_showing_it(
    request: pytest.FixtureRequest, fixture: str, field: str, wrong: str, says: str
) -> None:
    connection: Connection = request.getfixturevalue(fixture)
    connection.credentials = {**connection.credentials, field: wrong}
    connection.save()
    result = connection_test(connection=connection)
    assert result.ok is False
    assert says in result.message
    assert wrong not in result.message


@live
def test_salesbyte_without_a_quotes_token_says_what_cannot_be_checked(
    salesbyte_connection: Connection,
) -> None:
    salesbyte_connection.credentials = {"uuid": salesbyte_connection.credentials["uuid"]}
    salesbyte_connection.save()
    result = connection_test(connection=salesbyte_connection)
    assert result.ok is None
    assert "no call that checks the integration uuid" in result.message


@live
def test_the_admin_action_tests_and_the_list_shows_the_result(
    admin_client, leadbyte_connection: Connection
) -> None:
    changelist = reverse("admin:vendors_connection_changelist")
    assert "Never tested" in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist,
        {"action": "test_connection", "_selected_action": [leadbyte_connection.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "LeadByte test works: LeadByte accepted the API key and listed 2 campaigns." in page
    # The list's badge, what the test said in its title.
    assert (
        '<span class="lh-status lh-status-accepted" title="LeadByte accepted the API key and '
        'listed 2 campaigns.">OK</span>'
    ) in page
    assert LEADBYTE_KEY not in page


@live
def test_the_daily_task_checks_every_active_connection(
    leadbyte_connection: Connection, sandbox: str
) -> None:
    off = ConnectionFactory(name="Off", is_active=False, base_url=f"{sandbox}leadbyte/")
    ConnectionFactory(
        name="Bad key", base_url=f"{sandbox}leadbyte/", credentials={"api_key": "x" * 12}
    )
    assert check_connections() == "1 ok, 1 failed, 0 untested"
    off.refresh_from_db()
    assert off.last_check_at is None


@pytest.mark.django_db
def test_the_daily_schedule_exists_once_and_is_idempotent() -> None:
    schedule = Schedule.objects.get(name=CHECK_SCHEDULE_NAME)
    assert schedule.func == "vendors.tasks.check_connections"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1
    migration = importlib.import_module("vendors.migrations.0005_connection_check_schedule")
    migration.create_schedule(apps, None)
    assert Schedule.objects.filter(name=CHECK_SCHEDULE_NAME).count() == 1
    assert migration.NAME == CHECK_SCHEDULE_NAME
