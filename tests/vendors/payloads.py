"""A valid payload for every operation of every vendor, as a destination would send it.

The vendor client tests start from these and change what each test is about; the secret
scan sends them all through the real pipeline against the sandbox.
"""

from __future__ import annotations

from typing import Any

# Getlead finds the lead a follow-up is about by its phone.
GETLEAD_PHONE = {"countrycode": "44", "mobile_no": "7911123456"}

PAYLOADS: dict[str, dict[str, dict[str, Any]]] = {
    "leadbyte": {
        "create_lead": {
            "campid": "EXAMPLE-CAMPAIGN",
            "sid": "1",
            "email": "ada@example.com",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "data13": "Volvo",
            "phone1": "+447911123456",
        },
    },
    "salesbyte": {
        "create_lead": {
            "quote_profile_id": 1,
            "customer_name": "Ada Lovelace",
            "customer_email": "ada@example.com",
            "chat_enabled": True,
            "send_type": "email",
            "type": "newsletter",
            "workflows_enabled": True,
            "allow_customer_document_upload": False,
            "trigger_created_messages_to_customer": False,
        },
        "create_quote": {
            "quote_profile_id": 1,
            "customer_name": "Ada Lovelace",
            "send_type": "email",
            "customer_email": "ada@example.com",
            "workflows_enabled": True,
            "allow_customer_document_upload": True,
            "signable": True,
        },
        "create_quote_template": {
            "quote_template_id": 10,
            "customer_name": "Ada Lovelace",
            "customer_email": "ada@example.com",
            "trigger_created_messages_to_customer": True,
        },
    },
    "crmcom": {
        "create_lead": {
            "importance": "IMPORTANCE2",
            "priority": "3",
            "type_identifier": "Web lead",
            "source.type": "WEBSITE",
            "source.name": "Spring campaign",
            "contact_information.first_name": "Ada",
            "contact_information.last_name": "Lovelace",
            "contact_email": "ada@example.com",
        },
    },
    "getlead": {
        "create_lead": {
            "countrycode": "44",
            "mobileno": "7911123456",
            "source": "Website",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
        },
        "add_note": {**GETLEAD_PHONE, "note": "Called back"},
        "create_task": {"name": "Call back", "task_category_id": "2", **GETLEAD_PHONE},
        "change_status": {**GETLEAD_PHONE, "status": "Interested"},
        "create_deal": {"countrycode": "44", "mobile": "7911123456", "status": "Open"},
    },
}


def valid_payload(kind: str, operation: str = "create_lead", /, **overrides: Any) -> dict[str, Any]:
    """A fresh copy of the valid payload with ``overrides``; an override of None leaves the
    key out."""
    merged = {**PAYLOADS[kind][operation], **overrides}
    return {name: value for name, value in merged.items() if value is not None}
