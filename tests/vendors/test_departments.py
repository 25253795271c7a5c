"""Getlead department assignment: the connection admin action and the service behind it."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from sandbox.models import SandboxRecord
from tests.conftest import GETLEAD_TOKEN
from vendors.departments import department_assign
from vendors.models import Connection
from vendors.outcomes import Outcome

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = reverse("admin:vendors_connection_changelist")


def run_action(admin_client, connection: Connection, **fields: str):
    data = {"action": "assign_department", "_selected_action": [connection.pk], **fields}
    return admin_client.post(CHANGELIST, data, follow=bool(fields.get("apply")))


def test_the_action_asks_for_the_source_number_and_department(
    admin_client, getlead_connection: Connection
) -> None:
    response = run_action(admin_client, getlead_connection)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="SourceNumber"' in page and 'name="department"' in page
    assert "Getlead test" in page
    assert not SandboxRecord.objects.exists()


def test_an_assignment_is_shown_and_recorded_on_the_connection(
    admin_client, getlead_connection: Connection
) -> None:
    response = run_action(
        admin_client,
        getlead_connection,
        apply="1",
        SourceNumber="+44 20 7946 0000",
        department="Sales",
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "Getlead test: The source number has been assigned to the specified department."
    ]
    getlead_connection.refresh_from_db()
    assert getlead_connection.last_success_at is not None
    record = SandboxRecord.objects.get(endpoint="gl-department-vise-agent-assign")
    assert record.payload == {"SourceNumber": "+44 20 7946 0000", "department": "Sales"}


def test_a_refusal_is_shown_and_recorded_as_the_connection_error(
    admin_client, getlead_connection: Connection
) -> None:
    response = run_action(
        admin_client, getlead_connection, apply="1", SourceNumber="442079460000", department="HR"
    )
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert str(message) == (
        "Getlead test: Getlead refused the request: The selected department is invalid."
    )
    getlead_connection.refresh_from_db()
    assert getlead_connection.last_error == (
        "Department assignment failed: Getlead refused the request: "
        "The selected department is invalid."
    )
    assert GETLEAD_TOKEN not in getlead_connection.last_error


def test_missing_fields_keep_the_page_and_send_nothing(
    admin_client, getlead_connection: Connection
) -> None:
    response = run_action(admin_client, getlead_connection, apply="1", department="Sales")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not SandboxRecord.objects.exists()


def test_other_vendors_are_told_the_action_is_getlead_only(
    admin_client, leadbyte_connection: Connection
) -> None:
    response = run_action(admin_client, leadbyte_connection)
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert str(message) == "Only Getlead connections assign departments."


def test_an_unreachable_getlead_is_recorded_on_the_connection(
    getlead_connection: Connection,
) -> None:
    getlead_connection.base_url = "http://127.0.0.1:9/"
    getlead_connection.save()
    result = department_assign(
        connection=getlead_connection, source_number="442079460000", department="Sales"
    )
    assert result.outcome is Outcome.TRANSIENT
    getlead_connection.refresh_from_db()
    assert getlead_connection.last_error.startswith(
        "Department assignment failed: The vendor could not be reached"
    )
