"""CRM.COM Web API v2, simulated: login token, token release, leads/create.

Rules (shared/vendor-apis.md, "Simulator rules (CRM.COM)"):
- ``authentication/token`` checks username, password and organisation and issues a JWT-like
  token that expires 2 hours after issue; bad credentials answer HTTP 200 with
  ``status.code "ERROR"`` and ``data: null``;
- every other call needs a live token in the body or the query; a missing, expired or
  released one answers the error envelope with "Invalid or expired token";
- leads/create checks the importance and priority enums, resolves ``type_identifier`` (and
  the status, category and lost reason) by ``id``, ``name`` or ``alternative_code``, wants
  exactly one key in every identifier object, a source type from the enum with a name where
  required, a contact object, ``contact_email``/``contact_phone`` when the lead type needs
  them, and ``probability_to_win`` within 0 to 100;
- success answers ``status.code "OK"`` with ``data: {id: 32 uppercase hex, number, …}``;
- every answer is HTTP 200 (the sources show only body-level status).

Token issue times are stored in ``SandboxToken`` so a test can age a token.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import (
    SandboxCredential,
    SandboxRecord,
    SandboxToken,
    secret_hash,
)
from sandbox.seed import (
    CRMCOM_LEAD_CATEGORIES,
    CRMCOM_LEAD_STATUSES,
    CRMCOM_LEAD_TYPES,
    CRMCOM_LOST_REASONS,
    crmcom_secret,
)

VENDOR = "crmcom"
TOKEN_LIFETIME = timedelta(hours=2)
INVALID_TOKEN = "Invalid or expired token"  # noqa: S105 - a message, not a secret


def _envelope(code: str, message: str) -> dict[str, Any]:
    return {"data": None, "status": {"code": code, "message": message, "description": ""}}


# How CRM.COM words the faults the sandbox can inject (sandbox.faults): its error
# envelope under HTTP 200, as every CRM.COM answer is.
FAULT_RESPONSES: dict[str, tuple[int, dict[str, Any]]] = {
    "error_200": (200, _envelope("ERROR", "Internal error, please try again later")),
    "expired_token": (200, _envelope("ERROR", INVALID_TOKEN)),
}

IMPORTANCES = {f"IMPORTANCE{n}" for n in range(1, 6)} | {"CUSTOM1", "CUSTOM2", "CUSTOM3"}
PRIORITIES = {str(n) for n in range(1, 7)}
SOURCE_TYPES = {
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
}
SOURCE_NAME_REQUIRED = {"ADVERTISEMENT", "WEBSITE", "OTHER", "CUSTOM1", "CUSTOM2", "CUSTOM3"}
LOOKUP_KEYS = ("id", "name", "alternative_code")
# Identifier objects checked only for their shape: the sandbox holds no groups or users.
SHAPE_ONLY_IDENTIFIERS = (
    "owned_by_group_identifier",
    "privacy_level_identifier",
    "lead_owner",
    "accounts_receivable_identifier",
)


def _ok(data: Any) -> JsonResponse:
    return JsonResponse({"data": data, "status": {"code": "OK", "message": "", "description": ""}})


def _error(message: str, description: str = "") -> JsonResponse:
    return JsonResponse(
        {
            "data": None,
            "status": {"code": "ERROR", "message": message, "description": description},
        }
    )


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_token(organisation: str) -> str:
    """A JWT-shaped token: header.claims.signature (the signature is random: nothing checks it)."""
    now = int(timezone.now().timestamp())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": "crmcom-sandbox",
        "org": organisation,
        "iat": now,
        "exp": now + int(TOKEN_LIFETIME.total_seconds()),
        "jti": secrets.token_hex(8),
    }
    return ".".join(
        (
            _b64(json.dumps(header).encode()),
            _b64(json.dumps(claims).encode()),
            _b64(secrets.token_bytes(32)),
        )
    )


def live_token(token: Any) -> SandboxToken | None:
    found = SandboxToken.find(VENDOR, token if isinstance(token, str) else None)
    if found is None or found.released_at is not None:
        return None
    if timezone.now() >= found.issued_at + TOKEN_LIFETIME:
        return None
    return found


def _record(endpoint: str, payload: dict[str, Any], status: str, **extra: Any) -> None:
    SandboxRecord.objects.create(
        vendor=VENDOR, endpoint=endpoint, payload=payload, status=status, **extra
    )


@csrf_exempt
def token(request: HttpRequest) -> JsonResponse:
    body = _json_body(request) if request.method == "POST" else None
    if body is None:
        return _error("Use POST with a JSON body")
    username = str(body.get("username") or "")
    organisation = str(body.get("organisation") or "")
    seen = {"username": username, "organisation": organisation}  # never the password
    if not SandboxCredential.accepts(
        VENDOR, crmcom_secret(username, str(body.get("password") or ""), organisation)
    ):
        _record("authentication/token", seen, "refused")
        return _error("Invalid username, password or organisation")
    issued = new_token(organisation)
    SandboxToken.objects.create(
        vendor=VENDOR, token_hash=secret_hash(issued), organisation=organisation
    )
    _record("authentication/token", seen, "issued", accepted=True)
    return _ok({"token": issued})


@csrf_exempt
def release(request: HttpRequest) -> JsonResponse:
    body = _json_body(request) or {}
    found = live_token(body.get("token") or request.GET.get("token"))
    if found is None:
        return _error(INVALID_TOKEN)
    found.released_at = timezone.now()
    found.save(update_fields=["released_at"])
    _record("authentication/token/release", {}, "released", accepted=True)
    return _ok({})


@csrf_exempt
def create_lead(request: HttpRequest) -> JsonResponse:
    body = _json_body(request) if request.method == "POST" else None
    if body is None:
        return _error("Use POST with a JSON body")
    if live_token(body.get("token") or request.GET.get("token")) is None:
        return _error(INVALID_TOKEN)
    lead = {k: v for k, v in body.items() if k != "token"}
    problems = validate_lead(lead)
    if problems:
        _record("leads/create", lead, "invalid")
        return _error(problems[0], "; ".join(problems))
    lead_id = secrets.token_hex(16).upper()
    created = SandboxRecord.objects.filter(vendor=VENDOR, endpoint="leads/create", accepted=True)
    number = f"LD{created.count() + 1:06d}"
    _record("leads/create", lead, "created", accepted=True, reference=lead_id)
    return _ok(
        {
            "id": lead_id,
            "number": number,
            "importance": lead["importance"],
            "priority": str(lead["priority"]),
            "life_cycle_state": "OPEN",
        }
    )


def validate_lead(lead: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if lead.get("importance") not in IMPORTANCES:
        problems.append("importance must be one of " + ", ".join(sorted(IMPORTANCES)))
    if str(lead.get("priority", "")) not in PRIORITIES:
        problems.append("priority must be one of 1, 2, 3, 4, 5, 6")
    lead_type = _resolve(lead, "type_identifier", CRMCOM_LEAD_TYPES, problems, required=True)
    status = _resolve(lead, "status_identifier", CRMCOM_LEAD_STATUSES, problems)
    _resolve(lead, "category_identifier", CRMCOM_LEAD_CATEGORIES, problems)
    lost_reason = _resolve(lead, "lost_reason_identifier", CRMCOM_LOST_REASONS, problems)
    if status and status.get("lost") and not lost_reason:
        problems.append("lost_reason_identifier is mandatory for a lost status")
    for name in SHAPE_ONLY_IDENTIFIERS:
        if name in lead:
            _one_key(lead, name, problems)
    assigned = lead.get("assigned_to")
    if assigned is not None:
        if not isinstance(assigned, dict):
            problems.append("assigned_to must be an object")
        else:
            for name in ("user_identifier", "group_identifier"):
                if name in assigned:
                    _one_key(assigned, name, problems, label=f"assigned_to.{name}")
    _check_source(lead.get("source"), problems)
    contact = lead.get("contact_information")
    if not isinstance(contact, dict) or not contact:
        problems.append("contact_information is mandatory")
    if lead_type and lead_type.get("requires_email") and not lead.get("contact_email"):
        problems.append(f"contact_email is mandatory for lead type {lead_type['name']}")
    if lead_type and lead_type.get("requires_phone") and not lead.get("contact_phone"):
        problems.append(f"contact_phone is mandatory for lead type {lead_type['name']}")
    _check_number(lead, "probability_to_win", problems, low=0, high=100)
    _check_number(lead, "target_amount", problems)
    for n in range(1, 5):
        _check_number(lead, f"udf_float_{n}", problems)
        _check_date(lead, f"udf_date_{n}", problems)
    _check_date(lead, "start_date", problems)
    _check_date(lead, "expected_completion_date", problems)
    return problems


def _one_key(
    holder: dict[str, Any], name: str, problems: list[str], *, label: str = ""
) -> dict[str, Any] | None:
    value = holder.get(name)
    if not isinstance(value, dict) or len(value) != 1:
        problems.append(f"{label or name} must be an identifier object with exactly one key")
        return None
    return value


def _resolve(
    lead: dict[str, Any],
    name: str,
    table: list[dict[str, Any]],
    problems: list[str],
    *,
    required: bool = False,
) -> dict[str, Any] | None:
    if name not in lead:
        if required:
            problems.append(f"{name} is mandatory")
        return None
    identifier = _one_key(lead, name, problems)
    if identifier is None:
        return None
    ((key, value),) = identifier.items()
    if key not in LOOKUP_KEYS:
        problems.append(f"{name} accepts only {', '.join(LOOKUP_KEYS)}")
        return None
    found = next((row for row in table if str(row.get(key)) == str(value)), None)
    if found is None:
        problems.append(f"{name}: no record with {key} {value}")
    return found


def _check_source(source: Any, problems: list[str]) -> None:
    if not isinstance(source, dict):
        problems.append("source is mandatory")
        return
    source_type = source.get("type")
    if source_type not in SOURCE_TYPES:
        problems.append("source.type must be one of " + ", ".join(sorted(SOURCE_TYPES)))
    elif source_type in SOURCE_NAME_REQUIRED and not str(source.get("name") or "").strip():
        problems.append(f"source.name is mandatory for source type {source_type}")


def _check_number(
    lead: dict[str, Any],
    name: str,
    problems: list[str],
    *,
    low: float | None = None,
    high: float | None = None,
) -> None:
    if name not in lead or lead[name] in (None, ""):
        return
    try:
        value = float(lead[name])
    except (TypeError, ValueError):
        problems.append(f"{name} must be a number")
        return
    if (low is not None and value < low) or (high is not None and value > high):
        problems.append(f"{name} must be between {low:g} and {high:g}")


def _check_date(lead: dict[str, Any], name: str, problems: list[str]) -> None:
    if name not in lead or lead[name] in (None, ""):
        return
    try:
        date.fromisoformat(str(lead[name]))
    except ValueError:
        problems.append(f"{name} must be a date as YYYY-MM-DD")
