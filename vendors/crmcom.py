"""CRM.COM Web API (crmapi/rest/v2): login token and leads/create.

Seed: shared/seeds/003 (leads/create). Decisions where CRM.COM is silent:
- the contact and lead-source parameters are ``contact_information`` and ``source``;
- identifier objects carry exactly one key (``{"name": "Web lead"}``); each identifier field
  declares which key it sends, and a fixed value may give the object itself;
- every answer is the ``{data, status:{code, message, description}}`` envelope, HTTP 200
  even for business errors; success is ``status.code == "OK"``;
- the token from ``authentication/token`` lasts 2 hours after issue (R12 and later). It is
  kept encrypted on the connection, reused until then (less a minute, so it does not expire
  in flight), and renewed once when CRM.COM answers that it is invalid or expired;
- a token that cannot be obtained fails the submission with a readable message and is
  written on the connection's last error;
- dates travel as YYYY-MM-DD (the seed does not say);
- CRM.COM does not de-duplicate leads, so a lead whose answer was lost is held for a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, NoReturn

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from vendors.base import VendorAdapter, specs_by_name
from vendors.crmcom_fields import CREATE_LEAD_FIELDS, SOURCE_NAME_REQUIRED
from vendors.fieldspec import FieldSpec
from vendors.outcomes import Outcome
from vendors.redaction import Redactor
from vendors.results import (
    Operation,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
)

API = "crmapi/rest/v2"
TOKEN_PATH = f"{API}/authentication/token"
CREATE_LEAD_PATH = f"{API}/leads/create"

CREATE_LEAD = "create_lead"

TOKEN_LIFETIME = timedelta(hours=2)
TOKEN_MARGIN = timedelta(minutes=1)
# CRM.COM's code for an expired token is not documented: its message is what we can read.
TOKEN_REFUSED = re.compile(
    r"\btoken\b.*\b(invalid|expired|released)\b|"
    r"\b(invalid|expired|released)\b.*\btoken\b",
    re.I,
)

CREATE_LEAD_SPECS = specs_by_name(CREATE_LEAD_FIELDS)


class CrmCom(VendorAdapter):
    kind = "crmcom"
    label = "CRM.COM"
    # Each customer has its own CRM.COM host; this placeholder is replaced on the connection.
    default_base_url = "https://crm.example.com/"
    credential_fields = (
        FieldSpec("username", "Username", required=True),
        FieldSpec("password", "Password", required=True),
        FieldSpec("organisation", "Organisation", required=True),
    )
    setting_fields = (FieldSpec("unit", "Business unit", help="Optional: the unit to log in to."),)
    operations = {
        CREATE_LEAD: Operation(CREATE_LEAD, "Create lead", fields=CREATE_LEAD_FIELDS),
    }
    # CRM.COM creates a second lead when one is sent twice: a lost answer needs a person.
    rejects_resent_leads = False

    @classmethod
    def fixed_object_allowed(cls, spec: FieldSpec, value: Any) -> bool:
        # An identifier fixed as the object itself, by another key: {"alternative_code": …}.
        return (
            bool(spec.extra.get("identifier"))
            and isinstance(value, dict)
            and len(value) == 1
            and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value.values())
        )

    def secret_values(self) -> list[str]:
        cached = self.token_store.load().get("token")
        return [*super().secret_values(), *([cached] if isinstance(cached, str) else [])]

    def check(self) -> str:
        """A fresh login proves the username, password and organisation; the token it
        brings is kept for the next lead (it lasts two hours), so nothing is left dangling."""
        self.token_store.save({})
        self.login()
        return "CRM.COM accepted the username, password and organisation and issued a token."

    # --- the token ------------------------------------------------------------------------

    def login(self) -> str:
        """Ask CRM.COM for a new token, keep it on the connection, and return it."""
        body: dict[str, Any] = {
            "username": self.credentials.get("username", ""),
            "password": self.credentials.get("password", ""),
            "organisation": self.credentials.get("organisation", ""),
        }
        if self.settings.get("unit"):
            body["unit"] = self.settings["unit"]
        # Answers are masked before they are read: a vendor that hands back the token it
        # issued before must not have it masked out of the answer LeadHub needs.
        self.redactor = Redactor(VendorAdapter.secret_values(self))
        try:
            envelope = _envelope(
                VendorAdapter.send(
                    self,
                    VendorRequest(
                        "POST", TOKEN_PATH, json=body, purpose="Logged in: CRM.COM issued a token."
                    ),
                )
            )
        except VendorError as err:
            # No lead went out, so whatever became of the login, trying later is safe.
            retry = err.outcome in (Outcome.TRANSIENT, Outcome.UNCERTAIN)
            self._token_failed(
                f"CRM.COM login failed: {err.message}",
                Outcome.TRANSIENT if retry else Outcome.REJECTED,
            )
        status = envelope.get("status")
        status = status if isinstance(status, dict) else {}  # an untrusted answer's shape
        data = envelope.get("data")
        token = data.get("token") if isinstance(data, dict) else None
        if status.get("code") != "OK" or not isinstance(token, str) or not token:
            self._token_failed(
                "CRM.COM refused the login (check the username, password and organisation): "
                + _status_text(status, "no token was issued"),
                Outcome.REJECTED,
            )
        self._mask(token)
        self.token_store.save({"token": token, "issued_at": timezone.now().isoformat()})
        return token

    def cached_token(self) -> str:
        """The stored token while it is younger than its 2-hour lifetime, else ''."""
        cache = self.token_store.load()
        token = cache.get("token")
        issued_at = parse_datetime(str(cache.get("issued_at") or ""))
        if not token or issued_at is None:
            return ""
        if timezone.now() >= issued_at + TOKEN_LIFETIME - TOKEN_MARGIN:
            return ""
        return str(token)

    def _token_failed(self, message: str, outcome: Outcome) -> NoReturn:
        message = self.redactor.text(message)
        self.token_store.save({})
        self.token_store.record_error(message)
        raise VendorError(message, outcome=outcome, code="token")

    def _mask(self, token: str) -> None:
        """Mask a token learnt mid-call, in what follows and in the login answer recorded."""
        self.redactor = Redactor([*self.secret_values(), token])
        if self.exchanges:
            last = self.exchanges[-1]
            last.response_body = self.redactor.text(last.response_body)

    def send(self, request: VendorRequest) -> VendorResponse:
        """Send with the token, logging in first when there is none, and renewing it once
        when CRM.COM answers that it is invalid or expired."""
        response = super().send(_with_token(request, self.cached_token() or self.login()))
        if not _token_refused(response):
            return response
        # Expired early, released, or the server restarted: one fresh login, one more try.
        self.token_store.save({})
        response = super().send(_with_token(request, self.login()))
        if _token_refused(response):
            self._token_failed(
                "CRM.COM refused a token it had just issued: "
                + _status_text(_envelope_or_none(response) or {}, "invalid token"),
                Outcome.REJECTED,
            )
        return response

    # --- leads/create ---------------------------------------------------------------------

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        if operation != CREATE_LEAD:
            raise VendorError(f"CRM.COM has no operation {operation!r}.")
        return VendorRequest("POST", CREATE_LEAD_PATH, json=lead_body(payload))

    @classmethod
    def validate_payload(cls, operation: str, payload: Mapping[str, Any]) -> dict[str, list[str]]:
        source_type = payload.get("source.type")
        if (
            source_type in SOURCE_NAME_REQUIRED
            and not str(payload.get("source.name") or "").strip()
        ):
            kind = str(source_type).replace("_", " ").lower()
            return {"source.name": [f"CRM.COM needs a source name for a {kind} source."]}
        return {}

    def raise_for_status(self, operation: str, response: VendorResponse) -> None:
        # All CRM.COM answers are JSON envelopes: say what it said, whatever the status.
        if response.status_code >= 400 and not _token_refused(response):
            status = _envelope_or_none(response)
            if status is not None:
                retry = response.status_code >= 500 or response.status_code in (408, 429)
                raise VendorError(
                    f"CRM.COM answered HTTP {response.status_code}: {_status_text(status, '')}",
                    outcome=Outcome.TRANSIENT if retry else Outcome.REJECTED,
                    status_code=response.status_code,
                    code=str(status.get("code") or ""),
                )
        super().raise_for_status(operation, response)

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        envelope = _envelope(response)
        status = envelope.get("status")
        if not isinstance(status, dict):
            raise VendorError("CRM.COM answered without a status.", outcome=Outcome.UNCERTAIN)
        code = str(status.get("code") or "")
        if code != "OK":
            raise VendorError(
                "CRM.COM refused the lead: " + _status_text(status, "no reason given"),
                outcome=Outcome.REJECTED,
                code=code,
            )
        data = envelope.get("data")
        if not isinstance(data, dict) or not data.get("id"):
            raise VendorError(
                "CRM.COM said OK but sent no lead id.", outcome=Outcome.UNCERTAIN, code=code
            )
        number = str(data.get("number") or "")
        return VendorResult(
            outcome=Outcome.ACCEPTED,
            reference=str(data["id"]),
            code=code,
            message=f"CRM.COM created lead {number}." if number else "CRM.COM created the lead.",
            data={"id": str(data["id"]), "number": number},
        )


def lead_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The leads/create body: dotted names nested, identifier fields as one-key objects."""
    body: dict[str, Any] = {}
    for name, value in payload.items():
        spec = CREATE_LEAD_SPECS.get(name)
        key = spec.extra.get("identifier") if spec else None
        if key:
            value = _identifier_object(spec.label if spec else name, value, key)
        target = body
        *parents, leaf = name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return body


