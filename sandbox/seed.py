"""The sandbox's seed data: the example campaign from LeadByte's guide, and demo keys."""

from __future__ import annotations

import copy
import json
from typing import Any

from sandbox.models import SandboxCampaign, SandboxCredential

# Shared with the demo connections that `make run` registers; sandbox-only values.
DEMO_CREDENTIALS = {
    "leadbyte": {"api_key": "sandbox-leadbyte-key-0001"},
    "crmcom": {
        "username": "sandbox.integration",
        "password": "sandbox-crmcom-pass-0001",
        "organisation": "SANDBOX-ORG",
    },
    "getlead": {"token": "gl_5a1dbc0e9f3a4b7c8d2e"},
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
EXAMPLE_CAMPAIGN: dict[str, Any] = {
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


# --- CRM.COM ---------------------------------------------------------------------------------

# Lookup data the CRM.COM sandbox resolves identifiers against (by id, name or
# alternative_code). "Web lead" emails the contact on creation, so it needs contact_email;
# "Phone enquiry" calls, so it needs contact_phone.
CRMCOM_LEAD_TYPES = [
    {
        "id": "7A3F0C1E5B2D4E6F8A9B0C1D2E3F4A5B",
        "name": "Web lead",
        "alternative_code": "WEB",
        "requires_email": True,
        "requires_phone": False,
    },
    {
        "id": "1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F",
        "name": "Phone enquiry",
        "alternative_code": "PHONE",
        "requires_email": False,
        "requires_phone": True,
    },
]
CRMCOM_LEAD_STATUSES = [
    {"id": "0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A01", "name": "New", "alternative_code": "NEW"},
    {"id": "0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A02", "name": "Qualified", "alternative_code": "QUAL"},
    {
        "id": "0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A03",
        "name": "Lost",
        "alternative_code": "LOST",
        "lost": True,
    },
]
CRMCOM_LEAD_CATEGORIES = [
    {"id": "0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B01", "name": "Residential", "alternative_code": "RES"},
    {"id": "0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B02", "name": "Business", "alternative_code": "BUS"},
]
CRMCOM_LOST_REASONS = [
    {"id": "0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C01", "name": "Price", "alternative_code": "PRICE"},
]


def crmcom_secret(username: str, password: str, organisation: str) -> str:
    """CRM.COM logs in with three values: the sandbox keeps one hash of all three."""
    return json.dumps([username, organisation, password])


def seed_crmcom(credentials: dict[str, str] | None = None) -> None:
    creds = credentials or DEMO_CREDENTIALS["crmcom"]
    SandboxCredential.register(
        "crmcom",
        crmcom_secret(creds["username"], creds["password"], creds["organisation"]),
        label=creds["username"],
    )


# --- Getlead ---------------------------------------------------------------------------------

GETLEAD_DEPARTMENTS = ["Sales", "Support", "Accounts"]


def seed_getlead(token: str | None = None) -> None:
    SandboxCredential.register("getlead", token or DEMO_CREDENTIALS["getlead"]["token"])


def seed_salesbyte(uuid: str | None = None, api_token: str | None = None) -> None:
    demo = DEMO_CREDENTIALS["salesbyte"]
    SandboxCredential.register("salesbyte", uuid or demo["uuid"], "integration uuid")
    SandboxCredential.register("salesbyte_api", api_token or demo["api_token"], "Quotes API")


def seed_all() -> None:
    seed_leadbyte()
    seed_crmcom()
    seed_getlead()
    seed_salesbyte()
