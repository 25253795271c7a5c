"""Every intake path keeps the lead's source: the API, the web form, the import, staff."""

from __future__ import annotations

import pytest
from django.test import Client

from leadhub.api.models import KeyKind
from leadhub.api.snippets import destination_snippets
from leadhub.attribution.models import DETAIL_FIELDS, LeadSource, SourceKind
from leadhub.imports.services import import_job_run
from leadhub.models import Lead
from tests.leadhub.conftest import CONTACT
from tests.leadhub.test_imports import HEADER, make_job, person
from vendors.models import CampaignField

pytestmark = pytest.mark.django_db

FIELDS = {"data13": "Volvo", "gender": "F", "dob": "1990-12-31"}
SOURCE = {
    "sub1": "aff-7",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "spring",
    "utm_term": "volvo",
    "utm_content": "hero",
    "gclid": "G-1",
    "fbclid": "F-1",
    "msclkid": "M-1",
    "landing_page": "https://shop.example/cars?utm_source=newsletter",
    "referrer": "https://mail.example/",
}


@pytest.fixture(autouse=True)
def no_push(monkeypatch):
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)


def body(destination, **extra) -> dict:
    return {
        **CONTACT,
        "destinations": [{"destination": destination.slug, "fields": FIELDS}],
        **extra,
    }


def test_an_api_lead_keeps_its_key_details_address_and_browser(
    campaign_destination, make_key, api_client, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    key = make_key(campaign_destination)
    api = api_client(key.token)
    created = api.post(
        "/leads",
        body(campaign_destination, source=SOURCE),
        **{"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "User-Agent": "Relay/1.0"},
    )
    assert created.status_code == 201, created.content
    answer = created.json()["source"]
    assert answer["kind"] == "api" and answer["api_key_prefix"] == key.key.prefix
    assert answer["via"] == f"Website ({key.key.prefix}…)"
    assert {k: answer[k] for k in SOURCE} == SOURCE
    assert answer["ip_address"] == "203.0.113.9" and answer["user_agent"] == "Relay/1.0"
    again = api.get(f"/leads/{created.json()['id']}").json()
    assert again["source"] == answer
    listed = api.get("/leads").json()["items"]
    assert listed[0]["source"] == answer


def test_a_relayed_lead_gives_the_persons_own_address(
    campaign_destination, make_key, api_client
) -> None:
    api = api_client(make_key(campaign_destination).token)
    relayed = {"ip_address": "2001:db8::5", "user_agent": "Mozilla/5.0 (Phone)"}
    created = api.post("/leads", body(campaign_destination, source=relayed))
    assert created.status_code == 201, created.content
    source = LeadSource.objects.get()
    assert (source.ip_address, source.user_agent) == ("2001:db8::5", "Mozilla/5.0 (Phone)")


@pytest.mark.parametrize(
    ("source", "field", "code"),
    [
        ({"ip_address": "999.1.1.1"}, "source.ip_address", "invalid_ip_address"),
        ({"utm_source": "x" * 256}, "source.utm_source", "string_too_long"),
        ({"utm_sauce": "typo"}, "source.utm_sauce", "unknown_field"),
        ({"gclid": ["a"]}, "source.gclid", "wrong_type"),
    ],
)
def test_a_bad_source_is_a_422_naming_it_and_saves_nothing(
    campaign_destination, make_key, api_client, source, field, code
) -> None:
    api = api_client(make_key(campaign_destination).token)
    refused = api.post("/leads", body(campaign_destination, source=source))
    assert refused.status_code == 422, refused.content
    assert (field, code) in {(e["field"], e["code"]) for e in refused.json()["error"]["errors"]}
    assert not Lead.objects.exists()


def test_a_web_form_lead_keeps_what_the_page_passed(campaign_destination, make_key) -> None:
    key = make_key(campaign_destination, kind=KeyKind.PUBLISHABLE)
    posted = Client().post(
        f"/api/v1/forms/{campaign_destination.slug}",
        {"key": key.token, **CONTACT, **FIELDS, **SOURCE},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Mozilla/5.0",
    )
    assert posted.status_code == 201, posted.content
    source = LeadSource.objects.get()
    assert source.kind == SourceKind.WEB_FORM and source.api_key_id == key.key.pk
    assert {k: getattr(source, k) for k in SOURCE} == SOURCE
    assert (source.ip_address, source.user_agent) == ("198.51.100.4", "Mozilla/5.0")
    # The campaign details are the form's own: never sent to the vendor.
    payload = source.lead.submissions.get().payload
    assert not {"utm_source", "gclid", "landing_page"} & set(payload)


def test_without_the_script_the_posting_page_stands_for_the_landing_page(
    campaign_destination, make_key
) -> None:
    key = make_key(campaign_destination, kind=KeyKind.PUBLISHABLE)
    posted = Client().post(
        f"/api/v1/forms/{campaign_destination.slug}",
        {"key": key.token, **CONTACT, **FIELDS},
        HTTP_REFERER="https://shop.example/contact",
    )
    assert posted.status_code == 201, posted.content
    assert LeadSource.objects.get().landing_page == "https://shop.example/contact"


def test_a_lead_staff_enter_names_them(lead_entry, campaign_destination, admin_user) -> None:
    prefix = f"d{campaign_destination.pk}__"
    lead = lead_entry.send(
        campaign_destination, {**CONTACT, **{prefix + k: v for k, v in FIELDS.items()}}
    )
    source = LeadSource.objects.get(lead=lead)
    assert (source.kind, source.user_id) == (SourceKind.STAFF, admin_user.pk)
    assert source.ip_address is None and source.user_agent == ""  # staff's own: not kept


def test_imported_leads_name_their_import(campaign_destination, admin_user) -> None:
    job = make_job(campaign_destination, [HEADER, *(person(n) for n in range(4))])
    job.created_by = admin_user
    job.save(update_fields=["created_by"])
    import_job_run(job_id=job.pk)
    sources = LeadSource.objects.all()
    assert sources.count() == Lead.objects.count() == 4
    assert {(s.kind, s.import_job_id, s.user_id) for s in sources} == {
        (SourceKind.IMPORT, job.pk, admin_user.pk)
    }


def test_the_copied_form_carries_the_source_fields_and_its_script(campaign_destination) -> None:
    html = destination_snippets(campaign_destination, "https://leads.example").html_form
    for name in DETAIL_FIELDS:
        assert f'<input type="hidden" name="{name}">' in html
    assert "<script>" in html and "sessionStorage" in html and '"utm_campaign"' in html
    assert html.rstrip().endswith("</form>")


def test_a_campaign_field_named_like_a_source_part_still_goes_to_the_vendor(
    campaign_destination, make_key
) -> None:
    CampaignField.objects.create(
        campaign=campaign_destination.campaign,
        position=99,
        name="utm_source",
        label="UTM source",
        data_type="Text",
        category="",
    )
    key = make_key(campaign_destination, kind=KeyKind.PUBLISHABLE)
    posted = Client().post(
        f"/api/v1/forms/{campaign_destination.slug}",
        {"key": key.token, **CONTACT, **FIELDS, "utm_source": "google", "gclid": "G-1"},
    )
    assert posted.status_code == 201, posted.content
    source = LeadSource.objects.get()
    assert (source.utm_source, source.gclid) == ("google", "G-1")
    payload = source.lead.submissions.get().payload
    assert payload["utm_source"] == "google" and "gclid" not in payload and "key" not in payload
