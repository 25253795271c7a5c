"""SalesByte's Laravel-style request validation: the 422 field errors the sandbox answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

SEND_TYPES = ("email", "sms", "dual", "auto", "none")
BOOLEAN_VALUES = (True, False, 0, 1, "0", "1")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SWEDISH_PHONE = re.compile(r"^\+46\d{9}$")
PUNCTUATION = re.compile(r"[\s\-().]")

Errors = dict[str, list[str]]


def attribute_name(name: str) -> str:
    return name.replace("_", " ")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


class Validator:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: Errors = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def required(self, *names: str) -> None:
        for name in names:
            if _blank(self.data.get(name)):
                self.fail(name, f"The {attribute_name(name)} field is required.")

    def check(self, name: str, ok: Callable[[Any], bool], must: str) -> None:
        """A present, non-null value must pass ``ok``."""
        value = self.data.get(name)
        if not _blank(value) and name not in self.errors and not ok(value):
            self.fail(name, f"The {attribute_name(name)} field {must}.")

    def integers(self, *names: str) -> None:
        for name in names:
            self.check(name, _is_int, "must be an integer")

    def booleans(self, *names: str) -> None:
        for name in names:
            value = self.data.get(name)
            if value is not None and name not in self.errors and not _is_boolean(value):
                self.fail(name, f"The {attribute_name(name)} field must be true or false.")

    def strings(self, *names: str) -> None:
        for name in names:
            self.check(name, lambda v: isinstance(v, str), "must be a string")

    def email(self, name: str) -> None:
        self.check(
            name,
            lambda v: isinstance(v, str) and bool(EMAIL.match(v)),
            "must be a valid email address",
        )

    def salespeople(self) -> None:
        value = self.data.get("salesperson_email")
        addresses = value if isinstance(value, list) else [value]
        if not _blank(value) and not all(isinstance(a, str) and EMAIL.match(a) for a in addresses):
            self.fail("salesperson_email", "The salesperson email field must be valid addresses.")

    def swedish_phone(self, name: str) -> None:
        self.check(
            name,
            lambda v: isinstance(v, str) and bool(SWEDISH_PHONE.match(sanitise_phone(v))),
            "format is invalid",
        )


def _is_boolean(value: Any) -> bool:
    return any(value == ok and type(value) is type(ok) for ok in BOOLEAN_VALUES)


def sanitise_phone(raw: str) -> str:
    phone = PUNCTUATION.sub("", raw)
    if phone.startswith("00"):
        return "+" + phone[2:]
    if phone.startswith("0"):
        return "+46" + phone[1:]
    return phone


# What every lead and quote must carry.
_EVERY_SEND_REQUIRES = ("uuid", "quote_profile_id", "customer_name", "send_type")
_BRAND_BOOLEANS = (
    "chat_enabled",
    "workflows_enabled",
    "allow_customer_document_upload",
    "trigger_created_messages_to_customer",
)


def lead_errors(data: dict[str, Any]) -> Errors:
    v = Validator(data)
    v.required(*_EVERY_SEND_REQUIRES, "type", *_BRAND_BOOLEANS)
    v.strings("uuid", "customer_name", "send_type", "type", "customer_phone", "customer_company")
    v.strings(*(f"custom_field_{n}_content" for n in range(1, 11)), "message")
    v.strings(*(f"tag_{n}" for n in range(1, 11)))
    v.integers("quote_profile_id")
    v.booleans(*_BRAND_BOOLEANS)
    v.email("customer_email")
    v.salespeople()
    return v.errors


def quote_errors(data: dict[str, Any]) -> Errors:
    v = Validator(data)
    v.required(
        *_EVERY_SEND_REQUIRES, "workflows_enabled", "allow_customer_document_upload", "signable"
    )
    v.strings("uuid", "customer_name", "customer_company", "message")
    v.integers("quote_profile_id")
    v.booleans(
        "workflows_enabled",
        "allow_customer_document_upload",
        "signable",
        "chat_enabled",
        "trigger_created_messages_to_customer",
    )
    send_type = data.get("send_type")
    if not _blank(send_type) and send_type not in SEND_TYPES:
        v.fail("send_type", "The selected send type is invalid.")
    if send_type in ("email", "dual") and _blank(data.get("customer_email")):
        v.fail(
            "customer_email", f"The customer email field is required when send type is {send_type}."
        )
    if send_type in ("sms", "dual") and _blank(data.get("customer_phone")):
        v.fail(
            "customer_phone", f"The customer phone field is required when send type is {send_type}."
        )
    v.email("customer_email")
    v.swedish_phone("customer_phone")
    v.salespeople()
    v.check("signable_until", is_ymd, "must match the format Y-m-d")
    _alternatives_errors(v, data.get("alternatives"))
    custom = data.get("custom_fields")
    if custom is not None and not isinstance(custom, dict):
        v.fail("custom_fields", "The custom fields field must be an array.")
    elif isinstance(custom, dict):
        for name, item in custom.items():
            if not isinstance(item, dict) or "value" not in item:
                v.fail(
                    f"custom_fields.{name}.value",
                    f"The custom_fields.{name}.value field is required.",
                )
    return v.errors


def _alternatives_errors(v: Validator, alternatives: Any) -> None:
    if alternatives is None:
        return
    if not isinstance(alternatives, list):
        v.fail("alternatives", "The alternatives field must be an array.")
        return
    for index, item in enumerate(alternatives):
        at = f"alternatives.{index}"
        if not isinstance(item, dict):
            v.fail(at, f"The {at} field must be an array.")
            continue
        bundle, skus = item.get("bundle_id"), item.get("skus")
        if _blank(bundle) and _blank(skus):
            v.fail(
                f"{at}.bundle_id",
                f"The {at}.bundle_id field is required when {at}.skus is not present.",
            )
        elif not _blank(bundle) and not _blank(skus):
            v.fail(
                f"{at}.bundle_id",
                f"The {at}.bundle_id field prohibits {at}.skus from being present.",
            )
        if not _blank(bundle) and not _is_int(bundle):
            v.fail(f"{at}.bundle_id", f"The {at}.bundle_id field must be an integer.")
        if not _blank(skus) and not (
            isinstance(skus, list) and all(isinstance(s, int | str) and s != "" for s in skus)
        ):
            v.fail(f"{at}.skus", f"The {at}.skus field must be a list of SKUs.")
        if item.get("sort_order") is not None and not _is_int(item.get("sort_order")):
            v.fail(f"{at}.sort_order", f"The {at}.sort_order field must be an integer.")
        if item.get("title") is not None and not isinstance(item.get("title"), str):
            v.fail(f"{at}.title", f"The {at}.title field must be a string.")


def template_errors(data: dict[str, Any]) -> Errors:
    v = Validator(data)
    v.required("uuid", "quote_template_id", "customer_name", "trigger_created_messages_to_customer")
    if _blank(data.get("customer_email")) and _blank(data.get("customer_phone")):
        v.fail(
            "customer_email",
            "The customer email field is required when customer phone is not present.",
        )
        v.fail(
            "customer_phone",
            "The customer phone field is required when customer email is not present.",
        )
    v.strings("uuid", "customer_name")
    v.integers("quote_template_id")
    v.booleans("trigger_created_messages_to_customer")
    v.email("customer_email")
    v.swedish_phone("customer_phone")
    fields = data.get("customer_fields")
    if fields is not None and not isinstance(fields, dict | list):
        v.fail("customer_fields", "The customer fields field must be an array.")
    return v.errors


def is_ymd(value: Any) -> bool:
    try:
        datetime.strptime(str(value), "%Y-%m-%d")
    except ValueError:
        return False
    return True
