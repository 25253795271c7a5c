"""Vendor kind → adapter class, imported lazily (after healthchecks' TRANSPORTS)."""

from __future__ import annotations

from django.db import models
from django.utils.module_loading import import_string

from vendors.base import VendorAdapter


class VendorKind(models.TextChoices):
    SALESBYTE = "salesbyte", "SalesByte"
    LEADBYTE = "leadbyte", "LeadByte"
    CRMCOM = "crmcom", "CRM.COM"
    GETLEAD = "getlead", "Getlead"


ADAPTERS: dict[str, str] = {
    VendorKind.SALESBYTE: "vendors.salesbyte.SalesByte",
    VendorKind.LEADBYTE: "vendors.leadbyte.LeadByte",
}
ADAPTERS[VendorKind.CRMCOM] = "vendors.crmcom.CrmCom"
ADAPTERS[VendorKind.GETLEAD] = "vendors.getlead.Getlead"


def implemented_kinds() -> list[str]:
    return list(ADAPTERS)


def adapter_class(kind: str) -> type[VendorAdapter]:
    try:
        return import_string(ADAPTERS[kind])
    except KeyError:
        raise LookupError(f"No adapter for vendor kind {kind!r}") from None
