"""The import's cleaner and the lead entry form agree, row for row.

The cleaner runs the form's checks set up once; a row it accepts must be one the form
accepts with the same contact data, values and payloads, and a row it refuses must be one
the form refuses (the import then shows the form's own errors). The fuzz tests in
tests/security/test_fuzzing.py compare the two on generated data as well.
"""

from __future__ import annotations

from typing import Any

import pytest

from leadhub.forms.lead_entry import (
    CleanedLead,
    LeadEntryCleaner,
    cleaned_lead,
    destination_prefix,
    lead_entry_form_class,
)
from leadhub.imports.rows import RowChecker, destinations_for_import
from sandbox.seed import EXAMPLE_CAMPAIGN
from tests.factories import ConnectionFactory, DestinationFactory
from tests.security.test_secret_scan import SAMPLES
from vendors.models import Campaign, CampaignField, Destination

pytestmark = pytest.mark.django_db


def campaign_destination() -> Destination:
    """A LeadByte destination with the example campaign's fields (no HTTP)."""
    connection = ConnectionFactory(kind="leadbyte")
    campaign = Campaign.objects.create(
        connection=connection, vendor_id="9", name="Example", reference="EXAMPLE-CAMPAIGN"
    )
    for position, field in enumerate(EXAMPLE_CAMPAIGN["fields"]):
        CampaignField.objects.create(campaign=campaign, position=position, **field)
    return DestinationFactory(
        name="LeadByte example", connection=connection, campaign=campaign, fixed_values={"sid": "1"}
    )


def declared(kind: str, operation: str, **fixed: Any) -> Destination:
    return DestinationFactory(
        name=f"{kind} {operation}",
        connection=ConnectionFactory(kind=kind, credentials=SAMPLES[kind].credentials),
        operation=operation,
        campaign=None,
        fixed_values=fixed,
    )


def compare(destinations: list[Destination], data: dict[str, Any]) -> CleanedLead | None:
    """The cleaner's answer, after checking the form gives the same one."""
    form_class = lead_entry_form_class(destinations)
    cleaner = LeadEntryCleaner(form_class)
    assert cleaner.usable
    lead = cleaner.clean(data)
    form = form_class(data)
    assert (lead is not None) == form.is_valid(), form.errors
    if lead is not None:
        expected = cleaned_lead(form)
        assert lead == expected
        assert repr(lead) == repr(expected)  # the same types too (a date is not a datetime)
    return lead


CONTACT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "07911 123456",
}


def leadbyte_data(destination: Destination, **overrides: str) -> dict[str, str]:
    prefix = destination_prefix(destination)
    data = {
        **CONTACT,
        f"{prefix}data13": "Volvo",
        f"{prefix}gender": "F",
        f"{prefix}dob": "31/12/1990",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_good_row_gives_the_forms_lead_and_payload() -> None:
    destination = campaign_destination()
    lead = compare([destination], leadbyte_data(destination))
    assert lead is not None
    assert lead.payloads[destination.pk] == {
        "campid": "EXAMPLE-CAMPAIGN",
        "sid": "1",
        "data13": "Volvo",
        "dob": "31/12/1990",
        "email": "ada@example.com",
        "firstname": "Ada",
        "gender": "F",
        "lastname": "Lovelace",
        "phone1": "+447911123456",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", ""),  # required
        ("first_name", "R2D2"),  # LeadByte's firstname is alphabetical
        ("last_name", ""),  # LeadByte needs one
        ("email", "not-an-email"),
        ("phone", "12"),  # not a number
        ("phone", "020 7946 0018"),  # a number, but LeadByte's phone1 wants a UK mobile
        ("phone", "+1 202 555 0143"),
        ("data13", ""),  # make_of_car is required
        ("gender", "X"),  # not a choice
        ("dob", "31/31/1990"),
        ("dob", "yesterday"),
        ("postcode", "12345"),
        ("first_name", "a\x00b"),
        ("data13", "x" * 1001),
    ],
)
def test_a_bad_value_is_refused_by_both(field: str, value: str) -> None:
    destination = campaign_destination()
    name = field if field in CONTACT else f"{destination_prefix(destination)}{field}"
    assert compare([destination], leadbyte_data(destination, **{name: value})) is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": ""},  # no phone at all
        {"phone": "+44 7911 123456"},
        {"dob": "1990-12-31"},  # both date formats
        {"dob": ""},
        {"gender": ""},
        {"postcode": "sw1a 1aa"},
        {"first_name": "  Mary-Jane  ", "last_name": "O'Neil"},
        {"company": "Acme", "notes": "Call after six"},
    ],
)
def test_good_values_in_other_shapes_agree(overrides: dict[str, str]) -> None:
    destination = campaign_destination()
    prefix = destination_prefix(destination)
    data = {
        (k if k in {*CONTACT, "company", "notes"} else f"{prefix}{k}"): v
        for k, v in overrides.items()
    }
    assert compare([destination], leadbyte_data(destination, **data)) is not None