def _identifier_object(label: str, value: Any, key: str) -> dict[str, Any]:
    if isinstance(value, dict):
        if len(value) != 1:
            raise VendorError(
                f'{label} must name exactly one identifier (for example {{"{key}": …}}); '
                f"it has {len(value)}."
            )
        return value
    return {key: value}


def _with_token(request: VendorRequest, token: str) -> VendorRequest:
    if request.method == "GET":
        return replace(request, params={**(request.params or {}), "token": token})
    return replace(request, json={"token": token, **(request.json or {})})


def _envelope_or_none(response: VendorResponse) -> dict[str, Any] | None:
    try:
        body = response.json()
    except VendorError:
        return None
    status = body.get("status") if isinstance(body, dict) else None
    return status if isinstance(status, dict) else None


def _envelope(response: VendorResponse) -> dict[str, Any]:
    body = response.json()
    if not isinstance(body, dict):
        raise VendorError("CRM.COM answered with an unexpected shape.", outcome=Outcome.UNCERTAIN)
    return body


def _token_refused(response: VendorResponse) -> bool:
    status = _envelope_or_none(response)
    if status is None or status.get("code") == "OK":
        return False
    text = f"{status.get('message') or ''} {status.get('description') or ''}"
    return bool(TOKEN_REFUSED.search(text))


def _status_text(status: Mapping[str, Any], fallback: str) -> str:
    message = str(status.get("message") or "").strip()
    description = str(status.get("description") or "").strip()
    if message and description and description != message:
        return f"{message} ({description})"
    return message or description or fallback
