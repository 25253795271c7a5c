"""SalesByte: the Integration API (create lead, create quote, quote from template) and the
Quotes API (read a quote).

Seeds: shared/seeds/000 (create lead) and 001 (Integration API overview). Decisions where
SalesByte's documents are silent:
- the integration ``uuid`` travels in the JSON body; the Quotes API takes
  ``Authorization: Bearer <api_token>``;
- a 422 body is Laravel's ``{"message", "errors": {field: [..]}}``; its errors are kept by
  SalesByte field name so the form field that fills each one can show it; a 404 body is
  ``{"message"}``;
- the template endpoint answers ``200 text/plain "Quote created"``: success, no id, no links;
- SalesByte has no duplicate protection, so an answer that was lost, or a 500 (which can come
  after the quote was written, while its messages were being sent), is *uncertain*: a person
  checks SalesByte before sending again. 503 and 429 mean nothing was done and are retried;
- ``send_type`` ``sms`` is what the quote page's "phone" condition means; quote and template
  phones must be Swedish ``+46NNNNNNNNN`` after SalesByte's sanitising;
- a quote's public key is the last path segment of its ``customer_view`` link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.template.defaultfilters import pluralize

from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.outcomes import Condition, Outcome
from vendors.results import (
    Operation,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
)
from vendors.salesbyte_fields import (
    CREATE_LEAD,
    CREATE_QUOTE,
    CREATE_QUOTE_TEMPLATE,
    LEAD_FIELDS,
    QUOTE_FIELDS,
    TEMPLATE_FIELDS,
)

PATHS = {
    CREATE_LEAD: "integrations/create_brandawareness",
    CREATE_QUOTE: "integrations/create_quote",
    CREATE_QUOTE_TEMPLATE: "integrations/create_quote/template",
}
QUOTES_API = "api/quotes"

LINK_NAMES = ("edit", "customer_view", "customer_verificate", "customer_project_approval")
TEMPLATE_SUCCESS = "Quote created"

NEEDS_EMAIL = frozenset({"email", "dual"})
NEEDS_PHONE = frozenset({"sms", "dual"})

SWEDISH_PHONE = re.compile(r"^\+46\d{9}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")

# What LeadHub keeps of a quote read from the Quotes API (on the submission).
QUOTE_STATE_KEYS = (
    "id",
    "key",
    "is_signed",
    "is_fully_signed",
    "requires_more_signatures",
    "is_project_approval_pending",
    "is_project_approval_signed",
    "statuses",
    "updated_at",
)


# Plain words for an error status, per operation.
NOT_FOUND = {
    CREATE_LEAD: "SalesByte does not know the integration, the quote profile or a salesperson.",
    CREATE_QUOTE: "SalesByte does not know the integration, the quote profile or a salesperson.",
    CREATE_QUOTE_TEMPLATE: "SalesByte does not know the integration, or the template is not "
    "tied to it.",
}


class SalesByte(VendorAdapter):
    kind = "salesbyte"
    label = "SalesByte"
    default_base_url = "https://app.salesbyte.se/"
    credential_fields = (
        FieldSpec(
            "uuid",
            "Integration UUID",
            required=True,
            help="SalesByte → the integration's settings. Anyone holding it can create quotes.",
        ),
        FieldSpec(
            "api_token",
            "Quotes API token",
            help="Company-level Bearer token, needed only to read quotes back (signed or not).",
        ),
    )
    operations = {
        CREATE_LEAD: Operation(CREATE_LEAD, "Create lead (brand awareness)", LEAD_FIELDS),
        CREATE_QUOTE: Operation(CREATE_QUOTE, "Create quote", QUOTE_FIELDS),
        CREATE_QUOTE_TEMPLATE: Operation(
            CREATE_QUOTE_TEMPLATE, "Create quote from template", TEMPLATE_FIELDS
        ),
    }
    # SalesByte creates a second quote for a second identical request.
    rejects_resent_leads = False

    # --- the Integration API ---------------------------------------------------------------

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        path = PATHS.get(operation)
        if path is None:
            raise VendorError(f"SalesByte has no operation {operation!r}.")
        return VendorRequest(
            "POST",
            path,
            json={"uuid": self.credentials.get("uuid", ""), **payload},
            headers={"Accept": "application/json", "Content-Type": "application/json"},
        )

    @classmethod
    def validate_payload(cls, operation: str, payload: Mapping[str, Any]) -> dict[str, list[str]]:
        problems: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            problems.setdefault(name, []).append(message)

        email, phone = payload.get("customer_email"), payload.get("customer_phone")
        swedish_only = operation in (CREATE_QUOTE, CREATE_QUOTE_TEMPLATE)
        if swedish_only and phone and not SWEDISH_PHONE.match(sanitise_phone(str(phone))):
            add("customer_phone", "SalesByte takes a Swedish number, like +46768741810.")
        if operation == CREATE_QUOTE:
            send_type = payload.get("send_type")
            if send_type in NEEDS_EMAIL and not email:
                add("customer_email", f"Required when the quote is sent by {send_type}.")
            if send_type in NEEDS_PHONE and not phone:
                add("customer_phone", f"Required when the quote is sent by {send_type}.")
            for index, row in enumerate(payload.get("alternatives") or []):
                if bool(row.get("bundle_id")) == bool(row.get("skus")):
                    add(f"alternatives.{index}.bundle_id", "Give a bundle id or SKUs, not both.")
        if operation == CREATE_QUOTE_TEMPLATE and not email and not phone:
            message = "Give an email address or a phone number: the template needs one."
            add("customer_email", message)
            add("customer_phone", message)
        return problems

    @classmethod
    def fixed_object_allowed(cls, spec: FieldSpec, value: Any) -> bool:
        """Custom fields fixed whole, each ``{"attribute": {...}, "value": ...}`` (their
        attributes set), and template customer fields as ``{name: value}``."""
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return False
        if spec.name == "custom_fields":
            return all(isinstance(v, dict) and "value" in v for v in value.values())
        if spec.name == "customer_fields":
            return all(isinstance(v, str | int | float) for v in value.values())
        return False

    @classmethod
    def format_value(
        cls, spec: FieldSpec, value: Any, settings: Mapping[str, Any] | None = None
    ) -> Any:
        if spec.type is FieldType.EMAILS and isinstance(value, list):
            # One address travels as a string, several as an array.
            return value[0] if len(value) == 1 else value
        if spec.name == "skus" and isinstance(value, str):
            return [int(s) if s.isdigit() else s for s in re.split(r"[\s,;]+", value) if s]
        if spec.name in ("custom_fields", "customer_fields") and isinstance(value, str):
            pairs = parse_name_values(value)
            if spec.name == "customer_fields":
                return pairs
            return {
                name: {
                    "attribute": {
                        "required": False,
                        "editableByContact": False,
                        "hideFromContact": False,
                    },
                    "value": text,
                }
                for name, text in pairs.items()
            }
        formatted = super().format_value(spec, value, settings)
        if spec.name == "alternatives" and isinstance(formatted, list):
            # Alternatives without a sort order keep the order they were entered in.
            for position, row in enumerate(formatted, start=1):
                row.setdefault("sort_order", position)
        return formatted

    def raise_for_status(self, operation: str, response: VendorResponse) -> None:
        status = response.status_code
        if status < 400:
            return
        body = _json_or_none(response)
        vendor_message = str(body.get("message") or "").strip() if isinstance(body, dict) else ""
        if status == 422:
            errors = _field_errors(body.get("errors") if isinstance(body, dict) else None)
            detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
            raise VendorError(
                f"SalesByte refused the data: {detail or vendor_message or 'validation failed'}",
                outcome=Outcome.REJECTED,
                status_code=status,
                code="422",
                field_errors=errors,
            )
        if status == 404:
            plain = NOT_FOUND.get(operation, "SalesByte could not find what was asked for.")
            if operation == QUOTES_API:
                plain = "SalesByte has no quote with this key."
            raise VendorError(_with_detail(plain, vendor_message), status_code=status, code="404")
        reading = operation == QUOTES_API
        if status == 401:
            raise VendorError(
                "SalesByte refused the Quotes API token: check it on the connection."
                if reading
                else "SalesByte refused the request (HTTP 401): check the integration UUID.",
                # The account's fault, not the lead's: the connection pauses (vendors.outcomes).
                condition=Condition.CREDENTIALS_REFUSED,
                status_code=status,
                code="401",
            )
        if status >= 500 and status != 503 and not reading:
            raise VendorError(
                _with_detail(
                    f"SalesByte had an internal error (HTTP {status}). It may have created the "
                    "quote anyway: check SalesByte before sending again.",
                    vendor_message,
                ),
                condition=Condition.MAY_HAVE_TAKEN,
                status_code=status,
                code=str(status),
            )
        super().raise_for_status(operation, response)

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        if operation == CREATE_QUOTE_TEMPLATE:
            if response.text.strip() == TEMPLATE_SUCCESS:
                return VendorResult(
                    outcome=Outcome.ACCEPTED,
                    message="SalesByte created the quote from the template "
                    "(it returns no id and no links).",
                )
            raise _unexpected()
        body = response.json()
        if not isinstance(body, dict):
            raise _unexpected()
        quote_id, links = body.get("id"), body.get("links")
        if quote_id in (None, "") or isinstance(quote_id, bool) or not isinstance(links, dict):
            raise _unexpected()
        kept = {name: links[name] for name in LINK_NAMES if isinstance(links.get(name), str)}
        key = quote_key(kept.get("customer_view", ""))
        return VendorResult(
            outcome=Outcome.ACCEPTED,
            reference=str(quote_id),
            message=f"SalesByte created quote {quote_id}.",
            links=kept,
            data={"quote_id": quote_id, "quote_key": key} if key else {"quote_id": quote_id},
        )

    def check(self) -> str:
        """The Quotes API's first page proves the Bearer token. SalesByte has no call that
        checks the integration uuid without creating a lead or a quote."""
        if not self.credentials.get("api_token"):
            raise NotImplementedError(
                "SalesByte has no call that checks the integration uuid without creating a "
                "lead or a quote: it is checked by the first lead. Add a Quotes API token to "
                "check the account."
            )
        count = len(self.list_quotes()["data"])
        return (
            f"SalesByte accepted the Quotes API token and listed {count} "
            f"quote{pluralize(count)}. The integration uuid is checked by the first lead "
            "(no call checks it without creating one)."
        )

    # --- the Quotes API -----------------------------------------------------------------------

    def get_quote(self, key: str) -> dict[str, Any]:
        """One quote by its public key (``GET /api/quotes/<key>``)."""
        if not key or "/" in key:
            raise VendorError("The quote has no key to read it by.")
        body = self._quotes_get(f"{QUOTES_API}/{key}")
        if not isinstance(body, dict) or "key" not in body:
            raise VendorError("SalesByte answered the quote with an unexpected shape.")
        return body

    def list_quotes(self, **filters: Any) -> dict[str, Any]:
        """A page of quotes (10 a page): page, created_from/to, updated_from/to, sort_by,
        sort_order, as documented."""
        body = self._quotes_get(QUOTES_API, params={k: v for k, v in filters.items() if v})
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise VendorError("SalesByte answered the quote list with an unexpected shape.")
        return body

    def _quotes_get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        token = self.credentials.get("api_token", "")
        if not token:
            raise VendorError("The connection has no Quotes API token to read quotes with.")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        response = self.send(
            VendorRequest("GET", path, params=params, headers=headers, operation=QUOTES_API)
        )
        return response.json()


def quote_state(quote: Mapping[str, Any]) -> dict[str, Any]:
    """What LeadHub keeps of a quote read back: signed or not, and its statuses."""
    return {name: quote.get(name) for name in QUOTE_STATE_KEYS if name in quote}


def quote_key(customer_view: str) -> str:
    """The quote's public key: the last path segment of its customer view link."""
    path = urlsplit(customer_view or "").path.rstrip("/")
    return path.rsplit("/", 1)[-1] if "/" in path else ""


