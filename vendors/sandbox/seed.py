"""The sandbox's seed data: the example campaign from LeadByte's guide, and demo keys."""

from __future__ import annotations

import copy

from vendors.sandbox.models import SandboxCampaign, SandboxCredential

# Shared with the demo connections that `make run` registers; sandbox-only values.
DEMO_CREDENTIALS = {
    "leadbyte": {"api_key": "sandbox-leadbyte-key-0001"},
    "salesbyte": {
        "uuid": "5b1f0c2e-5a1e-4c7b-9d3a-5a1e5b0c0001",
        "api_token": "sandbox-salesbyte-token-0001",
    },
}

# The SalesByte account the sandbox simulates: what its integration UUIDs may use.
SALESBYTE_QUOTE_PROFILES = {1: "Solar panels", 2: "Heat pumps"}
SALESBYTE_QUOTE_TEMPLATES = {10: "Solar standard package", 11: "Heat pump service"}
SALESBYTE_SALESPEOPLE = {
    "anna.svensson@salesbyte.example": "Anna Svensson",
    "erik.larsson@salesbyte.example": "Erik Larsson",
}


def _field(
    name: str,
    label: str,
    required: bool,
    data_type: str,
    category: str = "Standard",
    choices: str = "",
) -> dict:
    return {
        "name": name,
        "label": label,
        "required": required,
        "data_type": data_type,
        "selection_labels": choices,
        "selection_values": choices,
        "category": category,
    }


# Exactly as shared/seeds/002 shows it.
EXAMPLE_CAMPAIGN = {
    "id": "9",
    "name": "Example Campaign A",
    "reference": "EXAMPLE-CAMPAIGN",
    "description": "",
    "currency": "Britain (United Kingdom), Pounds",
    "country": "United Kingdom",
    "sms_field": "Phone 1",
    "active": "1",
    "sup_visible": "1",
    "archived": "0",
    "fields": [
        _field("data13", "make_of_car", True, "Text", category=""),
        _field("data14", "mortgage_type", False, "Text", category=""),
        _field("dob", "DOB", False, "Date"),
        _field("email", "Email", True, "Email Address"),
        _field("firstname", "First_Name", True, "Alphabetical"),
        _field("gender", "Gender", False, "Text", choices="Male,Female,M,F"),
        _field("lastname", "Last_Name", True, "Alphabetical"),
        _field("phone1", "Phone_1", False, "UK Mobile Number"),
        _field("postcode", "Postcode", False, "Postcode"),
        _field("sid", "SID", True, "Text"),
    ],
}

# A second campaign that quarantines every lead, to show LeadByte's review hold.
REVIEW_CAMPAIGN = {
    **copy.deepcopy(EXAMPLE_CAMPAIGN),
    "id": "12",
    "name": "Solar Survey (manual review)",
    "reference": "SOLAR-REVIEW",
    "fields": [
        _field("email", "Email", True, "Email Address"),
        _field("firstname", "First_Name", True, "Alphabetical"),
        _field("lastname", "Last_Name", True, "Alphabetical"),
        _field("phone1", "Phone_1", True, "UK Mobile Number"),
        _field("data20", "roof_type", False, "Text", category="", choices="Flat,Pitched"),
        _field("sid", "SID", True, "Text"),
    ],
}


def seed_leadbyte(api_key: str | None = None) -> None:
    SandboxCredential.register("leadbyte", api_key or DEMO_CREDENTIALS["leadbyte"]["api_key"])
    for definition, quarantine in ((EXAMPLE_CAMPAIGN, False), (REVIEW_CAMPAIGN, True)):
        SandboxCampaign.objects.update_or_create(
            vendor_id=definition["id"],
            defaults={
                "reference": definition["reference"],
                "definition": definition,
                "quarantine": quarantine,
                "allowed_sids": ["1"],
            },
        )


def seed_salesbyte(uuid: str | None = None, api_token: str | None = None) -> None:
    demo = DEMO_CREDENTIALS["salesbyte"]
    SandboxCredential.register("salesbyte", uuid or demo["uuid"], "integration uuid")
    SandboxCredential.register("salesbyte_api", api_token or demo["api_token"], "Quotes API")


def seed_all() -> None:
    seed_leadbyte()
    seed_salesbyte()
