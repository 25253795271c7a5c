"""Vendor answers are untrusted: escaped where shown, links only if http(s), bounded, masked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadhub.admin.display import link_buttons, safe_link
from tests.factories import SubmissionFactory
from vendors.leadbyte import LeadByte
from vendors.outcomes import Outcome
from vendors.results import VendorError, VendorRequest, VendorResponse

KEY = "echoed-secret-key-4d5e6f"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/path",
        "file:///etc/passwd",
        "",
        None,
        42,
    ],
)
def test_only_http_links_become_buttons(url) -> None:
    assert safe_link(url) is None
    assert link_buttons({"edit": url}) == "—"


def test_http_links_become_escaped_buttons() -> None:
    html = link_buttons({"edit": 'https://crm.example/x?a=1&b="><script>'})
    assert 'href="https://crm.example/x?a=1&amp;b=&quot;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.django_db
def test_vendor_strings_are_escaped_on_every_page(admin_client) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    submission = SubmissionFactory(
        vendor_message=evil,
        vendor_reference=evil[:100],
        vendor_code="<b>",
        field_errors={"__all__": [evil]},
        response_data={"queue_status": evil},
        links={"edit": "javascript:alert(1)", "customer_view": "https://ok.example/v"},
    )
    submission.attempts.create(number=1, response_body=evil, message=evil, request={"u": evil})
    for url in (
        reverse("admin:leadhub_submission_change", args=[submission.pk]),
        reverse("admin:leadhub_submission_changelist"),
        reverse("admin:leadhub_lead_change", args=[submission.lead_id]),
    ):
        page = admin_client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
        assert 'href="javascript:' not in page, url
    page = admin_client.get(
        reverse("admin:leadhub_submission_change", args=[submission.pk])
    ).content.decode()
    assert "&lt;script&gt;" in page
    assert 'href="https://ok.example/v"' in page


def fake_answer(adapter: LeadByte, status: int, body: str | bytes, ctype="application/json"):
    text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")

    def answer(request: VendorRequest, url: str) -> VendorResponse:
        return VendorResponse(status, {"Content-Type": ctype}, text)

    adapter._http = answer  # type: ignore[method-assign]


def test_a_vendor_echoing_the_key_is_masked_in_results_and_exceptions() -> None:
    adapter = LeadByte(base_url="https://vendor.test/", credentials={"api_key": KEY})
    body = f'{{"status":"Error","code":-5,"message":"bad key {KEY}","errors":["key {KEY}"]}}'
    fake_answer(adapter, 401, body)
    delivery = adapter.submit("create_lead", {"campid": "X"})
    assert KEY not in delivery.result.message
    assert KEY not in str(delivery.result.field_errors)
    assert KEY not in delivery.exchanges[0].response_body
    assert KEY not in delivery.exchanges[0].error
    with pytest.raises(VendorError) as caught:
        adapter.list_campaigns()
    assert KEY not in str(caught.value) and KEY not in caught.value.message
    assert KEY not in str(caught.value.field_errors)


def test_oversized_and_nul_laden_answers_are_bounded_before_storage(settings) -> None:
    settings.STORED_BODY_LIMIT = 1000
    adapter = LeadByte(base_url="https://vendor.test/", credentials={"api_key": KEY})
    huge = "Q" * 50_000
    body = (
        f'{{"status":"Success","code":1,"results":[{{"queueId":"{huge}\\u0000",'
        f'"status":"Queued\\u0000{huge}","code":"{huge}"}}]}}'
    )
    fake_answer(adapter, 200, body)
    delivery = adapter.submit("create_lead", {"campid": "X"})
    result = delivery.result
    assert result.outcome is Outcome.ACCEPTED
    assert len(result.reference) == 255 and "\x00" not in result.reference
    assert len(result.code) == 50
    assert len(result.message) <= 2000 and "\x00" not in result.message
    assert "\x00" not in str(result.data)
    assert len(delivery.exchanges[0].response_body) <= 1000


def test_binary_answers_are_replaced_by_a_note(monkeypatch) -> None:
    adapter = LeadByte(base_url="https://vendor.test/", credentials={"api_key": KEY})
    fake_answer(adapter, 200, bytes(range(256)) * 10, ctype="")
    delivery = adapter.submit("create_lead", {"campid": "X"})
    assert delivery.exchanges[0].response_body.startswith("[binary answer of")
    # An answer nobody can read: resent where the vendor refuses a lead it already has
    # (LeadByte), held for a person elsewhere (vendors/outcomes.py).
    assert delivery.result.condition == "unreadable_answer"
    assert delivery.result.outcome is Outcome.TRANSIENT
    monkeypatch.setattr(LeadByte, "rejects_resent_leads", False)  # a rule of the vendor's
    fake_answer(adapter, 200, bytes(range(256)) * 10, ctype="")
    assert adapter.submit("create_lead", {"campid": "X"}).result.outcome is Outcome.UNCERTAIN


def test_a_failed_sync_records_a_masked_storable_message(db) -> None:
    from tests.factories import ConnectionFactory
    from vendors.campaign_sync import campaigns_sync
    from vendors.models import Connection

    connection = ConnectionFactory(credentials={"api_key": KEY}, base_url="https://vendor.test/")
    body = f'{{"status":"Error","code":-5,"message":"key {KEY}\\u0000","errors":true}}'

    def answer(self, request, url):
        return VendorResponse(200, {"Content-Type": "application/json"}, body)

    original = LeadByte._http
    LeadByte._http = answer  # type: ignore[method-assign]
    try:
        with pytest.raises(VendorError) as caught:
            campaigns_sync(connection=connection)
    finally:
        LeadByte._http = original  # type: ignore[method-assign]
    assert KEY not in str(caught.value) and "\x00" not in caught.value.message
    stored = Connection.objects.get(pk=connection.pk).last_error
    assert stored.startswith("Campaign sync failed:")
    assert KEY not in stored and "\x00" not in stored