def sanitise_phone(raw: str) -> str:
    """SalesByte's sanitising: no spaces or ``-().``; 00 → +; a leading 0 → +46."""
    phone = _PHONE_PUNCTUATION.sub("", raw)
    if phone.startswith("00"):
        return "+" + phone[2:]
    if phone.startswith("0"):
        return "+46" + phone[1:]
    return phone


def parse_name_values(text: str) -> dict[str, str]:
    """``name = value`` lines → a dict (blank lines and lines without ``=`` are skipped)."""
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            pairs[name.strip()] = value.strip()
    return pairs


def _unexpected() -> VendorError:
    # The exchange keeps the raw answer; nobody knows whether SalesByte created the quote.
    return VendorError(
        "SalesByte answered in an unexpected shape; the raw answer is kept on the attempt. "
        "Check SalesByte before sending again.",
        condition=Condition.UNREADABLE_ANSWER,
    )


def _json_or_none(response: VendorResponse) -> Any:
    try:
        return response.json()
    except VendorError:
        return None


def _field_errors(errors: Any) -> dict[str, list[str]]:
    if not isinstance(errors, dict):
        return {}
    cleaned: dict[str, list[str]] = {}
    for name, messages in errors.items():
        items = messages if isinstance(messages, list) else [messages]
        cleaned[str(name)] = [str(m) for m in items if m]
    return cleaned


def _with_detail(plain: str, detail: str) -> str:
    return f"{plain} ({detail})" if detail and detail not in plain else plain
