"""Connection admin: write-only credentials, and the campaign sync action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import LEADBYTE_KEY
from tests.factories import ConnectionFactory
from vendors.models import Campaign, Connection

ADD = reverse("admin:vendors_connection_add")


def leadbyte_form(**fields: str) -> dict[str, str]:
    """The connection form for a LeadByte account, as the admin posts it, with ``fields``."""
    return {
        "name": "LeadByte live",
        "base_url": "https://acme.leadbyte.co.uk/",
        "is_active": "on",
        "setting__date_format": "DD/MM/YYYY",
        **fields,
    }


@pytest.mark.django_db
def test_adding_a_connection_starts_with_the_vendor(admin_client) -> None:
    page = admin_client.get(ADD).content.decode()
    assert "?kind=leadbyte" in page


@pytest.mark.django_db
def test_credentials_are_written_once_and_never_shown(admin_client) -> None:
    form = leadbyte_form(
        credential__api_key="lb-live-key-987654", setting__date_format="YYYY-MM-DD"
    )
    response = admin_client.post(f"{ADD}?kind=leadbyte", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection = Connection.objects.get(name="LeadByte live")
    assert connection.credentials == {"api_key": "lb-live-key-987654"}
    assert connection.setting("date_format") == "YYYY-MM-DD"
    change_url = reverse("admin:vendors_connection_change", args=[connection.pk])
    page = admin_client.get(change_url).content.decode()
    assert "lb-live-key-987654" not in page
    assert "Leave blank to keep the current value" in page
    # A blank box keeps the stored key.
    admin_client.post(change_url, leadbyte_form(credential__api_key=""))
    connection.refresh_from_db()
    assert connection.credentials == {"api_key": "lb-live-key-987654"}
    assert connection.setting("date_format") == "DD/MM/YYYY"


@pytest.mark.django_db
def test_a_new_connection_needs_its_key(admin_client) -> None:
    response = admin_client.post(f"{ADD}?kind=leadbyte", leadbyte_form(name="No key"))
    assert response.status_code == 200
    assert "credential__api_key" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_a_connections_deadline_is_set_on_its_page_and_held_to_the_task_timeout(
    admin_client, settings
) -> None:
    settings.Q_TIMEOUT = 90
    form = leadbyte_form(credential__api_key="lb-live-key-987654", deadline_seconds="45")
    response = admin_client.post(f"{ADD}?kind=leadbyte", form)
    assert response.status_code == 200
    assert "at most 20 s" in str(response.context["adminform"].form.errors["deadline_seconds"])
    response = admin_client.post(f"{ADD}?kind=leadbyte", {**form, "deadline_seconds": "12"})
    assert response.status_code == 302
    assert Connection.objects.get(name="LeadByte live").deadline_seconds == 12


@pytest.mark.django_db(transaction=True)
def test_sync_action_refreshes_the_campaigns_and_shows_what_changed(
    admin_client, leadbyte_connection: Connection
) -> None:
    other = ConnectionFactory(kind="leadbyte", base_url="http://127.0.0.1:9/")
    response = admin_client.post(
        reverse("admin:vendors_connection_changelist"),
        {"action": "sync_campaigns", "_selected_action": [leadbyte_connection.pk, other.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Campaign.objects.filter(connection=leadbyte_connection).count() == 2
    leadbyte_connection.refresh_from_db()
    assert "2 new" in leadbyte_connection.last_sync_summary
    other.refresh_from_db()
    assert other.last_sync_at is None
    assert other.last_error.startswith("Campaign sync failed")
    assert (
        LEADBYTE_KEY
        not in admin_client.get(
            reverse("admin:vendors_connection_change", args=[leadbyte_connection.pk])
        ).content.decode()
    )
