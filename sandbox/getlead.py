"""Getlead GL Connect (legacy API), simulated: lead, note, status, task, deal, department.

Rules (shared/vendor-apis.md, "Simulator rules (Getlead legacy)"):
- GET and POST are accepted; inputs are merged from the query, then a form body, then a
  JSON body, the body winning on a conflict;
- a missing or unknown token answers "Please check the parameters.", with ``status``
  ``fail`` on the lead endpoint and ``error`` elsewhere; the department endpoint reads the
  token from its path;
- the lead endpoint wants ``countrycode``, ``mobileno`` and ``source``; non-digits are
  stripped from ``mobileno``; outside 8 to 14 digits it answers Laravel's exact message;
  leads are upserted on country code + national number; unknown keys are kept as
  additional fields;
- note, status, task and deal find the lead by country code + mobile (+ email when both
  sides have one) and answer "Enquiry Not Found." when none matches (task: only when a
  mobile is given);
- every answer is HTTP 200 with ``{status, message}``, with the documented messages word
  for word. The documents' copy-paste success messages (status change answering "Note
  Added Successfully.", deal answering "Task Added Successfully.") are reproduced while
  ``REPRODUCE_DOCUMENTED_QUIRKS`` is on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import SandboxCredential, SandboxEnquiry, SandboxRecord
from sandbox.seed import GETLEAD_DEPARTMENTS

VENDOR = "getlead"
REPRODUCE_DOCUMENTED_QUIRKS = True

CHECK_PARAMETERS = "Please check the parameters."
MOBILE_DIGITS = "The mobileno must be between 8 and 14 digits."
ENQUIRY_NOT_FOUND = "Enquiry Not Found."
LEAD_ADDED = "Lead Added Successfully."
NOTE_ADDED = "Note Added Successfully."
TASK_ADDED = "Task Added Successfully."
DEPARTMENT_ASSIGNED = "The source number has been assigned to the specified department."

LEAD_FIELDS = frozenset(
    {
        "token",
        "name",
        "email",
        "countrycode",
        "mobileno",
        "feedback",
        "source",
        "company_name",
        "staff_name",
        "date_of_birth",
        "purpose",
        "status",
        "department",
    }
)


def inputs(request: HttpRequest) -> dict[str, Any]:
    """Query, then form body, then JSON body, as Laravel's ``$request->all()`` merges them."""
    merged: dict[str, Any] = dict(request.GET.items())
    if request.method == "POST":
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            merged.update(request.POST.items())
        elif request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
            if isinstance(body, dict):
                merged.update(body)
    return merged


def _reply(status: str, message: str) -> JsonResponse:
    return JsonResponse({"status": status, "message": message})


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def national_number(countrycode: str, digits: str) -> str:
    """The number without trunk 0 or country code ("with or without country code")."""
    if countrycode and len(digits) > 10 and digits.startswith(countrycode):
        digits = digits[len(countrycode) :]
    return digits.removeprefix("0")


def _missing(data: dict[str, Any], *names: str) -> bool:
    return any(not str(data.get(name) or "").strip() for name in names)


def _token_ok(token: Any) -> bool:
    return SandboxCredential.accepts(VENDOR, token if isinstance(token, str) else None)


def _record(
    endpoint: str, data: dict[str, Any], status: str, *, reference: str = "", accepted: bool
) -> None:
    SandboxRecord.objects.create(
        vendor=VENDOR,
        endpoint=endpoint,
        reference=reference,
        payload={k: v for k, v in data.items() if k != "token"},
        status=status,
        accepted=accepted,
    )


def _find(data: dict[str, Any], phone_param: str) -> SandboxEnquiry | None:
    countrycode = _digits(data.get("countrycode"))
    mobile = national_number(countrycode, _digits(data.get(phone_param)))
    candidates = SandboxEnquiry.objects.filter(vendor=VENDOR, mobile=mobile)
    if countrycode:
        candidates = candidates.filter(countrycode=countrycode)
    email = str(data.get("email") or "").strip().lower()
    for enquiry in candidates:
        if not email or not enquiry.email or enquiry.email.lower() == email:
            return enquiry
    return None


def _key(enquiry: SandboxEnquiry) -> str:
    return f"{enquiry.countrycode}-{enquiry.mobile}"


