"""Getlead CRM, GL Connect legacy API: leads, and follow-ups found by the lead's phone.

Seed: shared/seeds/004. Decisions where Getlead is silent:
- every parameter travels in the query string of a POST, as every documented example does;
  the department endpoint carries the token in its path (masked in everything stored, like
  every credential value);
- success is ``status == "success"``; ``fail`` (lead endpoint) and ``error`` (the others)
  are refusals, each documented message put in plain words;
- a lead goes as ``countrycode`` + the national number; follow-ups find it by the same phone
  under each endpoint's own name (``mobileno``, ``mobile_no``, ``mobile``);
- the deal name parameter is literally ``deal name``, with a space (``DEAL_NAME_PARAM``);
- dates go as YYYY-MM-DD (the deal page's "YYYY-MM-DDD" is read as a typo);
- keys a destination fixes beyond the documented ones, and the "Additional fields" lines
  staff type, become Getlead "additional fields" on the lead;
- Getlead updates the lead with the same phone rather than adding a second one, so a lead
  whose answer was lost is sent again (``rejects_resent_leads``); a status change or a
  department assignment is as safe to repeat, but a note, task or deal would be added twice,
  so a lost answer to one of those is held for a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.outcomes import Outcome
from vendors.results import (
    Delivery,
    Operation,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
)

CREATE_LEAD = "create_lead"
ADD_NOTE = "add_note"
CREATE_TASK = "create_task"
CHANGE_STATUS = "change_status"
CREATE_DEAL = "create_deal"
ASSIGN_DEPARTMENT = "assign_department"

ENDPOINTS = {
    CREATE_LEAD: "api/gl-website-contacts",
    ADD_NOTE: "api/gl-note-creation-api",
    CREATE_TASK: "api/gl-task-creation-api",
    CHANGE_STATUS: "api/gl-status-change-api",
    CREATE_DEAL: "api/gl-deal-creation-api",
    ASSIGN_DEPARTMENT: "api/gl-department-vise-agent-assign",  # + "/{token}"
}
# Each endpoint names the lead's phone its own way.
PHONE_PARAMS = {
    CREATE_LEAD: "mobileno",
    ADD_NOTE: "mobile_no",
    CREATE_TASK: "mobile_no",
    CHANGE_STATUS: "mobile_no",
    CREATE_DEAL: "mobile",
}
# Documented with a space; the form field is deal_name, renamed on the way out.
DEAL_NAME_PARAM = "deal name"
RENAMED_PARAMS = {"deal_name": DEAL_NAME_PARAM}
ADDITIONAL_FIELDS = "additional_fields"
# Sending these again changes nothing at Getlead; a note, task or deal would be added twice.
SAFE_TO_REPEAT = frozenset({CREATE_LEAD, CHANGE_STATUS, ASSIGN_DEPARTMENT})

CHECK_PARAMETERS = "Please check the parameters."
ENQUIRY_NOT_FOUND = "Enquiry Not Found."
# Every documented refusal, in plain words.
# Getlead answers a status change with its note endpoint's words (its documentation shows
# the same copy-paste): said so, for staff who changed a status and read "note".
STATUS_CHANGE_ANSWER = "Note Added Successfully."
STATUS_CHANGE_EXPLAINED = (
    "Getlead changed the lead's status. (It answers every status change with "
    '"Note Added Successfully.": the change is logged on the lead as a note.)'
)
MESSAGES = {
    "The mobileno must be between 8 and 14 digits.": (
        "Getlead refused the mobile number: it must have 8 to 14 digits."
    ),
    CHECK_PARAMETERS: (
        "Getlead refused the request: a required value is missing or wrong, or the token is "
        'not valid ("Please check the parameters.").'
    ),
    ENQUIRY_NOT_FOUND: (
        "Getlead has no lead with this phone number; send the lead to Getlead first "
        '("Enquiry Not Found.").'
    ),
}


def _phone_fields(operation: str, *, required: bool = True) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec(
            "countrycode",
            "Country code",
            required=required,
            contact="phone_country_code",
            help="Digits only, like 44 or 91.",
        ),
        FieldSpec(
            PHONE_PARAMS[operation],
            "Mobile number",
            required=required,
            contact="phone_national",
            help="The national number, without the country code.",
        ),
    )


EMAIL = FieldSpec("email", "Email", FieldType.EMAIL, contact="email")

CREATE_LEAD_FIELDS = (
    *_phone_fields(CREATE_LEAD),
    FieldSpec("source", "Source", required=True, help="Where the lead came from."),
    FieldSpec("name", "Name", contact="full_name"),
    EMAIL,
    FieldSpec("company_name", "Company", contact="company"),
    FieldSpec("feedback", "Feedback", FieldType.TEXTAREA, contact="notes"),
    FieldSpec("staff_name", "Assign to agent", help="The agent's name in Getlead."),
    FieldSpec("date_of_birth", "Date of birth", FieldType.DATE),
    FieldSpec("purpose", "Purpose"),
    FieldSpec("status", "Status"),
    FieldSpec("department", "Department", help="Getlead assigns an agent of this department."),
    FieldSpec(
        ADDITIONAL_FIELDS,
        "Additional fields",
        FieldType.TEXTAREA,
        help="One per line, as name = value. Getlead creates the field if it has none.",
        extra={
            # A non-blank line without "=".
            "invalid_if": r"(?m)^(?!\s*$)[^=\n]*$",
            "invalid_message": "Write each additional field on its own line as name = value.",
        },
    ),
)
ADD_NOTE_FIELDS = (
    *_phone_fields(ADD_NOTE),
    EMAIL,
    FieldSpec("note", "Note", FieldType.TEXTAREA, required=True),
)
CREATE_TASK_FIELDS = (
    FieldSpec("name", "Task", required=True, max_length=255),
    FieldSpec("description", "Description", FieldType.TEXTAREA),
    *_phone_fields(CREATE_TASK, required=False),
    EMAIL,
    FieldSpec("comment", "Comment", FieldType.TEXTAREA),
    FieldSpec(
        "task_category_id",
        "Category",
        FieldType.CHOICE,
        required=True,
        choices=(("1", "Normal task"), ("2", "Call task")),
        default="1",
    ),
    FieldSpec("scheduled_date", "Scheduled for", FieldType.DATE),
    FieldSpec("assigned_to", "Assign to agent", help="The agent's name in Getlead."),
)
CHANGE_STATUS_FIELDS = (
    *_phone_fields(CHANGE_STATUS),
    EMAIL,
    FieldSpec("status", "New status", required=True, help="A status name used in Getlead."),
)
CREATE_DEAL_FIELDS = (
    *_phone_fields(CREATE_DEAL),
    FieldSpec("deal_name", "Deal name", max_length=255),
    FieldSpec("status", "Deal status", required=True),
    FieldSpec("staff_name", "Deal agent"),
    FieldSpec("deal_amount", "Amount", FieldType.INTEGER, min_value=0),
    FieldSpec("start_date", "Start date", FieldType.DATE),
    FieldSpec("end_date", "End date", FieldType.DATE),
    FieldSpec("deal_note", "Note", FieldType.TEXTAREA),
)
ASSIGN_DEPARTMENT_FIELDS = (
    FieldSpec(
        "SourceNumber",
        "Source number",
        required=True,
        max_length=40,
        help="The number whose incoming leads the department's agents receive.",
    ),
    FieldSpec("department", "Department", required=True, max_length=120),
)


class Getlead(VendorAdapter):
    kind = "getlead"
    label = "Getlead"
    default_base_url = "https://app.getlead.co.uk/"
    credential_fields = (
        FieldSpec(
            "token",
            "API token",
            required=True,
            help="Starts with gl_. Settings → GL Connect → API → Show / generate token.",
        ),
    )
    operations = {
        CREATE_LEAD: Operation(CREATE_LEAD, "Create lead", fields=CREATE_LEAD_FIELDS),
        ADD_NOTE: Operation(ADD_NOTE, "Add note", fields=ADD_NOTE_FIELDS, follow_up=True),
        CREATE_TASK: Operation(
            CREATE_TASK, "Create task", fields=CREATE_TASK_FIELDS, follow_up=True
        ),
        CHANGE_STATUS: Operation(
            CHANGE_STATUS, "Change status", fields=CHANGE_STATUS_FIELDS, follow_up=True
        ),
        CREATE_DEAL: Operation(
            CREATE_DEAL, "Create deal", fields=CREATE_DEAL_FIELDS, follow_up=True
        ),
    }
    # Getlead keys leads on the phone and updates the one it has: resending a lead is safe.
    rejects_resent_leads = True
    # Fixed values beyond the documented fields become additional fields (base_payload).
    accepts_extra_fields = True

    @property
    def token(self) -> str:
        return self.credentials.get("token", "")

    def check(self) -> str:
        """Getlead has no read call. A note for an enquiry no one can have (phone 0 0000
        0000) is answered "Enquiry Not Found." when the token is good and "Please check the
        parameters." when it is not; no data is written either way."""
        response = self.send(
            self.build_request(
                ADD_NOTE,
                {"note": "LeadHub connection test", "countrycode": "0", "mobile_no": "00000000"},
            )
        )
        body = response.json()
        message = str(body.get("message") or "").strip() if isinstance(body, dict) else ""
        if message == ENQUIRY_NOT_FOUND:
            return (
                "Getlead accepted the token (asked for a note on an enquiry that cannot exist; "
                "nothing was written). Department names are checked with the first assignment."
            )
        if message == CHECK_PARAMETERS:
            raise VendorError("Getlead refused the token: check it under GL Connect → API.")
        raise VendorError(
            f"Getlead answered the test unexpectedly: {message or 'no message'}",
            outcome=Outcome.UNCERTAIN,
        )

    def assign_department(self, *, source_number: str, department: str) -> Delivery:
        """Route the leads of ``source_number`` to ``department`` (an account-wide setting)."""
        return self.submit(
            ASSIGN_DEPARTMENT, {"SourceNumber": source_number, "department": department}
        )

    @classmethod
    def base_payload(cls, destination: Any) -> dict[str, Any]:
        # Fixed values beyond the documented fields are Getlead additional fields.
        declared = {spec.name for spec in destination.field_specs()}
        return {k: v for k, v in destination.fixed_values.items() if k not in declared}

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        endpoint = ENDPOINTS.get(operation)
        if endpoint is None:
            raise VendorError(f"Getlead has no operation {operation!r}.")
        params = query_params(payload)
        if operation == ASSIGN_DEPARTMENT:
            # A path segment: a token holding "/", "?" or "#" must not change the URL.
            return VendorRequest("POST", f"{endpoint}/{quote(self.token, safe='')}", params=params)
        return VendorRequest("POST", endpoint, params={"token": self.token, **params})

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        body = response.json()
        if not isinstance(body, dict):
            raise VendorError(
                "Getlead answered with an unexpected shape.", outcome=Outcome.UNCERTAIN
            )
        status = str(body.get("status") or "").strip().lower()
        message = str(body.get("message") or "").strip()
        if status == "success":
            if operation == CHANGE_STATUS and message == STATUS_CHANGE_ANSWER:
                message = STATUS_CHANGE_EXPLAINED
            return VendorResult(
                outcome=Outcome.ACCEPTED,
                code=status,
                message=message or "Getlead accepted the request.",
            )
        if status in ("fail", "error"):
            raise VendorError(
                MESSAGES.get(message)
                or f"Getlead refused the request: {message or 'no reason given'}",
                outcome=Outcome.REJECTED,
                code=status,
            )
        raise VendorError(
            f"Getlead answered with an unknown status {status!r}.", outcome=Outcome.UNCERTAIN
        )

    @classmethod
    def resends_safely(cls, operation: str = "") -> bool:
        return operation in SAFE_TO_REPEAT


def query_params(payload: Mapping[str, Any]) -> dict[str, str]:
    """The query string: documented fields under their Getlead names, then additional ones."""
    params: dict[str, str] = {}
    extra: dict[str, str] = {}
    for name, value in payload.items():
        if name == ADDITIONAL_FIELDS:
            extra.update(additional_fields(str(value)))
        else:
            params[RENAMED_PARAMS.get(name, name)] = _text(value)
    for name, value in extra.items():
        params.setdefault(name, value)
    if "token" in params:
        raise VendorError('"token" cannot be sent as a field: it is the connection\'s credential.')
    return params


def additional_fields(text: str) -> dict[str, str]:
    """``name = value`` lines → {name: value}; blank lines are skipped."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise VendorError(f'Additional field line "{line.strip()}" is not name = value.')
        fields[name.strip()] = value.strip()
    return fields


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