def test_every_vendors_declared_fields_and_rules_agree() -> None:
    crmcom = declared("crmcom", "create_lead")
    getlead = declared("getlead", "create_lead")
    salesbyte = declared("salesbyte", "create_lead", quote_profile_id=1)
    template = declared("salesbyte", "create_quote_template", quote_template_id=7)
    base = {**CONTACT, "company": "Acme", "notes": "Hello"}
    crm = destination_prefix(crmcom)
    crm_data = {
        **base,
        f"{crm}importance": "IMPORTANCE3",
        f"{crm}priority": "3",
        f"{crm}type_identifier": "Web",
        f"{crm}source.type": "WEBSITE",
    }
    # CRM.COM needs a name for a website source: a rule of the adapter, not of one field.
    assert compare([crmcom], crm_data) is None
    assert compare([crmcom], {**crm_data, f"{crm}source.name": "Q3"}) is not None
    more = {f"{crm}target_amount": "12.50", f"{crm}start_date": "2024-01-31"}
    assert compare([crmcom], {**crm_data, f"{crm}source.name": "Q3", **more}) is not None
    assert compare([crmcom], {**crm_data, f"{crm}source.name": "Q3", f"{crm}priority": "9"}) is None
    # Getlead's phone arrives split in two: derived contact values.
    gl = {**base, f"{destination_prefix(getlead)}source": "Website"}
    assert compare([getlead], gl) is not None
    assert compare([getlead], {**gl, "phone": "not a phone"}) is None
    assert compare([getlead], base) is None  # Getlead needs a source
    sb = destination_prefix(salesbyte)
    compare([salesbyte], {**base, f"{sb}chat_enabled": "true", f"{sb}salesperson_email": "a@x.se"})
    compare([salesbyte], {**base, f"{sb}salesperson_email": "a@x.se, nope"})
    # A quote from a template needs an email or a phone.
    assert compare([template], {"first_name": "Ada"}) is None
    assert compare([template], {"first_name": "Ada", "email": "ada@example.com"}) is not None
    # Several destinations at once: each one's own values and payload.
    leadbyte = campaign_destination()
    data = {**leadbyte_data(leadbyte), **crm_data, **gl, f"{crm}source.name": "Q3"}
    lead = compare([leadbyte, crmcom, getlead], data)
    assert lead is not None and set(lead.payloads) == {leadbyte.pk, crmcom.pk, getlead.pk}


def test_a_form_with_repeatable_rows_is_left_to_the_form() -> None:
    quote = declared("salesbyte", "create_quote", quote_profile_id=1)
    assert not LeadEntryCleaner(lead_entry_form_class([quote])).usable


HEADER = ["First Name", "Last Name", "Email", "Phone", "make_of_car", "Gender", "DOB", "Source"]
ROWS = [
    ["Ada", "Lovelace", "ada@example.com", "07911 123456", "Volvo", "F", "31/12/1990", "Web"],
    ["Grace", "Hopper", "grace@example.com", "+44 7400 123456", "Ford", "", "1906-12-09", "Ad"],
    ["Bad", "", "not-an-email", "020 7946 0018", "", "X", "yesterday", "Web"],
    ["R2D2", "Lovelace", "r2@example.com", "", "Volvo", "", "", "Web"],
    ["=SUM(A1)", "Lovelace", "f@example.com", "", "Volvo", "", "", "Web"],
    ["Ada", "Lovelace", "b@example.com", "", "Volvo", "", "", ""],  # CRM.COM needs a source
    ["Ada", "Lovelace", "c@example.com", "", "Volvo", "", "", "Web", "extra"],
    ["Ada", "Lovelace", "d@example.com"],
    ["Ada", "Lovelace", "e@example.com", "12", "Volvo", "M", "2024-02-30", "Web"],
    ["Ada", "Lovelace", "g@example.com", "", "Volvo", "", "", "x" * 300],
]


def test_the_import_reports_the_forms_own_errors_row_by_row() -> None:
    leadbyte = campaign_destination()
    crmcom = declared(
        "crmcom", "create_lead", **{"type_identifier": "Web", "source.type": "WEBSITE"}
    )
    destinations = destinations_for_import([leadbyte.pk, crmcom.pk])
    lb = destination_prefix(leadbyte)
    mapping = {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "phone": "Phone",
        f"{lb}data13": "make_of_car",
        f"{lb}gender": "Gender",
        f"{lb}dob": "DOB",
        f"{destination_prefix(crmcom)}source.name": "Source",
    }
    checker = RowChecker(destinations, HEADER, mapping)
    assert checker.cleaner is not None
    form_only = RowChecker(destinations, HEADER, mapping)
    form_only.cleaner = None  # every row bound to the form, as before the cleaner
    accepted = 0
    for cells in ROWS:
        lead, problems = checker.check(cells)
        assert repr((lead, problems)) == repr(form_only.check(cells))
        accepted += lead is not None
    assert accepted == 2  # the first two; every other row is refused, with the same words
