"""The real SalesByte client against the SalesByte sandbox, over HTTP on loopback."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
import requests

from sandbox.models import SandboxQuote, SandboxRecord
from tests.conftest import SALESBYTE_TOKEN, SALESBYTE_UUID
from tests.factories import DestinationFactory
from tests.vendors.payloads import valid_payload
from vendors import http
from vendors.clients import connection_client
from vendors.models import Connection
from vendors.outcomes import Outcome
from vendors.registry import adapter_class, implemented_kinds
from vendors.results import VendorError, VendorResponse
from vendors.salesbyte import LINK_NAMES, PATHS, SalesByte, quote_key, sanitise_phone

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]

KEY = re.compile(r"^[A-Za-z0-9]{14}$")


def lead(**overrides: Any) -> dict[str, Any]:
    return valid_payload("salesbyte", "create_lead", **overrides)


def quote(**overrides: Any) -> dict[str, Any]:
    return valid_payload("salesbyte", "create_quote", **overrides)


def template(**overrides: Any) -> dict[str, Any]:
    return valid_payload("salesbyte", "create_quote_template", **overrides)


def test_salesbyte_is_registered() -> None:
    assert "salesbyte" in implemented_kinds()
    assert adapter_class("salesbyte") is SalesByte
    assert SalesByte.default_base_url == "https://app.salesbyte.se/"
    assert set(SalesByte.operations) == {"create_lead", "create_quote", "create_quote_template"}


# --- create lead (create_brandawareness) ------------------------------------------------------


def test_create_lead_answers_an_id_and_the_four_links(salesbyte_connection: Connection) -> None:
    delivery = connection_client(salesbyte_connection).submit("create_lead", lead())
    result = delivery.result
    assert result.outcome is Outcome.ACCEPTED
    created = SandboxQuote.objects.get(kind="create_brandawareness")
    assert result.reference == str(created.pk)
    assert set(result.links) == set(LINK_NAMES)
    assert KEY.match(created.key)
    assert result.links["edit"].endswith(f"/sandbox/salesbyte/offerter/{created.pk}/redigera")
    assert result.links["customer_view"].endswith(f"/sandbox/salesbyte/view/{created.key}")
    assert result.links["customer_verificate"].endswith(f"/sandbox/salesbyte/signed/{created.key}")
    assert result.links["customer_project_approval"].endswith(
        f"/view/{created.key}?project_approval=1"
    )
    assert result.data == {"quote_id": created.pk, "quote_key": created.key}
    record = SandboxRecord.objects.get(vendor="salesbyte", accepted=True)
    assert record.payload["type"] == "newsletter"
    assert "uuid" not in record.payload


def test_the_uuid_travels_in_the_body_and_is_masked(salesbyte_connection: Connection) -> None:
    delivery = connection_client(salesbyte_connection).submit("create_lead", lead())
    (exchange,) = delivery.exchanges
    assert exchange.request["url"].endswith("/salesbyte/integrations/create_brandawareness")
    assert exchange.request["body"]["uuid"] == "••••••"
    assert exchange.request["body"]["customer_name"] == "Ada Lovelace"
    assert exchange.request["headers"]["Accept"] == "application/json"
    assert SALESBYTE_UUID not in str(exchange.request)


def test_ids_increase_and_keys_differ(salesbyte_connection: Connection) -> None:
    adapter = connection_client(salesbyte_connection)
    first = adapter.submit("create_lead", lead()).result
    second = adapter.submit("create_lead", lead()).result
    assert int(second.reference) > int(first.reference)
    assert quote_key(first.links["customer_view"]) != quote_key(second.links["customer_view"])


def test_every_documented_lead_parameter_is_accepted(salesbyte_connection: Connection) -> None:
    extras = {f"custom_field_{n}_content": f"c{n}" for n in range(1, 11)}
    extras |= {f"tag_{n}": f"t{n}" for n in range(1, 11)}
    payload = lead(
        customer_phone="070-123 45 67",
        customer_company="Analytical Engines AB",
        salesperson_email=["anna.svensson@salesbyte.example", "erik.larsson@salesbyte.example"],
        message="Called about solar panels",
        **extras,
    )
    result = connection_client(salesbyte_connection).submit("create_lead", payload).result
    assert result.outcome is Outcome.ACCEPTED
    stored = SandboxRecord.objects.get(vendor="salesbyte", accepted=True).payload
    assert stored["customer_phone"] == "+46701234567"  # sanitised, as documented
    assert stored["tag_10"] == "t10" and stored["custom_field_10_content"] == "c10"
    assert stored["salesperson_email"][1] == "erik.larsson@salesbyte.example"


def test_create_lead_only_sanitises_a_foreign_phone(salesbyte_connection: Connection) -> None:
    payload = lead(customer_phone="+44 7911 123456")
    assert (
        connection_client(salesbyte_connection).submit("create_lead", payload).result.outcome
        == "accepted"
    )
    stored = SandboxRecord.objects.get(vendor="salesbyte", accepted=True).payload
    assert stored["customer_phone"] == "+447911123456"


@pytest.mark.parametrize("flag", [True, False, 0, 1, "0", "1"])
def test_booleans_take_the_documented_forms(salesbyte_connection: Connection, flag: Any) -> None:
    adapter = connection_client(salesbyte_connection)
    delivery = adapter.submit("create_lead", lead(chat_enabled=flag))
    assert delivery.result.outcome is Outcome.ACCEPTED


def test_a_422_keeps_each_field_error_under_its_salesbyte_name(
    salesbyte_connection: Connection,
) -> None:
    payload = lead(chat_enabled="yes", quote_profile_id="one", customer_email="not-an-email")
    del payload["type"]
    result = connection_client(salesbyte_connection).submit("create_lead", payload).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "422"
    assert result.field_errors == {
        "type": ["The type field is required."],
        "quote_profile_id": ["The quote profile id field must be an integer."],
        "chat_enabled": ["The chat enabled field must be true or false."],
        "customer_email": ["The customer email field must be a valid email address."],
    }
    assert result.message.startswith("SalesByte refused the data: ")
    assert "type: The type field is required." in result.message


def test_validation_comes_before_the_unknown_uuid(sandbox: str) -> None:
    adapter = SalesByte(base_url=f"{sandbox}salesbyte/", credentials={"uuid": "wrong-uuid-0000"})
    payload = lead()
    del payload["customer_name"]
    result = adapter.submit("create_lead", payload).result
    assert result.code == "422"
    assert result.field_errors == {"customer_name": ["The customer name field is required."]}


def test_an_unknown_uuid_is_a_404_in_plain_words(salesbyte_connection: Connection) -> None:
    adapter = SalesByte(
        base_url=salesbyte_connection.base_url, credentials={"uuid": "wrong-uuid-0000"}
    )
    result = adapter.submit("create_lead", lead()).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "404"
    assert result.message == (
        "SalesByte does not know the integration, the quote profile or a salesperson. "
        "(Integration not found.)"
    )


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"quote_profile_id": 999}, "Quote profile not found."),
        (
            {"salesperson_email": ["anna.svensson@salesbyte.example", "nobody@example.com"]},
            "Salesperson with email nobody@example.com not found.",
        ),
    ],
)
def test_an_unknown_profile_or_salesperson_is_a_404(
    salesbyte_connection: Connection, overrides: dict, detail: str
) -> None:
    result = connection_client(salesbyte_connection).submit("create_lead", lead(**overrides)).result
    assert result.outcome is Outcome.REJECTED
    assert result.code == "404"
    assert detail in result.message
    assert not SandboxQuote.objects.exists()


@pytest.mark.parametrize("operation", ["create_lead", "create_quote", "create_quote_template"])
def test_a_500_is_uncertain_because_salesbyte_has_no_duplicate_protection(
    salesbyte_connection: Connection, operation: str
) -> None:
    payload = {"create_lead": lead, "create_quote": quote, "create_quote_template": template}[
        operation
    ](customer_name="SANDBOX 500")
    delivery = connection_client(salesbyte_connection).submit(operation, payload)
    assert delivery.result.outcome is Outcome.UNCERTAIN
    assert delivery.result.code == "500"
    assert "check SalesByte before sending again" in delivery.result.message
    assert delivery.exchanges[0].status_code == 500


def test_a_lost_answer_is_uncertain(salesbyte_connection: Connection) -> None:
    # A read timeout cannot be made by the sandbox cheaply: the one patched fault.
    with mock.patch.object(
        http.http_session(), "request", side_effect=requests.ReadTimeout("slow")
    ):
        result = connection_client(salesbyte_connection).submit("create_lead", lead()).result
    assert result.outcome is Outcome.UNCERTAIN


def test_an_answer_that_is_not_json_is_recorded_and_uncertain(
    salesbyte_connection: Connection,
) -> None:
    # A lead sent where a plain-text answer comes back (the template endpoint): HTTP 200,
    # but not the JSON a lead gets. SalesByte may have made something: a person checks.
    with mock.patch.dict(PATHS, {"create_lead": PATHS["create_quote_template"]}):
        delivery = connection_client(salesbyte_connection).submit(
            "create_lead", lead(quote_template_id=10)
        )
    assert delivery.result.outcome is Outcome.UNCERTAIN
    assert delivery.exchanges[0].status_code == 200
    assert delivery.exchanges[0].response_body == "Quote created"


@pytest.mark.parametrize(
    "body", ['{"id": 5}', '{"links": {}}', "[1, 2]", '{"id": true, "links": {}}']
)
def test_json_of_an_unexpected_shape_is_uncertain(body: str) -> None:
    adapter = SalesByte(base_url="https://app.salesbyte.se/", credentials={"uuid": "u" * 10})
    response = VendorResponse(200, {"Content-Type": "application/json"}, body)
    with pytest.raises(VendorError) as caught:
        adapter.parse_response("create_quote", response)
    assert caught.value.outcome is Outcome.UNCERTAIN
    assert "unexpected shape" in caught.value.message


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(503, Outcome.TRANSIENT), (429, Outcome.TRANSIENT), (502, Outcome.UNCERTAIN)],
)
def test_statuses_the_sandbox_does_not_make(status: int, outcome: Outcome) -> None:
    # Built by hand: the sandbox has no reason to answer these.
    adapter = SalesByte(base_url="https://app.salesbyte.se/", credentials={"uuid": "u" * 10})
    with pytest.raises(VendorError) as caught:
        adapter.raise_for_status("create_quote", VendorResponse(status, {}, "<html>down</html>"))
    assert caught.value.outcome is outcome


def test_a_401_on_the_integration_api_names_the_uuid() -> None:
    adapter = SalesByte(base_url="https://app.salesbyte.se/", credentials={"uuid": "u" * 10})
    with pytest.raises(VendorError, match="check the integration UUID"):
        adapter.raise_for_status("create_lead", VendorResponse(401, {}, ""))


# --- create quote ---------------------------------------------------------------------------


def test_create_quote_with_alternatives_and_custom_fields(salesbyte_connection: Connection) -> None:
    payload = quote(
        customer_phone="+46768741810",
        send_type="dual",
        signable_until="2026-12-31",
        alternatives=[
            {"bundle_id": 7, "sort_order": 1, "title": "Basic"},
            {"skus": [123, 4343], "sort_order": 2, "title": "Premium"},
        ],
        custom_fields={
            "roof": {
                "attribute": {
                    "required": False,
                    "editableByContact": True,
                    "hideFromContact": False,
                },
                "value": "Tiles",
            }
        },
        trigger_created_messages_to_customer=0,
    )
    result = connection_client(salesbyte_connection).submit("create_quote", payload).result
    assert result.outcome is Outcome.ACCEPTED
    assert set(result.links) == set(LINK_NAMES)
    stored = SandboxQuote.objects.get(pk=int(result.reference)).data
    assert stored["alternatives"][1]["skus"] == [123, 4343]
    assert stored["custom_fields"]["roof"]["value"] == "Tiles"


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"send_type": "email", "customer_email": None},
            {"customer_email": ["The customer email field is required when send type is email."]},
        ),
        (
            {"send_type": "sms"},
            {"customer_phone": ["The customer phone field is required when send type is sms."]},
        ),
        (
            {"send_type": "dual", "customer_email": None},
            {
                "customer_email": ["The customer email field is required when send type is dual."],
                "customer_phone": ["The customer phone field is required when send type is dual."],
            },
        ),
        ({"send_type": "phone"}, {"send_type": ["The selected send type is invalid."]}),
        (
            {"customer_phone": "+44 7911 123456"},
            {"customer_phone": ["The customer phone field format is invalid."]},
        ),
        (
            {"signable_until": "31/12/2026"},
            {"signable_until": ["The signable until field must match the format Y-m-d."]},
        ),
        ({"signable": None}, {"signable": ["The signable field is required."]}),
        (
            {"alternatives": [{"bundle_id": 7, "skus": [1], "title": "Both"}]},
            {
                "alternatives.0.bundle_id": [
                    "The alternatives.0.bundle_id field prohibits alternatives.0.skus from "
                    "being present."
                ]
            },
        ),
    ],
)
def test_create_quote_rules_answer_422_with_field_errors(
    salesbyte_connection: Connection, overrides: dict, errors: dict
) -> None:
    result = (
        connection_client(salesbyte_connection).submit("create_quote", quote(**overrides)).result
    )
    assert result.outcome is Outcome.REJECTED
    assert result.field_errors == errors
    assert not SandboxQuote.objects.exists()


@pytest.mark.parametrize("phone", ["0768741810", "0046 76 874 18 10", "+46 (76) 874-18.10"])
def test_quote_phones_are_sanitised_before_the_swedish_check(
    salesbyte_connection: Connection, phone: str
) -> None:
    result = connection_client(salesbyte_connection).submit(
        "create_quote", quote(send_type="sms", customer_phone=phone)
    )
    assert result.result.outcome is Outcome.ACCEPTED
    assert SandboxQuote.objects.get().data["customer_phone"] == "+46768741810"
    assert sanitise_phone(phone) == "+46768741810"  # the client reads phones the same way


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"quote_profile_id": 3}, "Quote profile not found."),
        ({"salesperson_email": "nobody@example.com"}, "nobody@example.com not found"),
    ],
)
def test_create_quote_404s(salesbyte_connection: Connection, overrides: dict, detail: str) -> None:
    result = (
        connection_client(salesbyte_connection).submit("create_quote", quote(**overrides)).result
    )
    assert result.code == "404"
    assert detail in result.message


def test_create_quote_with_an_unknown_uuid_is_404(salesbyte_connection: Connection) -> None:
    adapter = SalesByte(base_url=salesbyte_connection.base_url, credentials={"uuid": "nope-000000"})
    result = adapter.submit("create_quote", quote()).result
    assert (result.outcome, result.code) == (Outcome.REJECTED, "404")


# --- create quote from template -----------------------------------------------------------------


def test_template_success_is_plain_text_without_id_or_links(
    salesbyte_connection: Connection,
) -> None:
    payload = template(customer_fields={"roof": "Tiles"}, customer_phone="0768741810")
    delivery = connection_client(salesbyte_connection).submit("create_quote_template", payload)
    result = delivery.result
    assert result.outcome is Outcome.ACCEPTED
    assert (result.reference, result.links) == ("", {})
    assert "no id and no links" in result.message
    assert delivery.exchanges[0].response_body == "Quote created"
    created = SandboxQuote.objects.get()
    assert created.kind == "create_quote/template"
    assert created.data["customer_fields"] == {"roof": "Tiles"}


def test_template_needs_an_email_or_a_phone(salesbyte_connection: Connection) -> None:
    result = (
        connection_client(salesbyte_connection)
        .submit("create_quote_template", template(customer_email=None))
        .result
    )
    assert result.code == "422"
    assert result.field_errors == {
        "customer_email": [
            "The customer email field is required when customer phone is not present."
        ],
        "customer_phone": [
            "The customer phone field is required when customer email is not present."
        ],
    }


def test_template_checks_the_email_and_phone(salesbyte_connection: Connection) -> None:
    payload = template(customer_email="nope", customer_phone="12")
    result = connection_client(salesbyte_connection).submit("create_quote_template", payload).result
    assert set(result.field_errors) == {"customer_email", "customer_phone"}


@pytest.mark.parametrize(
    ("credentials", "template_id"),
    [({"uuid": SALESBYTE_UUID}, 99), ({"uuid": "not-our-uuid-00"}, 10)],
)
def test_template_unknown_or_not_ours_is_404(
    salesbyte_connection: Connection, credentials: dict, template_id: int
) -> None:
    adapter = SalesByte(base_url=salesbyte_connection.base_url, credentials=credentials)
    result = adapter.submit("create_quote_template", template(quote_template_id=template_id))
    assert result.result.code == "404"
    assert result.result.message.startswith("SalesByte does not know the integration, or the")


# --- the Quotes API ---------------------------------------------------------------------------


def _created_key(connection: Connection) -> str:
    result = connection_client(connection).submit("create_quote", quote()).result
    return quote_key(result.links["customer_view"])


def test_get_quote_reads_an_unsigned_then_a_signed_quote(
    salesbyte_connection: Connection, client
) -> None:
    key = _created_key(salesbyte_connection)
    adapter = connection_client(salesbyte_connection)
    unsigned = adapter.get_quote(key)
    assert unsigned["key"] == key
    assert (unsigned["is_signed"], unsigned["statuses"], unsigned["signed_offer"]) == (
        False,
        [],
        None,
    )
    assert unsigned["customer_email"] == "ada@example.com"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", unsigned["created_at"])
    # The customer signs on the verification link.
    assert client.post(f"/sandbox/salesbyte/signed/{key}").status_code == 200
    signed = adapter.get_quote(key)
    assert (signed["is_signed"], signed["statuses"]) == (True, ["signed"])
    assert signed["signed_offer"]["main_document_name"].endswith(".pdf")


def test_the_token_travels_as_bearer_and_is_masked(salesbyte_connection: Connection) -> None:
    key = _created_key(salesbyte_connection)
    adapter = connection_client(salesbyte_connection)
    adapter.get_quote(key)
    (exchange,) = adapter.exchanges
    assert exchange.request["headers"]["Authorization"] == "••••••"
    assert SALESBYTE_TOKEN not in str(exchange.request)


def test_a_bad_token_is_401_in_plain_words(salesbyte_connection: Connection) -> None:
    key = _created_key(salesbyte_connection)
    adapter = SalesByte(
        base_url=salesbyte_connection.base_url,
        credentials={"uuid": SALESBYTE_UUID, "api_token": "wrong-token-000"},
    )
    with pytest.raises(VendorError) as caught:
        adapter.get_quote(key)
    assert caught.value.status_code == 401
    assert caught.value.message == (
        "SalesByte refused the Quotes API token: check it on the connection."
    )
    assert adapter.exchanges[0].response_body == '{"message": "Unauthenticated."}'


def test_no_token_is_said_before_any_request(salesbyte_connection: Connection) -> None:
    adapter = SalesByte(base_url=salesbyte_connection.base_url, credentials={"uuid": "u" * 10})
    with pytest.raises(VendorError, match="no Quotes API token"):
        adapter.get_quote("abcdefghijklmn")
    assert adapter.exchanges == []


def test_an_unknown_key_is_404(salesbyte_connection: Connection) -> None:
    with pytest.raises(VendorError) as caught:
        connection_client(salesbyte_connection).get_quote("abcdefghijklmn")
    assert caught.value.status_code == 404
    assert caught.value.message.startswith("SalesByte has no quote with this key.")


def test_the_list_has_10_a_page_sorted_and_filtered(salesbyte_connection: Connection) -> None:
    adapter = connection_client(salesbyte_connection)
    for n in range(12):
        adapter.submit("create_lead", lead(customer_name=f"Customer {n:02}"))
    first = adapter.list_quotes()
    assert len(first["data"]) == 10
    assert first["meta"]["total"] == 12 and first["meta"]["last_page"] == 2
    assert first["data"][0]["customer_name"] == "Customer 11"  # newest first by default
    second = adapter.list_quotes(page=2)
    assert [q["customer_name"] for q in second["data"]] == ["Customer 01", "Customer 00"]
    oldest = adapter.list_quotes(sort_by="updated_at", sort_order="asc")
    assert oldest["data"][0]["customer_name"] == "Customer 00"
    item = oldest["data"][0]
    assert set(item) == {
        "id",
        "key",
        "quote_profile_name",
        "customer_name",
        "customer_first_name",
        "customer_last_name",
        "customer_company",
        "customer_phone",
        "customer_email",
        "quote_value",
        "created_at",
        "updated_at",
        "salesperson",
    }
    today = item["created_at"][:10]
    assert len(adapter.list_quotes(created_from=today, created_to=today)["data"]) == 10
    assert adapter.list_quotes(created_from="2000-01-01", created_to="2000-01-02")["data"] == []


def test_a_bad_list_filter_is_422(salesbyte_connection: Connection) -> None:
    with pytest.raises(VendorError) as caught:
        connection_client(salesbyte_connection).list_quotes(
            created_from="15/01/2025", sort_by="name"
        )
    assert caught.value.field_errors == {
        "created_from": ["The created from field must match the format Y-m-d."],
        "sort_by": ["The selected sort by is invalid."],
    }


# --- mapping and the form hook ------------------------------------------------------------------


def test_contact_fields_map_to_salesbyte_names(salesbyte_connection: Connection) -> None:
    from leadhub.services.leads import destination_payload_build

    destination = DestinationFactory(
        connection=salesbyte_connection,
        operation="create_lead",
        fixed_values={"quote_profile_id": 1, "type": "newsletter", "chat_enabled": True},
    )
    payload = destination_payload_build(
        destination=destination,
        contact={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "phone": "+46 76 874 18 10",
            "company": "Engines AB",
        },
        values={"send_type": "sms", "salesperson_email": ["anna.svensson@salesbyte.example"]},
    )
    assert payload == {
        "quote_profile_id": 1,
        "customer_name": "Ada Lovelace",
        "customer_phone": "+46768741810",
        "customer_email": "ada@example.com",
        "customer_company": "Engines AB",
        "chat_enabled": True,
        "send_type": "sms",
        "type": "newsletter",
        "salesperson_email": "anna.svensson@salesbyte.example",  # one address: a string
    }


def test_validate_payload_states_the_cross_field_rules() -> None:
    adapter = SalesByte  # vendor rules need no credentials and no client
    assert adapter.validate_payload(
        "create_quote", quote(send_type="dual", customer_email=None)
    ) == {
        "customer_email": ["Required when the quote is sent by dual."],
        "customer_phone": ["Required when the quote is sent by dual."],
    }
    assert adapter.validate_payload("create_quote", quote(customer_phone="+447911123456")) == {
        "customer_phone": ["SalesByte takes a Swedish number, like +46768741810."]
    }
    assert adapter.validate_payload(
        "create_quote", quote(alternatives=[{"title": "x"}, {"bundle_id": 1}])
    ) == {"alternatives.0.bundle_id": ["Give a bundle id or SKUs, not both."]}
    assert set(
        adapter.validate_payload("create_quote_template", template(customer_email=None))
    ) == {
        "customer_email",
        "customer_phone",
    }
    assert adapter.validate_payload("create_lead", lead(customer_phone="+447911123456")) == {}


def test_a_salesbyte_connection_is_added_with_uuid_and_optional_token(admin_client) -> None:
    from django.urls import reverse

    add = reverse("admin:vendors_connection_add")
    assert "?kind=salesbyte" in admin_client.get(add).content.decode()
    form = admin_client.get(f"{add}?kind=salesbyte").content.decode()
    assert "Integration UUID" in form and "Quotes API token" in form
    assert 'value="https://app.salesbyte.se/"' in form
    response = admin_client.post(
        f"{add}?kind=salesbyte",
        {
            "name": "SalesByte live",
            "base_url": "https://app.salesbyte.se/",
            "is_active": "on",
            "credential__uuid": "9b2e-live-uuid-0001",
            "credential__api_token": "",
        },
    )
    assert response.status_code == 302
    connection = Connection.objects.get(name="SalesByte live")
    assert connection.credentials == {"uuid": "9b2e-live-uuid-0001"}
    assert isinstance(connection_client(connection), SalesByte)
