"""The real CRM.COM client against the CRM.COM sandbox, over HTTP on loopback."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.db import connection as db_connection
from django.utils import timezone

from leadhub.services.leads import destination_payload_build
from sandbox import crmcom as sandbox_crmcom
from sandbox.models import SandboxCredential, SandboxRecord, SandboxToken
from tests.conftest import CRMCOM_CREDENTIALS
from tests.factories import ContactFactory, DestinationFactory
from tests.vendors.payloads import valid_payload
from vendors.clients import connection_client
from vendors.crmcom import API, CrmCom, lead_body
from vendors.models import Connection
from vendors.outcomes import Outcome
from vendors.redaction import MASK
from vendors.results import VendorRequest, VendorResponse
from vendors.tokens import MemoryTokenStore

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]

LEAD_ID = re.compile(r"^[0-9A-F]{32}$")
PASSWORD = CRMCOM_CREDENTIALS["password"]


def good_lead(**overrides: Any) -> dict[str, Any]:
    return valid_payload("crmcom", **overrides)


def logins() -> int:
    return SandboxRecord.objects.filter(
        vendor="crmcom", endpoint="authentication/token", accepted=True
    ).count()


def age_sandbox_tokens(hours: float = 2.01) -> None:
    SandboxToken.objects.update(issued_at=timezone.now() - timedelta(hours=hours))


# --- login ----------------------------------------------------------------------------------


def test_login_issues_a_jwt_like_token_kept_encrypted_on_the_connection(
    crmcom_connection: Connection,
) -> None:
    adapter = connection_client(crmcom_connection)
    token = adapter.login()
    header, claims, signature = token.split(".")
    assert len(token) > 32 and header and signature
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["exp"] - decoded["iat"] == 7200
    assert decoded["org"] == "TEST-ORG-001"
    crmcom_connection.refresh_from_db()
    assert crmcom_connection.token_cache["token"] == token
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_cache FROM vendors_connection WHERE id = %s", [crmcom_connection.pk]
        )
        (stored,) = cursor.fetchone()
    assert token not in stored and "issued_at" not in stored  # ciphertext only


def test_the_login_exchange_masks_the_password_and_the_token(
    crmcom_connection: Connection,
) -> None:
    adapter = connection_client(crmcom_connection)
    token = adapter.login()
    (exchange,) = adapter.exchanges
    assert exchange.request["url"].endswith("/crmapi/rest/v2/authentication/token")
    assert exchange.request["body"]["password"] == MASK
    assert exchange.request["body"]["username"] == MASK  # a credential value, masked too
    assert token not in exchange.response_body and PASSWORD not in str(exchange.request)
    assert MASK in exchange.response_body


def test_bad_credentials_fail_the_lead_readably_and_show_on_the_connection(
    crmcom_connection: Connection,
) -> None:
    crmcom_connection.credentials = {**CRMCOM_CREDENTIALS, "password": "wrong-password-999"}
    crmcom_connection.save()
    delivery = connection_client(crmcom_connection).submit("create_lead", good_lead())
    result = delivery.result
    assert result.outcome is Outcome.REJECTED
    assert result.message == (
        "CRM.COM refused the login (check the username, password and organisation): "
        "Invalid username, password or organisation"
    )
    assert len(delivery.exchanges) == 1  # no lead went out
    assert delivery.exchanges[0].status_code == 200  # business errors are HTTP 200
    crmcom_connection.refresh_from_db()
    assert crmcom_connection.last_error == result.message
    assert crmcom_connection.last_error_at is not None
    assert crmcom_connection.token_cache == {}
    assert not SandboxRecord.objects.filter(endpoint="leads/create").exists()


def test_an_unreachable_login_is_transient_and_shown_on_the_connection(
    crmcom_connection: Connection,
) -> None:
    crmcom_connection.base_url = "http://127.0.0.1:9/"
    crmcom_connection.save()
    result = connection_client(crmcom_connection).submit("create_lead", good_lead()).result
    assert result.outcome is Outcome.TRANSIENT
    assert result.message.startswith("CRM.COM login failed: The vendor could not be reached")
    crmcom_connection.refresh_from_db()
    assert crmcom_connection.last_error == result.message


# --- leads/create ----------------------------------------------------------------------------


def test_a_lead_is_created_with_its_id_and_number(crmcom_connection: Connection) -> None:
    delivery = connection_client(crmcom_connection).submit("create_lead", good_lead())
    result = delivery.result
    assert result.outcome is Outcome.ACCEPTED
    assert LEAD_ID.match(result.reference)
    assert result.data == {"id": result.reference, "number": "LD000001"}
    assert result.message == "CRM.COM created lead LD000001."
    login, create = delivery.exchanges
    assert login.request["url"].endswith("authentication/token")
    assert create.request["body"]["token"] == MASK
    assert create.request["body"]["type_identifier"] == {"name": "Web lead"}
    record = SandboxRecord.objects.get(reference=result.reference)
    assert record.payload == {
        "importance": "IMPORTANCE2",
        "priority": "3",
        "type_identifier": {"name": "Web lead"},
        "source": {"type": "WEBSITE", "name": "Spring campaign"},
        "contact_information": {"first_name": "Ada", "last_name": "Lovelace"},
        "contact_email": "ada@example.com",
    }


def test_optional_fields_and_identifiers_travel_in_crmcom_shapes(
    crmcom_connection: Connection,
) -> None:
    lead = good_lead(
        **{
            "type_identifier": {"alternative_code": "PHONE"},
            "contact_phone": "+447911123456",
            "status_identifier": "Qualified",
            "category_identifier": "Business",
            "lead_owner": "jane.doe",
            "assigned_to.user_identifier": "sam.agent",
            "probability_to_win": 80,
            "target_amount": 1500.5,
            "udf_string_3": "blue",
            "udf_float_1": 2.5,
            "udf_date_2": "2026-12-01",
            "start_date": "2026-11-23",
            "description": "Wants a call back",
        }
    )
    result = connection_client(crmcom_connection).submit("create_lead", lead).result
    assert result.outcome is Outcome.ACCEPTED, result.message
    payload = SandboxRecord.objects.get(reference=result.reference).payload
    assert payload["type_identifier"] == {"alternative_code": "PHONE"}
    assert payload["status_identifier"] == {"name": "Qualified"}
    assert payload["lead_owner"] == {"username": "jane.doe"}
    assert payload["assigned_to"] == {"user_identifier": {"username": "sam.agent"}}
    assert payload["probability_to_win"] == 80 and payload["udf_float_1"] == 2.5


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"importance": "URGENT"}, "importance must be one of"),
        ({"priority": "7"}, "priority must be one of 1, 2, 3, 4, 5, 6"),
        ({"type_identifier": None}, "type_identifier is mandatory"),
        ({"type_identifier": "Carrier pigeon"}, "type_identifier: no record with name"),
        ({"source.type": "RUMOUR"}, "source.type must be one of"),
        ({"source.name": None}, "source.name is mandatory for source type WEBSITE"),
        (
            {"contact_information.first_name": None, "contact_information.last_name": None},
            "contact_information is mandatory",
        ),
        ({"contact_email": None}, "contact_email is mandatory for lead type Web lead"),
        (
            {"type_identifier": "Phone enquiry"},
            "contact_phone is mandatory for lead type Phone enquiry",
        ),
        ({"probability_to_win": 101}, "probability_to_win must be between 0 and 100"),
        ({"status_identifier": "Dormant"}, "status_identifier: no record with name Dormant"),
        ({"status_identifier": "Lost"}, "lost_reason_identifier is mandatory for a lost status"),
        ({"udf_date_1": "31/12/2026"}, "udf_date_1 must be a date as YYYY-MM-DD"),
    ],
)
def test_each_documented_check_refuses_the_lead_with_its_reason(
    crmcom_connection: Connection, overrides: dict[str, Any], message: str
) -> None:
    delivery = connection_client(crmcom_connection).submit("create_lead", good_lead(**overrides))
    result = delivery.result
    assert result.outcome is Outcome.REJECTED
    assert result.message.startswith("CRM.COM refused the lead: ")
    assert message in result.message
    assert result.code == "ERROR"
    assert delivery.exchanges[-1].status_code == 200


def test_the_sandbox_wants_exactly_one_key_in_an_identifier(
    crmcom_connection: Connection,
) -> None:
    adapter = connection_client(crmcom_connection)
    body = lead_body(good_lead())
    body["category_identifier"] = {"name": "Business", "alternative_code": "BUS"}
    response = adapter.send(VendorRequest("POST", f"{API}/leads/create", json=body))
    status = response.json()["status"]
    assert status["code"] == "ERROR"
    assert status["message"] == (
        "category_identifier must be an identifier object with exactly one key"
    )


def test_the_client_refuses_an_identifier_with_two_keys_before_sending(
    crmcom_connection: Connection,
) -> None:
    lead = good_lead(type_identifier={"name": "Web lead", "id": "X"})
    delivery = connection_client(crmcom_connection).submit("create_lead", lead)
    assert delivery.result.outcome is Outcome.REJECTED
    assert "Lead type must name exactly one identifier" in delivery.result.message
    assert delivery.exchanges == []


# --- the token's life -------------------------------------------------------------------------


def test_one_login_serves_two_leads(crmcom_connection: Connection) -> None:
    first = connection_client(crmcom_connection).submit("create_lead", good_lead())
    # A fresh client, as each background push makes one: the token comes from the connection.
    second = connection_client(Connection.objects.get(pk=crmcom_connection.pk)).submit(
        "create_lead", good_lead()
    )
    assert first.result.outcome is second.result.outcome is Outcome.ACCEPTED
    assert len(first.exchanges) == 2 and len(second.exchanges) == 1
    assert logins() == 1
    assert second.result.data["number"] == "LD000002"


def test_a_token_two_hours_old_is_not_used_again(crmcom_connection: Connection) -> None:
    adapter = connection_client(crmcom_connection)
    adapter.login()
    crmcom_connection.refresh_from_db()
    cache = crmcom_connection.token_cache
    issued = timezone.now() - timedelta(hours=2)
    Connection.objects.filter(pk=crmcom_connection.pk).update(
        token_cache={**cache, "issued_at": issued.isoformat()}
    )
    delivery = connection_client(Connection.objects.get(pk=crmcom_connection.pk)).submit(
        "create_lead", good_lead()
    )
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert [e.request["url"].rsplit("/", 1)[-1] for e in delivery.exchanges] == ["token", "create"]
    assert logins() == 2


def test_a_login_that_hands_back_the_token_issued_before_is_read_in_clear(monkeypatch) -> None:
    # Answers are masked before they are read, and the old token is a secret: a CRM that
    # reissues the same token must not have it masked out of the login answer. The sandbox
    # never reissues a token, so this answer is put on the transport.
    token = "the-same-token-issued-again-0123"
    store = MemoryTokenStore()
    aged = (timezone.now() - timedelta(hours=3)).isoformat()
    store.save({"token": token, "issued_at": aged})
    adapter = CrmCom(
        base_url="https://crm.example.test/", credentials=CRMCOM_CREDENTIALS, token_store=store
    )
    answers = [
        {"data": {"token": token}, "status": {"code": "OK"}},
        {"data": {"id": "A" * 32, "number": "LD000001"}, "status": {"code": "OK"}},
    ]
    sent: list[dict[str, Any]] = []

    def http(request: VendorRequest, url: str) -> VendorResponse:
        sent.append(request.json)
        return VendorResponse(200, {"Content-Type": "application/json"}, json.dumps(answers.pop(0)))

    monkeypatch.setattr(adapter, "_http", http)
    delivery = adapter.submit("create_lead", good_lead())
    assert delivery.result.outcome is Outcome.ACCEPTED
    assert sent[1]["token"] == token and store.load()["token"] == token
    assert all(token not in exchange.response_body for exchange in delivery.exchanges)


def test_a_token_the_crm_expired_is_renewed_once_and_the_lead_sent(
    crmcom_connection: Connection,
) -> None:
    connection_client(crmcom_connection).login()
    age_sandbox_tokens()  # the CRM's clock says expired; the connection still trusts it
    delivery = connection_client(Connection.objects.get(pk=crmcom_connection.pk)).submit(
        "create_lead", good_lead()
    )
    assert delivery.result.outcome is Outcome.ACCEPTED
    refused, login, sent = delivery.exchanges
    assert "Invalid or expired token" in refused.response_body
    assert login.request["url"].endswith("authentication/token")
    assert LEAD_ID.match(delivery.result.reference)
    assert delivery.result.reference in sent.response_body
    assert logins() == 2
    assert SandboxRecord.objects.filter(endpoint="leads/create", accepted=True).count() == 1


def test_a_released_token_is_renewed(crmcom_connection: Connection) -> None:
    adapter = connection_client(crmcom_connection)
    released = adapter.send(VendorRequest("POST", f"{API}/authentication/token/release"))
    assert released.json()["status"]["code"] == "OK"
    assert SandboxToken.objects.get().released_at is not None
    result = connection_client(Connection.objects.get(pk=crmcom_connection.pk)).submit(
        "create_lead", good_lead()
    )
    assert result.result.outcome is Outcome.ACCEPTED
    assert logins() == 2


def test_a_renewal_that_fails_fails_the_lead_and_shows_on_the_connection(
    crmcom_connection: Connection,
) -> None:
    connection_client(crmcom_connection).login()
    age_sandbox_tokens()
    SandboxCredential.objects.filter(vendor="crmcom").delete()  # the password was changed
    delivery = connection_client(Connection.objects.get(pk=crmcom_connection.pk)).submit(
        "create_lead", good_lead()
    )
    result = delivery.result
    assert result.outcome is Outcome.REJECTED
    assert result.message.startswith("CRM.COM refused the login")
    assert len(delivery.exchanges) == 2  # the refused lead, the refused login: no second lead
    crmcom_connection.refresh_from_db()
    assert crmcom_connection.last_error == result.message
    assert crmcom_connection.token_cache == {}


def test_a_token_refused_right_after_renewal_is_not_renewed_again(
    crmcom_connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_crmcom, "live_token", lambda token: None)
    delivery = connection_client(crmcom_connection).submit("create_lead", good_lead())
    assert delivery.result.outcome is Outcome.REJECTED
    assert delivery.result.message == (
        "CRM.COM refused a token it had just issued: Invalid or expired token"
    )
    assert len(delivery.exchanges) == 4  # login, refused, login, refused
    crmcom_connection.refresh_from_db()
    assert "just issued" in crmcom_connection.last_error


def test_a_lost_answer_to_a_lead_is_uncertain(
    crmcom_connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server cannot easily drop its answer after acting: the one fault patched here.
    original = requests.Session.request

    def drop_lead_answers(self: requests.Session, method: str, url: str, **kw: Any) -> Any:
        if url.endswith("leads/create"):
            raise requests.ReadTimeout("read timed out")
        return original(self, method, url, **kw)

    monkeypatch.setattr(requests.Session, "request", drop_lead_answers)
    result = connection_client(crmcom_connection).submit("create_lead", good_lead()).result
    assert result.outcome is Outcome.UNCERTAIN
    assert CrmCom.rejects_resent_leads is False


# --- contact mapping ---------------------------------------------------------------------------


def test_contact_fields_map_into_crmcom_names(crmcom_connection: Connection) -> None:
    destination = DestinationFactory(
        connection=crmcom_connection,
        fixed_values={
            "importance": "IMPORTANCE3",
            "priority": "2",
            "type_identifier": "Web lead",
            "source.type": "WEBSITE",
            "source.name": "LeadHub",
        },
    )
    payload = destination_payload_build(
        destination=destination, contact=ContactFactory(), values={"probability_to_win": 40}
    )
    assert lead_body(payload) == {
        "importance": "IMPORTANCE3",
        "priority": "2",
        "type_identifier": {"name": "Web lead"},
        "source": {"type": "WEBSITE", "name": "LeadHub"},
        "contact_information": {
            "first_name": "Grace",
            "last_name": "Hopper",
            "company_name": "Navy",
        },
        "contact_email": "grace@example.com",
        "contact_phone": "+447911123456",
        "description": "Prefers mornings",
        "probability_to_win": 40,
    }
    result = connection_client(crmcom_connection).submit("create_lead", payload).result
    assert result.outcome is Outcome.ACCEPTED
