"""The campaign sync page and its status endpoint: progress while a sync runs, and what
it found (campaigns added, changed, gone; fields changed) once it ends."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from leadhub.demo import sales_staff_grant
from sandbox.models import SandboxCampaign
from vendors.models import CampaignSync, Connection
from vendors.tasks import run_campaign_sync

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = "admin:vendors_connection_sync_status"


@pytest.fixture
def held_syncs(monkeypatch) -> list[int]:
    """Hold the background syncs, as a busy worker would; the test runs them."""
    held: list[int] = []
    monkeypatch.setattr(
        "vendors.campaign_sync.async_task", lambda name, pk, **kwargs: held.append(pk)
    )
    return held


def start_sync(client: Any, *connections: Connection) -> str:
    response = client.post(
        reverse("admin:vendors_connection_changelist"),
        {"action": "sync_campaigns", "_selected_action": [c.pk for c in connections]},
    )
    assert response.status_code == 302
    return response["Location"]


def status(client: Any, page_url: str) -> dict[str, Any]:
    query = page_url.partition("?")[2]
    response = client.get(f"{reverse(STATUS)}?{query}")
    assert response.status_code == 200
    return response.json()


def test_the_status_follows_a_sync_from_waiting_to_what_it_found(
    admin_client, leadbyte_connection: Connection, held_syncs: list[int]
) -> None:
    page_url = start_sync(admin_client, leadbyte_connection)
    assert page_url.startswith(reverse("admin:vendors_connection_sync"))
    page = admin_client.get(page_url).content.decode()
    assert 'data-pending="1"' in page and "Waiting for a worker" in page
    assert "live_panel.js" in page

    waiting = status(admin_client, page_url)
    assert waiting["pending"] is True
    assert [s["state"] for s in waiting["syncs"]] == ["waiting"]

    # Mid-way, as the worker writes it: how many campaigns were read of how many.
    CampaignSync.objects.filter(pk=held_syncs[0]).update(
        started_at="2026-01-05T10:00:00Z", campaigns_total=2, campaigns_read=1
    )
    running = status(admin_client, page_url)
    assert running["syncs"][0]["state"] == "running"
    assert "1 of 2 campaigns read from LeadByte." in running["html"]

    run_campaign_sync(held_syncs[0])
    done = status(admin_client, page_url)
    assert done["pending"] is False
    (sync,) = done["syncs"]
    assert sync["state"] == "done" and sync["connection"] == leadbyte_connection.name
    assert sorted(sync["report"]["added"]) == ["EXAMPLE-CAMPAIGN", "SOLAR-REVIEW"]
    added = done["html"].split("Campaigns added")[1].split("</tr>")[0]
    assert '<td class="lh-sync-count">2</td>' in added
    assert "EXAMPLE-CAMPAIGN" in added and "SOLAR-REVIEW" in added
    assert "No campaign's fields changed." in done["html"]


def test_the_result_names_what_changed_and_what_is_gone(
    admin_client, leadbyte_connection: Connection, held_syncs: list[int]
) -> None:
    run_campaign_sync(CampaignSync.objects.create(connection=leadbyte_connection).pk)
    remote = SandboxCampaign.objects.get(reference="EXAMPLE-CAMPAIGN")
    remote.definition["fields"] = [f for f in remote.definition["fields"] if f["name"] != "data14"]
    remote.save()
    SandboxCampaign.objects.filter(reference="SOLAR-REVIEW").delete()

    page_url = start_sync(admin_client, leadbyte_connection)
    run_campaign_sync(held_syncs[0])
    html = status(admin_client, page_url)["html"]
    assert 'Campaigns changed</th><td class="lh-sync-count">1</td><td>EXAMPLE-CAMPAIGN' in html
    assert (
        'Campaigns gone (no longer listed)</th><td class="lh-sync-count">1</td><td>SOLAR-REVIEW'
        in html
    )
    assert "Field “mortgage_type” (data14) was removed" in html


def test_a_failed_sync_shows_why(admin_client, leadbyte_connection: Connection, held_syncs) -> None:
    leadbyte_connection.credentials = {"api_key": "revoked-key-0000"}
    leadbyte_connection.save()
    page_url = start_sync(admin_client, leadbyte_connection)
    run_campaign_sync(held_syncs[0])
    done = status(admin_client, page_url)
    assert done["pending"] is False and done["syncs"][0]["state"] == "failed"
    assert "LeadByte refused the API key" in done["html"]
    assert "revoked-key-0000" not in str(done)


def test_other_vendors_are_not_synced_and_say_so(admin_client, getlead_connection) -> None:
    response = admin_client.post(
        reverse("admin:vendors_connection_changelist"),
        {"action": "sync_campaigns", "_selected_action": [getlead_connection.pk]},
        follow=True,
    )
    assert "Only LeadByte connections have campaigns to sync." in response.content.decode()
    assert not CampaignSync.objects.exists()


def test_only_those_who_may_sync_see_the_status(
    client, django_user_model, leadbyte_connection
) -> None:
    sync = CampaignSync.objects.create(connection=leadbyte_connection)
    sales = django_user_model.objects.create_user("sam")
    sales_staff_grant(sales)
    client.force_login(sales)
    response = client.get(reverse(STATUS), {"ids": str(sync.pk)})
    assert response.status_code == 403
    assert client.get(reverse("admin:vendors_connection_sync"), {"ids": sync.pk}).status_code == 403