@csrf_exempt
def create_lead(request: HttpRequest) -> JsonResponse:
    endpoint, data = "gl-website-contacts", inputs(request)
    if not _token_ok(data.get("token")) or _missing(data, "countrycode", "mobileno", "source"):
        _record(endpoint, data, "fail", accepted=False)
        return _reply("fail", CHECK_PARAMETERS)
    digits = _digits(data["mobileno"])
    if not 8 <= len(digits) <= 14:
        _record(endpoint, data, "fail", accepted=False)
        return _reply("fail", MOBILE_DIGITS)
    countrycode = _digits(data["countrycode"])
    enquiry, created = SandboxEnquiry.objects.get_or_create(
        vendor=VENDOR, countrycode=countrycode, mobile=national_number(countrycode, digits)
    )
    documented = {k: v for k, v in data.items() if k in LEAD_FIELDS and k != "token"}
    enquiry.fields = {**enquiry.fields, **documented}
    enquiry.additional_fields = {
        **enquiry.additional_fields,
        **{k: v for k, v in data.items() if k not in LEAD_FIELDS},
    }
    enquiry.email = str(data.get("email") or enquiry.email)
    enquiry.status = str(data.get("status") or enquiry.status)
    enquiry.save()
    _record(
        endpoint, data, "added" if created else "updated", reference=_key(enquiry), accepted=True
    )
    return _reply("success", LEAD_ADDED)


def _follow_up(
    endpoint: str,
    data: dict[str, Any],
    *,
    required: tuple[str, ...],
    phone_param: str,
    must_match: bool,
    check: Callable[[dict[str, Any]], bool] = lambda data: True,
    act: Callable[[SandboxEnquiry], None] = lambda enquiry: None,
    success: str,
) -> JsonResponse:
    if not _token_ok(data.get("token")) or _missing(data, *required) or not check(data):
        _record(endpoint, data, "error", accepted=False)
        return _reply("error", CHECK_PARAMETERS)
    enquiry = None
    if must_match or data.get(phone_param):
        enquiry = _find(data, phone_param)
        if enquiry is None:
            _record(endpoint, data, "not found", accepted=False)
            return _reply("error", ENQUIRY_NOT_FOUND)
        act(enquiry)
    _record(endpoint, data, "success", reference=_key(enquiry) if enquiry else "", accepted=True)
    return _reply("success", success)


@csrf_exempt
def add_note(request: HttpRequest) -> JsonResponse:
    return _follow_up(
        "gl-note-creation-api",
        inputs(request),
        required=("note", "countrycode", "mobile_no"),
        phone_param="mobile_no",
        must_match=True,
        success=NOTE_ADDED,
    )


@csrf_exempt
def change_status(request: HttpRequest) -> JsonResponse:
    data = inputs(request)

    def act(enquiry: SandboxEnquiry) -> None:
        enquiry.status = str(data["status"])
        enquiry.save(update_fields=["status", "updated_at"])

    return _follow_up(
        "gl-status-change-api",
        data,
        required=("status", "countrycode", "mobile_no"),
        phone_param="mobile_no",
        must_match=True,
        act=act,
        success=NOTE_ADDED if REPRODUCE_DOCUMENTED_QUIRKS else "Status Changed Successfully.",
    )


@csrf_exempt
def create_task(request: HttpRequest) -> JsonResponse:
    return _follow_up(
        "gl-task-creation-api",
        inputs(request),
        required=("name",),
        phone_param="mobile_no",
        must_match=False,
        check=lambda data: str(data.get("task_category_id") or "1") in ("1", "2"),
        success=TASK_ADDED,
    )


@csrf_exempt
def create_deal(request: HttpRequest) -> JsonResponse:
    return _follow_up(
        "gl-deal-creation-api",
        inputs(request),
        required=("mobile", "status"),
        phone_param="mobile",
        must_match=True,
        check=lambda data: str(data.get("deal_amount") or "0").isdigit(),
        success=TASK_ADDED if REPRODUCE_DOCUMENTED_QUIRKS else "Deal Added Successfully.",
    )


@csrf_exempt
def assign_department(request: HttpRequest, token: str) -> JsonResponse:
    endpoint, data = "gl-department-vise-agent-assign", inputs(request)
    if not _token_ok(token):
        message = CHECK_PARAMETERS
    elif _missing(data, "SourceNumber"):
        message = "The SourceNumber field is required."
    elif _missing(data, "department"):
        message = "The department field is required."
    elif str(data["department"]).strip() not in GETLEAD_DEPARTMENTS:
        message = "The selected department is invalid."
    else:
        _record(endpoint, data, "assigned", reference=_digits(data["SourceNumber"]), accepted=True)
        return _reply("success", DEPARTMENT_ASSIGNED)
    _record(endpoint, data, "error", accepted=False)
    return _reply("error", message)


ENDPOINTS = {
    "gl-website-contacts": create_lead,
    "gl-note-creation-api": add_note,
    "gl-status-change-api": change_status,
    "gl-task-creation-api": create_task,
    "gl-deal-creation-api": create_deal,
}
