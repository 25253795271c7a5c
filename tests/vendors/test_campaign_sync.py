"""The LeadByte campaign cache, synced from the sandbox over HTTP."""

from __future__ import annotations

import pytest

from sandbox.models import SandboxCampaign
from vendors.campaign_sync import campaign_sync_run, campaign_syncs_start, campaigns_sync
from vendors.models import Campaign, CampaignSync, Connection
from vendors.results import VendorError

pytestmark = pytest.mark.django_db(transaction=True)


def test_sync_caches_campaigns_and_fields_as_the_api_returns_them(
    leadbyte_connection: Connection,
) -> None:
    report = campaigns_sync(connection=leadbyte_connection)
    assert sorted(report.added) == ["EXAMPLE-CAMPAIGN", "SOLAR-REVIEW"]
    campaign = Campaign.objects.get(reference="EXAMPLE-CAMPAIGN")
    assert (campaign.vendor_id, campaign.name, campaign.currency, campaign.sms_field) == (
        "9",
        "Example Campaign A",
        "Britain (United Kingdom), Pounds",
        "Phone 1",
    )
    assert campaign.active and campaign.sup_visible and not campaign.archived
    names = list(campaign.fields.values_list("name", flat=True))
    assert names == [
        "data13",
        "data14",
        "dob",
        "email",
        "firstname",
        "gender",
        "lastname",
        "phone1",
        "postcode",
        "sid",
    ]
    gender = campaign.fields.get(name="gender")
    assert gender.selection_labels == "Male,Female,M,F" and gender.category == "Standard"
    leadbyte_connection.refresh_from_db()
    assert leadbyte_connection.last_sync_at is not None
    assert "2 new" in leadbyte_connection.last_sync_summary


def test_a_second_sync_changes_nothing(leadbyte_connection: Connection) -> None:
    campaigns_sync(connection=leadbyte_connection)
    report = campaigns_sync(connection=leadbyte_connection)
    assert report.added == [] and report.changed == [] and report.unchanged == 2


def test_a_changed_field_is_reported(leadbyte_connection: Connection) -> None:
    campaigns_sync(connection=leadbyte_connection)
    remote = SandboxCampaign.objects.get(reference="EXAMPLE-CAMPAIGN")
    remote.definition["fields"][1]["required"] = True
    remote.save()
    remote.definition["active"] = "0"
    remote.save()
    report = campaigns_sync(connection=leadbyte_connection)
    assert report.changed == ["EXAMPLE-CAMPAIGN"]
    assert Campaign.objects.get(reference="EXAMPLE-CAMPAIGN").fields.get(name="data14").required
    # What changed in its fields, in words, and that LeadByte switched it off.
    assert report.fields_changed == {
        "EXAMPLE-CAMPAIGN": ["Field “mortgage_type” (data14) is now required."]
    }
    assert report.deactivated == ["EXAMPLE-CAMPAIGN"]
    assert report.as_dict()["fields_changed"] == report.fields_changed


def test_a_campaign_no_longer_returned_is_kept_and_marked_inactive(
    leadbyte_connection: Connection,
) -> None:
    campaigns_sync(connection=leadbyte_connection)
    SandboxCampaign.objects.filter(reference="SOLAR-REVIEW").delete()
    report = campaigns_sync(connection=leadbyte_connection)
    assert report.delisted == ["SOLAR-REVIEW"]
    gone = Campaign.objects.get(reference="SOLAR-REVIEW")
    assert not gone.listed and not gone.active
    assert gone.fields.exists()


def test_a_wrong_key_leaves_the_cache_alone_and_is_shown_on_the_connection(
    leadbyte_connection: Connection,
) -> None:
    campaigns_sync(connection=leadbyte_connection)
    leadbyte_connection.credentials = {"api_key": "revoked-key-0000"}
    leadbyte_connection.save()
    with pytest.raises(VendorError):
        campaigns_sync(connection=leadbyte_connection)
    assert Campaign.objects.filter(listed=True).count() == 2
    leadbyte_connection.refresh_from_db()
    assert "refused the API key" in leadbyte_connection.last_error


def test_a_sync_tells_its_progress_campaign_by_campaign(leadbyte_connection: Connection) -> None:
    told: list[tuple[int, int]] = []
    campaigns_sync(connection=leadbyte_connection, progress=lambda *p: told.append(p))
    assert told == [(0, 2), (1, 2), (2, 2)]


def test_a_started_sync_records_its_progress_and_what_it_found(
    leadbyte_connection: Connection, monkeypatch
) -> None:
    held: list[int] = []
    monkeypatch.setattr(
        "vendors.campaign_sync.async_task", lambda name, pk, **kwargs: held.append(pk)
    )
    other = Connection.objects.create(
        kind="getlead", name="No campaigns", base_url="https://x.example/"
    )
    (sync,) = campaign_syncs_start(connections=[leadbyte_connection, other])
    assert held == [sync.pk] and sync.state == "waiting"

    finished = campaign_sync_run(sync_id=sync.pk)
    assert finished.state == "done" and finished.percent == 100
    assert (finished.campaigns_read, finished.campaigns_total) == (2, 2)
    assert sorted(finished.report["added"]) == ["EXAMPLE-CAMPAIGN", "SOLAR-REVIEW"]
    assert finished.report["fields_changed"] == {}
    # Delivered twice by the broker: nothing runs again.
    assert campaign_sync_run(sync_id=sync.pk).finished_at == finished.finished_at


def test_a_failed_sync_says_why(leadbyte_connection: Connection, monkeypatch) -> None:
    monkeypatch.setattr("vendors.campaign_sync.async_task", lambda *args, **kwargs: None)
    leadbyte_connection.credentials = {"api_key": "revoked-key-0000"}
    leadbyte_connection.save()
    (sync,) = campaign_syncs_start(connections=[leadbyte_connection])
    failed = campaign_sync_run(sync_id=sync.pk)
    assert failed.state == "failed"
    assert failed.error.startswith("Campaign sync failed: LeadByte refused the API key")
    assert "revoked-key-0000" not in failed.error
    assert CampaignSync.objects.get().report == {}
