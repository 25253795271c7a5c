"""The real LeadByte client against the LeadByte sandbox, over HTTP on loopback."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.models import SandboxRecord
from sandbox.seed import EXAMPLE_CAMPAIGN
from tests.conftest import LEADBYTE_KEY
from tests.factories import ConnectionFactory
from tests.vendors.payloads import valid_payload
from vendors.clients import connection_client
from vendors.fieldspec import FieldSpec, FieldType
from vendors.leadbyte import LeadByte, earlier_send_in
from vendors.models import Connection
from vendors.outcomes import Outcome
from vendors.results import EarlierSend

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]

QUEUE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{8}$")


def good_lead(**overrides: Any) -> dict[str, Any]:
    return valid_payload("leadbyte", **overrides)


def test_list_campaigns_returns_the_documented_shape(leadbyte_connection: Connection) -> None:
    campaigns = connection_client(leadbyte_connection).list_campaigns()
    example = next(c for c in campaigns if c["reference"] == "EXAMPLE-CAMPAIGN")
    # The seeded campaign as LeadByte's guide shows it, less the fields the detail adds.
    assert example == {k: v for k, v in EXAMPLE_CAMPAIGN.items() if k != "fields"}


def test_campaign_detail_lists_fields_with_names_and_labels(
    leadbyte_connection: Connection,
) -> None:
    detail = connection_client(leadbyte_connection).get_campaign("9")
    by_name = {f["name"]: f for f in detail["fields"]}
    assert by_name["data13"]["label"] == "make_of_car"
    assert by_name["data13"]["required"] is True
    assert by_name["gender"]["selection_values"] == "Male,Female,M,F"


def test_create_lead_is_queued_with_a_queue_id(leadbyte_connection: Connection) -> None:
    delivery = connection_client(leadbyte_connection).submit("create_lead", good_lead())
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert QUEUE_ID.match(delivery.result.reference)
    assert delivery.result.data["queue_status"] == "Queued"
    record = SandboxRecord.objects.get(reference=delivery.result.reference)
    assert record.payload["data13"] == "Volvo"
    assert "key" not in record.payload


def test_the_key_travels_in_the_body_and_is_masked_in_the_exchange(
    leadbyte_connection: Connection,
) -> None:
    delivery = connection_client(leadbyte_connection).submit("create_lead", good_lead())
    (exchange,) = delivery.exchanges
    assert exchange.request["body"]["key"] == "••••••"
    assert LEADBYTE_KEY not in str(exchange.request)
    assert exchange.request["body"]["lead"]["campid"] == "EXAMPLE-CAMPAIGN"
    assert exchange.status_code == 200


def test_quarantining_campaign_answers_quarantined(leadbyte_connection: Connection) -> None:
    lead = good_lead(campid="SOLAR-REVIEW")
    del lead["data13"]
    delivery = connection_client(leadbyte_connection).submit("create_lead", lead)
    assert delivery.result.outcome is Outcome.QUARANTINED
    assert QUEUE_ID.match(delivery.result.reference)


def test_validation_errors_come_back_as_the_errors_array(leadbyte_connection: Connection) -> None:
    delivery = connection_client(leadbyte_connection).submit(
        "create_lead", good_lead(email="not-an-email", data13="")
    )
    result = delivery.result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "-5"
    assert "Email is not a valid email address" in result.message
    assert "make_of_car is required" in result.field_errors["__all__"]


def test_a_second_identical_lead_is_a_duplicate(leadbyte_connection: Connection) -> None:
    adapter = connection_client(leadbyte_connection)
    assert adapter.submit("create_lead", good_lead()).result.outcome is Outcome.ACCEPTED
    second = adapter.submit("create_lead", good_lead(phone1="+447911654321")).result
    assert second.outcome is Outcome.DUPLICATE
    assert second.code == "-2"
    # LeadByte's "Duplicate or resubmission" only says our words again: said once.
    assert second.message == "LeadByte already has this lead (duplicate or resubmission)."


@pytest.mark.parametrize("campid", ["NO-SUCH-CAMPAIGN", ""])
def test_unknown_campaign_is_not_active(leadbyte_connection: Connection, campid: str) -> None:
    adapter = connection_client(leadbyte_connection)
    result = adapter.submit("create_lead", good_lead(campid=campid)).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "-9"
    assert result.message == "The campaign is not active in LeadByte."


def test_supplier_not_allowed_is_refused(leadbyte_connection: Connection) -> None:
    result = (
        connection_client(leadbyte_connection).submit("create_lead", good_lead(sid="77")).result
    )
    assert result.outcome is Outcome.REJECTED
    assert result.code == "-7"


def test_wrong_key_is_refused_in_plain_words(sandbox: str) -> None:
    adapter = LeadByte(base_url=f"{sandbox}leadbyte/", credentials={"api_key": "wrong-key-000000"})
    result = adapter.submit("create_lead", good_lead()).result
    # The lead is fine, the account is not: it waits while the connection is paused.
    assert result.outcome is Outcome.TRANSIENT
    assert result.condition == "credentials_refused"
    assert result.pauses_connection
    assert result.message.startswith("LeadByte refused the API key")
    assert "wrong-key-000000" not in result.message


def test_unreachable_host_is_transient() -> None:
    adapter = LeadByte(base_url="http://127.0.0.1:9/", credentials={"api_key": LEADBYTE_KEY})
    delivery = adapter.submit("create_lead", good_lead())
    assert delivery.result.outcome is Outcome.TRANSIENT
    assert "could not be reached" in delivery.result.message
    assert delivery.exchanges[0].status_code is None


def test_an_answer_that_is_not_json_is_recorded_not_raised(live_server) -> None:
    # The admin login page answers HTML: the shape a misconfigured base URL would give.
    adapter = LeadByte(
        base_url=f"{live_server.url}/admin/login/", credentials={"api_key": "k" * 10}
    )
    delivery = adapter.submit("create_lead", good_lead())
    assert delivery.result.outcome in (Outcome.UNCERTAIN, Outcome.REJECTED, Outcome.TRANSIENT)
    assert delivery.exchanges[0].response_body


def test_queue_status_follows_a_queue_id(leadbyte_connection: Connection) -> None:
    adapter = connection_client(leadbyte_connection)
    queue_id = adapter.submit("create_lead", good_lead()).result.reference
    body = adapter.queue_status(queue_id)
    assert body["records"][0]["status"] == "Valid"


@pytest.mark.parametrize(
    ("date_format", "sent"), [("DD/MM/YYYY", "31/12/1990"), ("YYYY-MM-DD", "1990-12-31")]
)
def test_a_fixed_date_goes_in_the_connections_format(date_format: str, sent: str) -> None:
    # A destination stores a fixed date as YYYY-MM-DD text, as its form and JSON give it.
    dob = FieldSpec("dob", "DOB", FieldType.DATE)
    settings = {"date_format": date_format}
    assert LeadByte.format_value(dob, "1990-12-31", settings) == sent
    assert LeadByte.format_value(dob, "1990-02-30", settings) == "1990-02-30"
    assert (
        LeadByte.format_value(FieldSpec("data13", "Make"), "1990-12-31", settings) == "1990-12-31"
    )


def test_the_lead_search_finds_an_earlier_send_by_email_with_its_queue_id(
    leadbyte_connection: Connection,
) -> None:
    adapter = connection_client(leadbyte_connection)
    queue_id = adapter.submit("create_lead", good_lead()).result.reference
    campaign_id = EXAMPLE_CAMPAIGN["id"]
    found = adapter.find_earlier_send("create_lead", good_lead(), campaign_id)
    assert found is not None and found.reference == queue_id
    assert found.vendor_id and found.received
    search = adapter.exchanges[-1]
    assert search.request["url"].endswith("/restapi/v1.2/leads/search")
    assert LEADBYTE_KEY not in str(search.request)  # the key travels masked
    # By phone when the lead has no email; nothing for a lead LeadByte never took.
    by_phone = adapter.find_earlier_send(
        "create_lead", good_lead(email="", phone1="07911 123456"), campaign_id
    )
    assert by_phone is not None and by_phone.reference == queue_id
    stranger = good_lead(email="nobody@example.com", phone1="07000 000000")
    assert adapter.find_earlier_send("create_lead", stranger, campaign_id) is None


def test_a_search_answer_without_a_queue_id_finds_the_lead_but_nothing_to_follow() -> None:
    body = {
        "status": "Success",
        "searches": [
            {
                "campaignId": 1,
                "results": [
                    {"leadId": 7, "received": "2026-12-01 10:00:00"},
                    {"leadId": 9, "received": "2026-12-02 10:00:00"},
                    "not a result",
                ],
            },
            "not a search",
        ],
    }
    assert earlier_send_in(body) == EarlierSend("9", "2026-12-02 10:00:00", "")
    assert earlier_send_in({"status": "Success", "searches": [{"results": []}]}) is None
    assert earlier_send_in({"status": "Success", "searches": "none"}) is None


# The answer LeadByte's "Search leads via REST API" article shows, word for word: the
# lead it found has ``queue_ref: null``.
ARTICLE_ANSWER = {
    "status": "Success",
    "message": "",
    "warnings": [],
    "totalMatches": 1,
    "searches": [
        {
            "campaignId": 565,
            "email": "example@email.com",
            "results": [
                {
                    "c1": "",
                    "c2": "",
                    "c3": "",
                    "sub_supplier_id": "0",
                    "title": "",
                    "firstname": "",
                    "lastname": "",
                    "email": "example@email.com",
                    "phone1": "0650111111",
                    "phone2": "",
                    "phone3": "",
                    "queue_ref": None,
                    "leadId": 499791,
                    "campaignId": 565,
                    "received": "2022-03-15T10:30:46Z",
                }
            ],
            "matches": 1,
        }
    ],
}


def test_the_queue_ref_of_a_search_result_is_the_queue_id_to_follow() -> None:
    assert earlier_send_in(ARTICLE_ANSWER) == EarlierSend("499791", "2022-03-15T10:30:46Z", "")
    result = ARTICLE_ANSWER["searches"][0]["results"][0]  # type: ignore[index]
    queued = {**result, "queue_ref": "ac1e0092-3656328b-60b032e0-d708-7e561a98"}
    body = {**ARTICLE_ANSWER, "searches": [{"campaignId": 565, "results": [queued]}]}
    found = earlier_send_in(body)
    assert found is not None and found.reference == queued["queue_ref"]
    for odd in (False, True, {"id": 1}, ["x"], "  "):  # an untrusted answer: no reference
        shaped = {**ARTICLE_ANSWER, "searches": [{"results": [{**result, "queue_ref": odd}]}]}
        assert earlier_send_in(shaped) == EarlierSend("499791", "2022-03-15T10:30:46Z", "")


def test_a_refused_key_on_the_lead_search_is_a_vendor_error(sandbox: str) -> None:
    connection = ConnectionFactory(
        kind="leadbyte", base_url=f"{sandbox}leadbyte/", credentials={"api_key": "wrong"}
    )
    adapter = connection_client(connection)
    reply = adapter.call(
        "create_lead",
        lambda: adapter.find_earlier_send("create_lead", good_lead(), EXAMPLE_CAMPAIGN["id"]),
    )
    assert reply.value is None and reply.failure is not None
    assert reply.failure.condition == "credentials_refused"
