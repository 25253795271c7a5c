"""Vendor kind → adapter class: the one list of the vendors LeadHub speaks to."""

from __future__ import annotations

from django.db import models

from vendors.base import VendorAdapter
from vendors.crmcom import CrmCom
from vendors.getlead import Getlead
from vendors.leadbyte import LeadByte
from vendors.salesbyte import SalesByte


class VendorKind(models.TextChoices):
    SALESBYTE = "salesbyte", "SalesByte"
    LEADBYTE = "leadbyte", "LeadByte"
    CRMCOM = "crmcom", "CRM.COM"
    GETLEAD = "getlead", "Getlead"


ADAPTERS: dict[str, type[VendorAdapter]] = {
    VendorKind.SALESBYTE: SalesByte,
    VendorKind.LEADBYTE: LeadByte,
    VendorKind.CRMCOM: CrmCom,
    VendorKind.GETLEAD: Getlead,
}


def implemented_kinds() -> list[str]:
    return list(ADAPTERS)


def adapter_class(kind: str) -> type[VendorAdapter]:
    try:
        return ADAPTERS[kind]
    except KeyError:
        raise LookupError(f"No adapter for vendor kind {kind!r}") from None


def operation_label(kind: str, operation: str) -> str:
    """What an operation is called in the admin ("Quote from template"), never its code
    name; an operation the vendor no longer has keeps its code name."""
    found = ADAPTERS.get(kind)
    spec = found.operations.get(operation) if found else None
    return spec.label if spec else operation
