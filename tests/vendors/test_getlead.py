"""The real Getlead client against the Getlead sandbox, over HTTP on loopback."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from leadhub.services.leads import destination_payload_build
from sandbox.models import SandboxEnquiry, SandboxRecord
from sandbox.seed import seed_getlead
from tests.conftest import GETLEAD_TOKEN, sandbox_connection
from tests.factories import ContactFactory, DestinationFactory
from tests.vendors.payloads import valid_payload
from vendors.clients import connection_client
from vendors.getlead import DEAL_NAME_PARAM, Getlead, query_params
from vendors.models import Connection
from vendors.outcomes import Outcome
from vendors.redaction import MASK

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]


def good_lead(**overrides: Any) -> dict[str, Any]:
    return valid_payload("getlead", **overrides)


def query(exchange_url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(exchange_url).query))


@pytest.fixture
def adapter(getlead_connection: Connection) -> Getlead:
    return connection_client(getlead_connection)


@pytest.fixture
def known_lead(adapter: Getlead) -> None:
    assert adapter.submit("create_lead", good_lead()).result.outcome is Outcome.ACCEPTED


# --- create lead --------------------------------------------------------------------------------


def test_a_lead_is_added_with_every_parameter_in_the_query_string(adapter: Getlead) -> None:
    delivery = adapter.submit("create_lead", good_lead(feedback="Call after 5"))
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert delivery.result.message == "Lead Added Successfully."
    assert delivery.result.code == "success"
    (exchange,) = delivery.exchanges
    assert exchange.request["method"] == "POST"
    assert exchange.request["body"] is None
    assert exchange.request["url"].split("?")[0].endswith("/getlead/api/gl-website-contacts")
    sent = query(exchange.request["url"])
    assert sent["token"] == MASK and GETLEAD_TOKEN not in exchange.request["url"]
    assert sent["mobileno"] == "7911123456" and sent["feedback"] == "Call after 5"
    enquiry = SandboxEnquiry.objects.get()
    assert (enquiry.countrycode, enquiry.mobile) == ("44", "7911123456")
    assert enquiry.fields["name"] == "Ada Lovelace"
    assert "token" not in SandboxRecord.objects.get(vendor="getlead").payload


@pytest.mark.parametrize("mobile", ["1234567", "123456789012345"])
def test_a_mobile_outside_8_to_14_digits_is_refused_in_plain_words(
    adapter: Getlead, mobile: str
) -> None:
    result = adapter.submit("create_lead", good_lead(mobileno=mobile)).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "fail"
    assert result.message == "Getlead refused the mobile number: it must have 8 to 14 digits."
    assert not SandboxEnquiry.objects.exists()


def test_a_missing_source_is_refused_as_check_the_parameters(adapter: Getlead) -> None:
    result = adapter.submit("create_lead", good_lead(source=None)).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "fail"
    assert result.message.startswith("Getlead refused the request: a required value is missing")
    assert '"Please check the parameters."' in result.message


def test_a_wrong_token_is_refused_and_never_shown(sandbox: str) -> None:
    wrong = "gl_ffffffffffffffffffff"
    adapter = Getlead(base_url=f"{sandbox}getlead/", credentials={"token": wrong})
    delivery = adapter.submit("create_lead", good_lead())
    assert delivery.result.outcome is Outcome.REJECTED
    assert "Please check the parameters." in delivery.result.message
    assert wrong not in str(delivery.exchanges[0].request)


def test_the_same_phone_updates_the_lead_and_keeps_additional_fields(adapter: Getlead) -> None:
    adapter.submit("create_lead", good_lead(additional_fields="Budget = 5000\nColour=blue"))
    second = adapter.submit(
        "create_lead", good_lead(name="Ada King", mobileno="07911 123456", Budget="7000")
    )
    assert second.result.outcome is Outcome.ACCEPTED
    enquiry = SandboxEnquiry.objects.get()  # upserted on country code + mobile
    assert enquiry.fields["name"] == "Ada King"
    assert enquiry.additional_fields == {"Budget": "7000", "Colour": "blue"}
    statuses = list(SandboxRecord.objects.filter(vendor="getlead").values_list("status", flat=True))
    assert statuses == ["added", "updated"]


def test_a_malformed_additional_field_is_refused_before_sending(adapter: Getlead) -> None:
    delivery = adapter.submit("create_lead", good_lead(additional_fields="Budget 5000"))
    assert delivery.result.outcome is Outcome.REJECTED
    assert delivery.result.message == 'Additional field line "Budget 5000" is not name = value.'
    assert delivery.exchanges == []


def test_no_field_can_replace_the_token(adapter: Getlead) -> None:
    delivery = adapter.submit("create_lead", good_lead(additional_fields="token = gl_other"))
    assert delivery.result.outcome is Outcome.REJECTED
    assert delivery.exchanges == []


# --- follow-ups by phone ----------------------------------------------------------------------


def follow_up_phone(name: str = "mobile_no") -> dict[str, str]:
    return {"countrycode": "44", name: "7911123456"}


def test_a_note_is_added_to_the_lead_found_by_phone(adapter: Getlead, known_lead: None) -> None:
    delivery = adapter.submit(
        "add_note", {**follow_up_phone(), "email": "ada@example.com", "note": "Called back"}
    )
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert delivery.result.message == "Note Added Successfully."
    sent = query(delivery.exchanges[0].request["url"])
    assert sent["mobile_no"] == "7911123456" and "mobileno" not in sent
    record = SandboxRecord.objects.get(endpoint="gl-note-creation-api")
    assert record.reference == "44-7911123456" and record.payload["note"] == "Called back"


def test_a_note_for_an_unknown_phone_is_enquiry_not_found(adapter: Getlead) -> None:
    result = adapter.submit("add_note", {**follow_up_phone(), "note": "Hello"}).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "error"
    assert result.message == (
        "Getlead has no lead with this phone number; send the lead to Getlead first "
        '("Enquiry Not Found.").'
    )


def test_a_note_without_text_is_check_the_parameters(adapter: Getlead, known_lead: None) -> None:
    result = adapter.submit("add_note", follow_up_phone()).result
    assert result.outcome is Outcome.REJECTED and result.code == "error"
    assert "Please check the parameters." in result.message


def test_a_call_task_is_created_for_the_lead(adapter: Getlead, known_lead: None) -> None:
    payload = {
        **follow_up_phone(),
        "name": "Call Ada",
        "task_category_id": "2",
        "scheduled_date": "2026-11-30",
        "assigned_to": "Ajay",
    }
    result = adapter.submit("create_task", payload).result
    assert result.outcome is Outcome.ACCEPTED
    assert result.message == "Task Added Successfully."
    record = SandboxRecord.objects.get(endpoint="gl-task-creation-api")
    assert record.payload["task_category_id"] == "2" and record.reference == "44-7911123456"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "Call", "countrycode": "44", "mobile_no": "7000000001"}, "Enquiry Not Found."),
        ({"name": "Call", "task_category_id": "3"}, "Please check the parameters."),
        ({"description": "no name"}, "Please check the parameters."),
    ],
)
def test_task_refusals(adapter: Getlead, payload: dict[str, str], expected: str) -> None:
    result = adapter.submit("create_task", payload).result
    assert result.outcome is Outcome.REJECTED and result.code == "error"
    assert expected in result.message


def test_a_task_without_a_phone_needs_no_lead(adapter: Getlead) -> None:
    result = adapter.submit("create_task", {"name": "Team meeting"}).result
    assert result.outcome is Outcome.ACCEPTED


def test_a_status_change_updates_the_lead(adapter: Getlead, known_lead: None) -> None:
    result = adapter.submit("change_status", {**follow_up_phone(), "status": "Interested"}).result
    assert result.outcome is Outcome.ACCEPTED
    # Getlead's own words are its note endpoint's (its documents' copy-paste), explained.
    assert result.message.startswith("Getlead changed the lead's status.")
    assert '"Note Added Successfully."' in result.message
    assert SandboxEnquiry.objects.get().status == "Interested"


def test_a_status_change_for_an_unknown_lead_is_refused(adapter: Getlead) -> None:
    result = adapter.submit("change_status", {**follow_up_phone(), "status": "Lost"}).result
    assert result.outcome is Outcome.REJECTED
    assert "Enquiry Not Found." in result.message


def test_a_deal_goes_with_the_literal_deal_name_parameter(
    adapter: Getlead, known_lead: None
) -> None:
    payload = {
        **follow_up_phone("mobile"),
        "status": "Open",
        "deal_name": "Solar panels",
        "deal_amount": 4200,
        "start_date": "2026-12-01",
        "end_date": "2027-01-31",
        "deal_note": "Two roofs",
    }
    delivery = adapter.submit("create_deal", payload)
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert "deal+name=Solar+panels" in delivery.exchanges[0].request["url"]
    record = SandboxRecord.objects.get(endpoint="gl-deal-creation-api")
    assert record.payload[DEAL_NAME_PARAM] == "Solar panels"
    assert record.payload["mobile"] == "7911123456" and record.payload["deal_amount"] == "4200"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"countrycode": "44", "mobile": "7911123456"}, "Please check the parameters."),
        ({"mobile": "7000000002", "status": "Open"}, "Enquiry Not Found."),
    ],
)
def test_deal_refusals(
    adapter: Getlead, known_lead: None, payload: dict[str, str], expected: str
) -> None:
    result = adapter.submit("create_deal", payload).result
    assert result.outcome is Outcome.REJECTED and result.code == "error"
    assert expected in result.message


# --- department -------------------------------------------------------------------------------


def test_a_source_number_is_assigned_with_the_token_in_the_path_masked(adapter: Getlead) -> None:
    delivery = adapter.assign_department(source_number="+44 20 7946 0000", department="Sales")
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert delivery.result.message == (
        "The source number has been assigned to the specified department."
    )
    url = delivery.exchanges[0].request["url"]
    assert GETLEAD_TOKEN not in url
    assert f"/gl-department-vise-agent-assign/{MASK}?" in url
    assert query(url) == {"SourceNumber": "+44 20 7946 0000", "department": "Sales"}


def test_a_token_with_url_characters_stays_one_path_segment(sandbox: str) -> None:
    token = "gl_odd?token#1 & é"
    seed_getlead(token)
    odd = sandbox_connection(sandbox, "getlead", "Getlead odd token", {"token": token})
    delivery = connection_client(odd).assign_department(
        source_number="+44 20 7946 0000", department="Sales"
    )
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert f"/gl-department-vise-agent-assign/{MASK}?" in delivery.exchanges[0].request["url"]


@pytest.mark.parametrize(
    ("department", "expected"),
    [("Marketing", "The selected department is invalid."), ("", "department field is required")],
)
def test_department_refusals(adapter: Getlead, department: str, expected: str) -> None:
    result = adapter.assign_department(source_number="442079460000", department=department).result
    assert result.outcome is Outcome.REJECTED and result.code == "error"
    assert result.message.startswith("Getlead refused the request: ")
    assert expected in result.message


# --- resending and lost answers ---------------------------------------------------------------


def drop_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server cannot easily drop its answer after acting: the one fault patched here.
    def timeout(self: requests.Session, method: str, url: str, **kw: Any) -> Any:
        raise requests.ReadTimeout("read timed out")

    monkeypatch.setattr(requests.Session, "request", timeout)


def test_a_lost_answer_to_a_lead_is_sent_again(
    adapter: Getlead, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop_answers(monkeypatch)
    assert Getlead.rejects_resent_leads is True
    assert adapter.submit("create_lead", good_lead()).result.outcome is Outcome.TRANSIENT


def test_a_lost_answer_to_a_note_waits_for_a_person(
    adapter: Getlead, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop_answers(monkeypatch)
    result = adapter.submit("add_note", {**follow_up_phone(), "note": "x"}).result
    assert result.outcome is Outcome.UNCERTAIN


# --- the contact mapping -----------------------------------------------------------------------


def test_contact_fields_map_into_getlead_names(getlead_connection: Connection) -> None:
    destination = DestinationFactory(
        connection=getlead_connection,
        fixed_values={"source": "LeadHub", "campaign_code": "SPRING"},
    )
    payload = destination_payload_build(
        destination=destination, contact=ContactFactory(), values={"purpose": "Quote"}
    )
    assert query_params(payload) == {
        "campaign_code": "SPRING",
        "countrycode": "44",
        "mobileno": "7911123456",
        "source": "LeadHub",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "company_name": "Navy",
        "feedback": "Prefers mornings",
        "purpose": "Quote",
    }
    assert connection_client(getlead_connection).submit("create_lead", payload).result.outcome is (
        Outcome.ACCEPTED
    )
    assert SandboxEnquiry.objects.get().additional_fields == {"campaign_code": "SPRING"}
