"""LeadByte REST v1.2, simulated: campaigns, campaign detail, create lead, apiqueue.

Rules (shared/vendor-apis.md, "Simulator rules (LeadByte)"):
- the key is read from ``X_KEY``, then the body ``key``, then the query ``key``; a missing
  or unknown key answers HTTP 401 with code -7;
- missing ``lead`` or bad JSON → -5; unknown or inactive ``campid`` → -9; a ``sid`` not
  allowed on the campaign → -7;
- each field is checked against the campaign's definition, messages gathered in ``errors``;
- dedupe on campaign + email and campaign + phone1 within ``DEDUPE_WINDOW`` → -2;
- success carries a queueId in LeadByte's 8-8-8-4-8 hex pattern, Queued or Quarantined;
- ``apiqueue/{id}`` answers Valid, or Invalid (-8, HLR) for a phone ending in 0000 (0001:
  the same in Live Buyer Responses' nested shape): the scripted late rejection that
  exercises the client's polling;
- ``leads/search`` takes ``{key, searches:[{campaignId, email|phone}]}`` and answers each
  search with the leads the campaign took, newest first, in the shape LeadByte's "Search
  leads via REST API" article shows: the contact fields, ``queue_ref``, ``leadId``,
  ``campaignId`` and ``received``. The article's example has ``queue_ref: null`` (a lead
  not sent through the REST queue); ASSUME a lead the REST API queued carries its queueId
  there, which lets a client follow a lead whose create answer it lost.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import SandboxCampaign, SandboxCredential, SandboxRecord

VENDOR = "leadbyte"
DEDUPE_WINDOW = timedelta(days=30)
SUCCESS_CODE = 1
VALIDATION_MESSAGE = "One or more errors occurred, see errors array"

# How LeadByte words the faults the sandbox can inject (sandbox.faults).
FAULT_RESPONSES: dict[str, tuple[int, dict[str, Any]]] = {
    "error_200": (200, {"status": "Error", "code": -100, "message": "Internal error"}),
    # LeadByte has no session tokens: an expired credential looks like a refused key.
    "expired_token": (401, {"status": "Error", "code": -7, "message": "Invalid API key"}),
}

UK_MOBILE = re.compile(r"^(\+44|0044|0)7\d{9}$")
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.I)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ALPHABETICAL = re.compile(r"^[A-Za-z\u00C0-\u024F' \-]+$")

LIST_KEYS = (
    "id",
    "name",
    "reference",
    "description",
    "currency",
    "country",
    "sms_field",
    "active",
    "sup_visible",
    "archived",
)


def _error(code: int, message: str, status: int = 200, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"status": "Error", "code": code, "message": message, **extra}, status=status
    )


def _body(request: HttpRequest) -> Any:
    if not request.body:
        return None
    return json.loads(request.body)


def _authorised(request: HttpRequest, body: Any = None) -> bool:
    key = request.headers.get("X-Key") or request.META.get("HTTP_X_KEY")
    if not key and isinstance(body, dict):
        key = body.get("key")
    if not key:
        key = request.GET.get("key")
    return SandboxCredential.accepts(VENDOR, key)


def _unauthorised() -> JsonResponse:
    return _error(-7, "Invalid API key", status=401)


def campaigns(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        return _unauthorised()
    listing = [
        {k: c.definition.get(k, "") for k in LIST_KEYS}
        for c in SandboxCampaign.objects.order_by("vendor_id")
    ]
    return JsonResponse(listing, safe=False)


def campaign_detail(request: HttpRequest, campaign_id: str) -> JsonResponse:
    if not _authorised(request):
        return _unauthorised()
    campaign = SandboxCampaign.objects.filter(vendor_id=campaign_id).first()
    if campaign is None:
        return _error(-9, "Campaign not found", status=404)
    return JsonResponse(campaign.definition)


@csrf_exempt
def create_lead(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(-5, "Use POST", status=405)
    try:
        body = _body(request)
    except ValueError:
        if not _authorised(request):
            return _unauthorised()
        return _error(-5, VALIDATION_MESSAGE, redirectUrl="", errors=["The body is not valid JSON"])
    if not _authorised(request, body):
        return _unauthorised()
    lead = body.get("lead") if isinstance(body, dict) else None
    if not isinstance(lead, dict):
        return _error(-5, VALIDATION_MESSAGE, redirectUrl="", errors=["No lead was given"])
    campaign = SandboxCampaign.objects.filter(reference=str(lead.get("campid", ""))).first()
    if campaign is None or campaign.definition.get("active") != "1":
        return _record(lead, "campaign not active", _error(-9, "Campaign not active"))
    if campaign.allowed_sids and str(lead.get("sid", "")) not in campaign.allowed_sids:
        return _record(lead, "supplier", _error(-7, "Supplier not authorised"))
    errors = validate_lead(campaign.definition.get("fields", []), lead)
    if errors:
        response = _error(-5, VALIDATION_MESSAGE, redirectUrl="", errors=errors)
        return _record(lead, "invalid", response)
    if _is_duplicate(campaign, lead):
        return _record(lead, "duplicate", _error(-2, "Duplicate or resubmission"))
    queue_id = new_queue_id()
    status = "Quarantined" if campaign.quarantine else "Queued"
    response = JsonResponse(
        {
            "status": "Success",
            "code": SUCCESS_CODE,
            "message": "",
            "results": [{"queueId": queue_id, "status": status, "code": SUCCESS_CODE}],
        }
    )
    return _record(lead, status, response, reference=queue_id, accepted=True)


def queue_status(request: HttpRequest, queue_id: str) -> JsonResponse:
    if not _authorised(request):
        return _unauthorised()
    record = SandboxRecord.objects.filter(vendor=VENDOR, reference=queue_id).first()
    if record is None:
        return _error(-5, "Queue item not found", status=404)
    phone = str(record.payload.get("phone1", ""))
    if record.status == "Quarantined":
        item = {"queueId": queue_id, "status": "Quarantined", "code": SUCCESS_CODE}
    elif phone.endswith("0000"):
        item = {"queueId": queue_id, "status": "Invalid", "code": -8, "message": "HLR rejection"}
    elif phone.endswith("0001"):
        # Live Buyer Responses' shape: the reason inside a nested response object.
        reason = {"code": -8, "response": "HLR rejection", "info": "Number not in service"}
        item = {"queueId": queue_id, "status": "Invalid", "response": reason}
    else:
        item = {"queueId": queue_id, "status": "Valid", "code": SUCCESS_CODE}
    item["processed"] = record.received_at.isoformat()
    return JsonResponse(
        {"status": "Success", "code": SUCCESS_CODE, "message": "OK", "records": [item]}
    )


@csrf_exempt
def search_leads(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(-5, "Use POST", status=405)
    try:
        body = _body(request)
    except ValueError:
        body = None
    if not _authorised(request, body):
        return _unauthorised()
    searches = body.get("searches") if isinstance(body, dict) else None
    if not isinstance(searches, list) or not all(isinstance(s, dict) for s in searches):
        return _error(-5, VALIDATION_MESSAGE, errors=["searches must be a list of searches"])
    answered = [{**search, **_search_one(search)} for search in searches]
    return JsonResponse(
        {
            "status": "Success",
            "message": "OK",
            "warnings": [],
            "totalMatches": sum(a["matches"] for a in answered),
            "searches": answered,
        }
    )


def _search_one(search: dict[str, Any]) -> dict[str, Any]:
    """The leads one search finds: a campaign (its numeric id) and an email or a phone."""
    campaign = SandboxCampaign.objects.filter(vendor_id=str(search.get("campaignId", ""))).first()
    email = str(search.get("email") or "").strip().lower()
    phone = _phone_key(search.get("phone"))
    if campaign is None or not (email or phone):
        return {"results": [], "matches": 0}
    taken = SandboxRecord.objects.filter(
        vendor=VENDOR, endpoint="leads", accepted=True, payload__campid=campaign.reference
    ).order_by("-id")
    results = [
        search_result(record, campaign)
        for record in taken
        if (email and str(record.payload.get("email") or "").strip().lower() == email)
        or (phone and _phone_key(record.payload.get("phone1")) == phone)
    ]
    return {"results": results, "matches": len(results)}


# The lead's own fields a search result carries, as the article's example shows them.
SEARCH_RESULT_FIELDS = (
    "c1",
    "c2",
    "c3",
    "title",
    "firstname",
    "lastname",
    "email",
    "phone1",
    "phone2",
    "phone3",
)


def search_result(record: SandboxRecord, campaign: SandboxCampaign) -> dict[str, Any]:
    """One lead as a search answers it: its fields, ``queue_ref`` (the queueId it was
    queued under), ``leadId``, the campaign's numeric id and when it was received."""
    lead = {name: str(record.payload.get(name) or "") for name in SEARCH_RESULT_FIELDS}
    return {
        **lead,
        "sub_supplier_id": "0",
        "queue_ref": record.reference or None,
        "leadId": record.pk,
        "campaignId": _int_or_text(campaign.vendor_id),
        "received": record.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _int_or_text(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _phone_key(value: Any) -> str:
    """A phone as dedupe and search compare it: its last ten digits."""
    return re.sub(r"\D", "", str(value or ""))[-10:]


def validate_lead(fields: list[dict[str, Any]], lead: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    for meta in fields:
        name, label = meta.get("name", ""), meta.get("label") or meta.get("name", "")
        value = lead.get(name)
        text = "" if value is None else str(value).strip()
        if not text:
            if meta.get("required"):
                errors.append(f"{label} is required")
            continue
        problem = _check_type(meta, text)
        if problem:
            errors.append(f"{label} {problem}")
    return errors


def _check_type(meta: dict[str, Any], text: str) -> str:
    values = [v.strip() for v in str(meta.get("selection_values") or "").split(",") if v.strip()]
    if values and text not in values:
        return "is not one of the allowed values"
    data_type = meta.get("data_type")
    if data_type == "Email Address" and not EMAIL.match(text):
        return "is not a valid email address"
    if data_type == "Alphabetical" and not ALPHABETICAL.match(text):
        return "must contain letters only"
    if data_type == "UK Mobile Number" and not UK_MOBILE.match(re.sub(r"\s", "", text)):
        return "is not a valid UK mobile number"
    if data_type == "Postcode" and not UK_POSTCODE.match(text):
        return "is not a valid postcode"
    if data_type == "Date" and not _is_date(text):
        return "is not a valid date"
    return ""


def _is_date(text: str) -> bool:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            datetime.strptime(text, fmt)
            return True
        except ValueError:
            continue
    return False


def _is_duplicate(campaign: SandboxCampaign, lead: dict[str, Any]) -> bool:
    since = timezone.now() - DEDUPE_WINDOW
    recent = SandboxRecord.objects.filter(
        vendor=VENDOR,
        endpoint="leads",
        accepted=True,
        received_at__gte=since,
        payload__campid=campaign.reference,
    )
    email = str(lead.get("email") or "").strip().lower()
    phone = _phone_key(lead.get("phone1"))
    for payload in recent.values_list("payload", flat=True):
        if email and str(payload.get("email") or "").strip().lower() == email:
            return True
        if phone and _phone_key(payload.get("phone1")) == phone:
            return True
    return False


def _record(
    lead: dict[str, Any],
    status: str,
    response: JsonResponse,
    *,
    reference: str = "",
    accepted: bool = False,
) -> JsonResponse:
    SandboxRecord.objects.create(
        vendor=VENDOR,
        endpoint="leads",
        reference=reference,
        payload=lead,
        accepted=accepted,
        status=status,
    )
    return response


def new_queue_id() -> str:
    parts = (8, 8, 8, 4, 8)
    return "-".join(secrets.token_hex(n // 2) for n in parts)
