"""LeadByte REST API v1.2: campaigns, campaign fields, create lead, queue status.

Seed: shared/seeds/002 (the Integromat guide). Decisions where LeadByte is silent:
- success is ``status == "Success"`` whatever ``code`` says (the seed shows 2, another
  page 1); each result's own ``status`` says Queued or Quarantined;
- the key travels in the JSON body on POST and as ``?key=`` on GET, as the seed does;
- ``campid`` is the campaign *reference*; fields go under their ``name`` (a campaign's
  fields and how they become form fields: ``vendors.campaign_fields``);
- dates go as DD/MM/YYYY unless the connection's ``date_format`` says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.template.defaultfilters import pluralize
from django.utils.dateparse import parse_date

from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.http import retry_after_seconds
from vendors.outcomes import Condition, Outcome, condition_for_status
from vendors.results import (
    EarlierSend,
    Operation,
    OutcomeCheck,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
)

API = "restapi/v1.2"

CREATE_LEAD = "create_lead"

# Every documented response code, in plain words, with the condition it is (what that
# means for delivery is decided in vendors.outcomes, the one table for every vendor).
# -3 (remote system error) and -100 (internal error) are LeadByte's own troubles: retried.
# Any other negative code is a refusal.
RESPONSE_CODES: dict[int, tuple[Condition, str]] = {
    -2: (Condition.DUPLICATE, "LeadByte already has this lead (duplicate or resubmission)."),
    -3: (Condition.VENDOR_TROUBLE, "LeadByte's remote system had an error; it will be retried."),
    -4: (Condition.REFUSED, "The campaign has reached its cap."),
    -5: (Condition.INVALID, "LeadByte found errors in the lead."),
    -7: (Condition.REFUSED, "The supplier is not authorised for this campaign."),
    -8: (Condition.INVALID, "The phone number failed LeadByte's HLR check."),
    -9: (Condition.REFUSED, "The campaign is not active in LeadByte."),
    -10: (Condition.INVALID, "The address failed LeadByte's PAF check."),
    -11: (Condition.REFUSED, "LeadByte blocks the sending IP address."),
    -12: (Condition.INVALID, "LeadByte rejected the email address."),
    -13: (Condition.INVALID, "LeadByte rejected the number as a landline."),
    -14: (Condition.REFUSED, "LeadByte rejected the IP address's country."),
    -15: (Condition.INVALID, "The number is on the TPS (do-not-call) register."),
    -16: (Condition.INVALID, "The number is on the DNCR register."),
    -100: (Condition.VENDOR_TROUBLE, "LeadByte had an internal error; it will be retried."),
}
UNKNOWN_CODE = (Condition.REFUSED, "LeadByte refused the request.")

# What LeadByte's queue (apiqueue) says later about a lead it took: (outcome, final).
QUEUE_STATUSES: dict[str, tuple[Outcome, bool]] = {
    "valid": (Outcome.ACCEPTED, True),
    "approved": (Outcome.ACCEPTED, True),  # Live Buyer Responses: sold
    "invalid": (Outcome.REJECTED, True),
    "quarantined": (Outcome.QUARANTINED, False),  # until released by hand or auto-release
    "queued": (Outcome.ACCEPTED, False),
    "pending": (Outcome.ACCEPTED, False),
}

DATE_FORMATS = {"DD/MM/YYYY": "%d/%m/%Y", "YYYY-MM-DD": "%Y-%m-%d"}


class LeadByte(VendorAdapter):
    kind = "leadbyte"
    label = "LeadByte"
    default_base_url = "https://account.leadbyte.co.uk/"
    credential_fields = (
        FieldSpec("api_key", "API key", required=True, help="Admin → Tech Hub → REST API"),
    )
    setting_fields = (
        FieldSpec(
            "date_format",
            "Date format",
            FieldType.CHOICE,
            choices=tuple((k, k) for k in DATE_FORMATS),
            default="DD/MM/YYYY",
        ),
    )
    operations = {
        CREATE_LEAD: Operation(CREATE_LEAD, "Create lead", uses_campaign=True),
    }
    # LeadByte de-duplicates on email and phone within a campaign (answering -2), so a
    # lead whose answer was lost can be sent again safely.
    rejects_resent_leads = True
    # Live checks (HLR...) can still reject a lead after its queueId: follow apiqueue.
    reports_later = True
    # The lead search finds, by email or phone within the campaign, the lead LeadHub's own
    # unanswered send left there, so a resend answered -2 can still be followed.
    finds_earlier_sends = True

    @property
    def api_key(self) -> str:
        return self.credentials.get("api_key", "")

    # --- reads used by the campaign cache ------------------------------------------------

    def _read(self, path: str) -> Any:
        """A GET under the API with the key, and its JSON answer."""
        return self.send(VendorRequest("GET", f"{API}/{path}", params=self._key_param())).json()

    def _read_object(self, path: str, what: str) -> dict[str, Any]:
        body = self._read(path)
        if not isinstance(body, dict):
            raise VendorError(f"LeadByte answered the {what} with an unexpected shape.")
        return body

    def list_campaigns(self) -> list[dict[str, Any]]:
        body = self._read("campaigns")
        if isinstance(body, dict):
            self._raise_for_body(body)
        if not isinstance(body, list):
            raise VendorError("LeadByte answered the campaign list with an unexpected shape.")
        return [c for c in body if isinstance(c, dict)]

    def check(self) -> str:
        """The campaign list: LeadByte's cheapest call that needs the API key."""
        count = len(self.list_campaigns())
        return f"LeadByte accepted the API key and listed {count} campaign{pluralize(count)}."

    def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        body = self._read_object(f"campaigns/{campaign_id}", "campaign detail")
        self._raise_for_body(body)
        if not isinstance(body.get("fields", []), list):
            raise VendorError("LeadByte sent campaign fields in an unexpected shape.")
        return body

    def queue_status(self, queue_id: str) -> dict[str, Any]:
        return self._read_object(f"apiqueue/{queue_id}", "queue status")

    def check_outcome(self, operation: str, reference: str) -> OutcomeCheck:
        body = self.queue_status(reference)
        self._raise_for_body(body)
        item = _first_item(body, "records", "status", "LeadByte's queue answered without a status.")
        label = str(item["status"]).strip()
        outcome, final = QUEUE_STATUSES.get(label.lower(), (Outcome.ACCEPTED, False))
        code, detail = _queue_reason(item)
        message = f"LeadByte's queue says {label}."
        if outcome is Outcome.REJECTED:
            plain = RESPONSE_CODES.get(code, UNKNOWN_CODE)[1] if code is not None else ""
            message = " ".join(p for p in (message, _with_detail(plain, detail)) if p)
        return OutcomeCheck(
            label=label,
            outcome=outcome,
            final=final,
            message=message,
            code=str(code) if code is not None else "",
        )

    def find_earlier_send(
        self, operation: str, payload: Mapping[str, Any], campaign_id: str
    ) -> EarlierSend | None:
        """The lead search (``leads/search``: a campaign's numeric id and the email, or
        else the phone) for the lead an unanswered send of ``payload`` left; the newest."""
        email = str(payload.get("email") or "").strip()
        phone = str(payload.get("phone1") or "").strip()
        if operation != CREATE_LEAD or not campaign_id or not (email or phone):
            return None
        search: dict[str, Any] = {"campaignId": _int_or_none(campaign_id) or campaign_id}
        search.update({"email": email} if email else {"phone": phone})
        request = VendorRequest(
            "POST", f"{API}/leads/search", json={"key": self.api_key, "searches": [search]}
        )
        body = self.send(request).json()
        if not isinstance(body, dict):
            raise VendorError(
                "LeadByte answered the lead search with an unexpected shape.",
                condition=Condition.UNREADABLE_ANSWER,
            )
        self._raise_for_body(body)
        return earlier_send_in(body)

    # --- create lead ------------------------------------------------------------------------

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        if operation != CREATE_LEAD:
            raise VendorError(f"LeadByte has no operation {operation!r}.")
        return VendorRequest("POST", f"{API}/leads", json={"key": self.api_key, "lead": payload})

    @classmethod
    def base_payload(cls, destination: Any) -> dict[str, Any]:
        return {"campid": destination.campaign.reference} if destination.campaign else {}

    @classmethod
    def format_value(
        cls, spec: FieldSpec, value: Any, settings: Mapping[str, Any] | None = None
    ) -> Any:
        if spec.type is FieldType.DATE and isinstance(value, str):
            # A destination fixes a date as YYYY-MM-DD text: it goes in the connection's format.
            value = _iso_date(value) or value
        if isinstance(value, datetime | date):
            fmt = DATE_FORMATS.get((settings or {}).get("date_format", ""), "%d/%m/%Y")
            return value.strftime(fmt)
        return super().format_value(spec, value, settings)

    def raise_for_status(self, operation: str, response: VendorResponse) -> None:
        # LeadByte's error bodies carry the code and message; read them before the status.
        if response.status_code >= 400 and response.content_type == "application/json":
            try:
                body = response.json()
            except VendorError:
                body = None
            if isinstance(body, dict) and "code" in body:
                self._raise_for_body(
                    body,
                    status_code=response.status_code,
                    retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                )
        super().raise_for_status(operation, response)

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        body = response.json()
        if not isinstance(body, dict):
            raise VendorError(
                "LeadByte answered with an unexpected shape.",
                condition=Condition.UNREADABLE_ANSWER,
            )
        self._raise_for_body(body)
        first = _first_item(
            body, "results", "queueId", "LeadByte said Success but sent no queueId."
        )
        queue_status = str(first.get("status", ""))
        quarantined = queue_status.lower() == "quarantined"
        return VendorResult(
            outcome=Outcome.QUARANTINED if quarantined else Outcome.ACCEPTED,
            reference=str(first["queueId"]),
            code=str(first.get("code", body.get("code", ""))),
            message=(
                "LeadByte quarantined the lead for review."
                if quarantined
                else f"LeadByte queued the lead ({queue_status or 'Queued'})."
            ),
            data={"queue_status": queue_status},
        )

    # --- helpers --------------------------------------------------------------------------

    def _key_param(self) -> dict[str, str]:
        return {"key": self.api_key}

    def _raise_for_body(
        self,
        body: Mapping[str, Any],
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Raise for a LeadByte body whose status is not Success."""
        status = str(body.get("status", "")).lower()
        if status == "success" or ("status" not in body and "code" not in body):
            return
        code = _int_or_none(body.get("code"))
        condition, plain = RESPONSE_CODES.get(code if code is not None else 0, UNKNOWN_CODE)
        if status_code == 401 and code in (None, -7):
            condition, plain = Condition.CREDENTIALS_REFUSED, "LeadByte refused the API key."
        elif status_code is not None and status_code >= 400 and code not in RESPONSE_CODES:
            condition = condition_for_status(status_code)
        raw_errors = body.get("errors")
        if not isinstance(raw_errors, list):  # an untrusted answer: a string, a flag, a dict
            raw_errors = [raw_errors] if isinstance(raw_errors, str) else []
        errors = [str(e) for e in raw_errors if e]
        detail = "; ".join(errors) or str(body.get("message") or "")
        message = _with_detail(plain, detail)
        raise VendorError(
            message,
            condition=condition,
            status_code=status_code,
            retry_after=retry_after,
            code=str(code) if code is not None else "",
            field_errors={"__all__": errors} if errors else {},
        )


def _first_item(body: Mapping[str, Any], key: str, needs: str, missing: str) -> dict[str, Any]:
    """The first item of the list ``body[key]``: an object with ``needs`` set, or the
    answer is unreadable (``missing`` says so)."""
    items = body.get(key)
    first = items[0] if isinstance(items, list) and items else None
    if not isinstance(first, dict) or not first.get(needs):
        raise VendorError(missing, condition=Condition.UNREADABLE_ANSWER)
    return first


def earlier_send_in(body: Mapping[str, Any]) -> EarlierSend | None:
    """The newest lead a lead-search answer found: its leadId, when it was received, and
    the queueId it was queued under where the answer gives one. LeadByte's article shows
    that as ``queue_ref`` (``null`` in its example, a lead not sent through the REST queue);
    ``queueId`` is read too. Without either the lead is found but its queue cannot be
    followed."""
    searches = body.get("searches")
    found = [
        result
        for search in (searches if isinstance(searches, list) else [])
        if isinstance(search, dict) and isinstance(search.get("results"), list)
        for result in search["results"]
        if isinstance(result, dict) and result.get("leadId") not in (None, "")
    ]
    if not found:
        return None
    newest = max(found, key=lambda result: str(result.get("received") or ""))
    return EarlierSend(
        vendor_id=str(newest["leadId"]),
        received=str(newest.get("received") or ""),
        reference=_queue_ref(newest),
    )


def _queue_ref(result: Mapping[str, Any]) -> str:
    """A search result's queueId: a non-empty text or number, never ``null`` made "None"."""
    for key in ("queue_ref", "queueId"):
        value = result.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def _iso_date(text: str) -> date | None:
    try:
        return parse_date(text.strip())
    except ValueError:  # shaped like a date, but none
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # JSON allows Infinity: no code at all
        return None


def _queue_reason(item: Mapping[str, Any]) -> tuple[int | None, str]:
    """The code and reason of a queue item, in either shape LeadByte documents: flat
    (``code``, ``message``) or Live Buyer Responses' nested ``response`` object
    (``{"code": -8, "response": "HLR rejection", "info": ...}``)."""
    nested = item.get("response")
    nested = nested if isinstance(nested, dict) else {}
    code = _int_or_none(nested.get("code"))
    if code is None:
        code = _int_or_none(item.get("code"))
    reasons = (nested.get("response"), nested.get("info"), item.get("message"))
    detail = next((str(r).strip() for r in reasons if isinstance(r, str) and r.strip()), "")
    return code, detail


def _with_detail(plain: str, detail: str) -> str:
    """Our plain words, then the vendor's own unless they only say the same again
    ("… (duplicate or resubmission)." and "Duplicate or resubmission")."""
    if not detail or _words(detail) <= _words(plain):
        return plain or detail
    return f"{plain} {detail}".strip()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9-]+", text.lower()))
