"""SalesByte's Integration API fields, declared as data (seeds 000 and 001).

The lead, quote and quote-from-template operations and the form fields each takes; the
adapter (vendors.salesbyte) says how they travel.
"""

from __future__ import annotations

from vendors.fieldspec import FieldSpec, FieldType

CREATE_LEAD = "create_lead"
CREATE_QUOTE = "create_quote"
CREATE_QUOTE_TEMPLATE = "create_quote_template"

SEND_TYPES = (
    ("email", "Email"),
    ("sms", "SMS"),
    ("dual", "Email and SMS"),
    ("auto", "Automatic"),
    ("none", "Do not send"),
)


def _bool(name: str, label: str, *, required: bool = True, default: bool = False) -> FieldSpec:
    return FieldSpec(name, label, FieldType.BOOLEAN, required=required, default=default)


CUSTOMER_NAME = FieldSpec("customer_name", "Customer name", required=True, contact="full_name")
CUSTOMER_EMAIL = FieldSpec("customer_email", "Customer email", FieldType.EMAIL, contact="email")
CUSTOMER_PHONE = FieldSpec("customer_phone", "Customer phone", FieldType.PHONE, contact="phone")
CUSTOMER_COMPANY = FieldSpec("customer_company", "Customer company", contact="company")
QUOTE_PROFILE = FieldSpec(
    "quote_profile_id",
    "Quote profile id",
    FieldType.INTEGER,
    required=True,
    min_value=1,
    help="The SalesByte quote profile the quote is made on.",
)
SALESPERSON = FieldSpec(
    "salesperson_email",
    "Salesperson email",
    FieldType.EMAILS,
    help="One address or several, comma separated; each must be a SalesByte user. "
    "Blank lets SalesByte choose.",
)
MESSAGE = FieldSpec("message", "Message", FieldType.TEXTAREA, help="A sales note on the quote.")
CHAT = _bool("chat_enabled", "Chat enabled")
WORKFLOWS = _bool("workflows_enabled", "Workflows enabled")
UPLOADS = _bool("allow_customer_document_upload", "Customer may upload documents")
TRIGGER = _bool("trigger_created_messages_to_customer", "Send the created messages to the customer")

LEAD_FIELDS: tuple[FieldSpec, ...] = (
    QUOTE_PROFILE,
    CUSTOMER_NAME,
    CUSTOMER_PHONE,
    CUSTOMER_EMAIL,
    CUSTOMER_COMPANY,
    CHAT,
    FieldSpec(
        "send_type",
        "Send type",
        required=True,
        default="email",
        help='How the brand awareness message is sent, e.g. "email" or "sms".',
    ),
    FieldSpec("type", "Type", required=True, help="The kind of brand awareness."),
    WORKFLOWS,
    UPLOADS,
    TRIGGER,
    SALESPERSON,
    *(FieldSpec(f"custom_field_{n}_content", f"Custom field {n}") for n in range(1, 11)),
    *(FieldSpec(f"tag_{n}", f"Tag {n}") for n in range(1, 11)),
    MESSAGE,
)

ALTERNATIVE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "Title", max_length=255),
    FieldSpec("bundle_id", "Bundle id", FieldType.INTEGER, min_value=1),
    FieldSpec("skus", "SKUs", help="Comma separated, e.g. 123, 4343."),
    FieldSpec("sort_order", "Sort order", FieldType.INTEGER, min_value=0),
)

QUOTE_FIELDS: tuple[FieldSpec, ...] = (
    QUOTE_PROFILE,
    CUSTOMER_NAME,
    FieldSpec(
        "send_type",
        "Send type",
        FieldType.CHOICE,
        required=True,
        choices=SEND_TYPES,
        default="email",
        help="Email and dual need the customer's email; SMS and dual a Swedish mobile.",
    ),
    CUSTOMER_EMAIL,
    CUSTOMER_PHONE,
    CUSTOMER_COMPANY,
    SALESPERSON,
    CHAT,
    WORKFLOWS,
    UPLOADS,
    _bool("signable", "Signable", default=True),
    FieldSpec("signable_until", "Signable until", FieldType.DATE, help="Blank: no closing date."),
    _bool(
        "trigger_created_messages_to_customer",
        "Send the created messages to the customer",
        required=False,
    ),
    MESSAGE,
    FieldSpec(
        "alternatives",
        "Alternatives",
        FieldType.ROWS,
        row_fields=ALTERNATIVE_FIELDS,
        help="Each alternative takes a bundle id or SKUs, not both.",
        extra={"rows": 3},
    ),
    FieldSpec(
        "custom_fields",
        "Custom fields",
        FieldType.TEXTAREA,
        help="One per line: name = value.",
    ),
)

TEMPLATE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "quote_template_id",
        "Quote template id",
        FieldType.INTEGER,
        required=True,
        min_value=1,
    ),
    CUSTOMER_NAME,
    CUSTOMER_EMAIL,
    CUSTOMER_PHONE,
    TRIGGER,
    FieldSpec(
        "customer_fields",
        "Customer fields",
        FieldType.TEXTAREA,
        help="One per line: name = value (the template decides which names it knows).",
    ),
)
