"""CRM.COM's leads/create fields, declared as data (seed 003, the lead source page).

The adapter (vendors.crmcom) says how they travel: dotted names nest, identifiers wrap.
"""

from __future__ import annotations

from vendors.fieldspec import FieldSpec, FieldType

IMPORTANCES = (
    "IMPORTANCE1",
    "IMPORTANCE2",
    "IMPORTANCE3",
    "IMPORTANCE4",
    "IMPORTANCE5",
    "CUSTOM1",
    "CUSTOM2",
    "CUSTOM3",
)
PRIORITIES = tuple(str(n) for n in range(1, 7))
SOURCE_TYPES = (
    "ADVERTISEMENT",
    "NOTIFICATIONS",
    "COMMUNICATIONS",
    "RECOMMENDED_BY_CONTACT",
    "RECOMMENDED_BY_EMPLOYEE",
    "RECOMMENDED_BY_PARTNER",
    "WEBSITE",
    "OTHER",
    "CUSTOM1",
    "CUSTOM2",
    "CUSTOM3",
)
# Source types whose free-text name CRM.COM requires.
SOURCE_NAME_REQUIRED = frozenset(
    {"ADVERTISEMENT", "WEBSITE", "OTHER", "CUSTOM1", "CUSTOM2", "CUSTOM3"}
)


def _identifier(name: str, label: str, key: str = "name", *, required: bool = False) -> FieldSpec:
    return FieldSpec(
        name,
        label,
        required=required,
        help=f'Sent as {{"{key}": …}}.',
        extra={"identifier": key},
    )


def _choices(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v.replace("_", " ").capitalize()) for v in values)


# A dot in a name nests the value: "source.type" travels as {"source": {"type": ...}}.
CREATE_LEAD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "importance",
        "Importance",
        FieldType.CHOICE,
        required=True,
        choices=_choices(IMPORTANCES),
        default="IMPORTANCE3",
    ),
    FieldSpec(
        "priority",
        "Priority",
        FieldType.CHOICE,
        required=True,
        choices=tuple((p, p) for p in PRIORITIES),
        default="3",
        help="1 is the highest.",
    ),
    _identifier("type_identifier", "Lead type", required=True),
    FieldSpec(
        "source.type",
        "Lead source",
        FieldType.CHOICE,
        required=True,
        choices=_choices(SOURCE_TYPES),
    ),
    FieldSpec(
        "source.name",
        "Lead source name",
        max_length=255,
        help="Required for advertisement, website, other and custom sources.",
    ),
    FieldSpec("contact_information.first_name", "Contact first name", contact="first_name"),
    FieldSpec("contact_information.last_name", "Contact last name", contact="last_name"),
    FieldSpec("contact_information.company_name", "Contact company", contact="company"),
    FieldSpec("contact_email", "Contact email", FieldType.EMAIL, contact="email"),
    FieldSpec("contact_phone", "Contact phone", FieldType.PHONE, contact="phone"),
    FieldSpec("description", "Description", FieldType.TEXTAREA, contact="notes"),
    FieldSpec(
        "probability_to_win",
        "Probability to win (%)",
        FieldType.INTEGER,
        min_value=0,
        max_value=100,
    ),
    FieldSpec("target_amount", "Target amount", FieldType.DECIMAL, min_value=0),
    _identifier("status_identifier", "Lead status"),
    _identifier("category_identifier", "Lead category"),
    _identifier("lost_reason_identifier", "Lost reason"),
    _identifier("owned_by_group_identifier", "Owned by group"),
    _identifier("privacy_level_identifier", "Privacy level"),
    _identifier("lead_owner", "Lead owner (username)", "username"),
    _identifier("assigned_to.user_identifier", "Assigned to user (username)", "username"),
    _identifier("assigned_to.group_identifier", "Assigned to group"),
    _identifier("accounts_receivable_identifier", "Accounts receivable (number)", "number"),
    FieldSpec("start_date", "Start date", FieldType.DATE),
    FieldSpec("expected_completion_date", "Expected completion date", FieldType.DATE),
    *(FieldSpec(f"udf_string_{n}", f"User field (text) {n}") for n in range(1, 9)),
    *(
        FieldSpec(f"udf_float_{n}", f"User field (number) {n}", FieldType.DECIMAL)
        for n in range(1, 5)
    ),
    *(FieldSpec(f"udf_date_{n}", f"User field (date) {n}", FieldType.DATE) for n in range(1, 5)),
)
