"""Consent evidence: entered on the form or in an import column, kept on the lead, shown on
its page, and sent to a LeadByte campaign that has opt-in fields."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from leadhub.imports.rows import guess_mapping, targets
from leadhub.imports.services import import_job_run
from leadhub.models import Lead
from leadhub.services.leads import LEAD_FIELDS, lead_fields
from tests.factories import CampaignFieldFactory
from tests.leadhub.test_imports import GOOD, HEADER, make_job

pytestmark = pytest.mark.django_db

CONSENT = {
    "consent_date": "2026-11-02",
    "consent_url": "https://offers.example.org/signup",
    "consent_wording": "I agree to be called about car insurance.",
}


@pytest.fixture
def optin_destination(campaign_destination):
    """The example campaign with LeadByte's opt-in fields added."""
    for name in ("optindate", "optinurl", "optinwording"):
        CampaignFieldFactory(campaign=campaign_destination.campaign, name=name, position=100)
    return campaign_destination


def _form(destination) -> dict[str, str]:
    prefix = f"d{destination.pk}__"
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        f"{prefix}data13": "Volvo",
        f"{prefix}gender": "F",
        f"{prefix}dob": "1990-12-31",
        **CONSENT,
    }


def test_consent_is_kept_shown_and_sent_where_the_campaign_takes_it(
    admin_client, lead_entry, optin_destination, settings
) -> None:
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    preview = lead_entry.post(optin_destination, _form(optin_destination), press=None)
    assert "https://offers.example.org/signup" in preview.content.decode()
    lead = lead_entry.send(optin_destination, _form(optin_destination))
    assert lead.consent_date == date(2026, 11, 2)
    assert lead.consent_wording == CONSENT["consent_wording"]
    payload = lead.submissions.get().payload
    assert payload["optinurl"] == CONSENT["consent_url"]
    assert payload["optinwording"] == CONSENT["consent_wording"]
    assert payload["optindate"]
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk])).content
    assert b"Opted in on" in page and b"I agree to be called about car insurance." in page


def test_a_campaign_without_opt_in_fields_is_sent_none(lead_entry, campaign_destination, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    lead = lead_entry.send(campaign_destination, _form(campaign_destination))
    assert lead.consent_url == CONSENT["consent_url"]
    assert not {"optinurl", "optindate"} & set(lead.submissions.get().payload)


def test_an_import_column_fills_consent(optin_destination) -> None:
    header = [*HEADER, "Opt-in date", "Opt-in URL", "Consent wording"]
    guessed = guess_mapping(header, targets([optin_destination]))
    assert guessed["consent_url"] == "Opt-in URL"
    assert guessed["consent_date"] == "Opt-in date"
    job = make_job(
        optin_destination,
        [header, [*GOOD, "2026-11-02", CONSENT["consent_url"], "Yes please"]],
        consent_date="Opt-in date",
        consent_url="Opt-in URL",
        consent_wording="Consent wording",
    )
    import_job_run(job_id=job.pk)
    lead = Lead.objects.get()
    assert (lead.consent_date, lead.consent_url, lead.consent_wording) == (
        date(2026, 11, 2),
        CONSENT["consent_url"],
        "Yes please",
    )
    assert lead.email_normalised == "ada@example.com"
    assert lead.submissions.get().payload["optinurl"] == CONSENT["consent_url"]


def test_lead_fields_come_in_the_order_the_import_copies_them() -> None:
    assert tuple(lead_fields({"first_name": "Ada", **CONSENT})) == LEAD_FIELDS
