"""Vendor kind → adapter class: every kind a connection may have, and only those."""

from __future__ import annotations

import pytest

from vendors.base import VendorAdapter
from vendors.crmcom import CrmCom
from vendors.getlead import Getlead
from vendors.leadbyte import LeadByte
from vendors.models import Connection
from vendors.registry import ADAPTERS, VendorKind, adapter_class, implemented_kinds
from vendors.salesbyte import SalesByte

CLASSES = {
    "salesbyte": SalesByte,
    "leadbyte": LeadByte,
    "crmcom": CrmCom,
    "getlead": Getlead,
}


def test_every_kind_has_an_adapter_and_every_adapter_a_kind() -> None:
    assert set(implemented_kinds()) == set(VendorKind.values) == set(CLASSES)
    assert set(ADAPTERS) == set(VendorKind.values)


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_adapter_class_imports_the_vendors_adapter(kind: str) -> None:
    assert adapter_class(kind) is CLASSES[kind]
    assert issubclass(adapter_class(kind), VendorAdapter)


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_each_adapter_declares_what_the_connection_form_and_destinations_need(kind: str) -> None:
    adapter = adapter_class(kind)
    assert adapter.kind == kind
    assert adapter.label == VendorKind(kind).label
    assert adapter.default_base_url.startswith("https://")
    assert adapter.default_base_url.endswith("/")
    assert adapter.credential_fields, "a vendor is reached with some credential"
    assert adapter.operations
    for name, operation in adapter.operations.items():
        assert operation.name == name and operation.label


@pytest.mark.parametrize("kind", ["", "hubspot", "SALESBYTE"])
def test_an_unknown_kind_is_a_lookup_error_naming_it(kind: str) -> None:
    with pytest.raises(LookupError, match=f"No adapter for vendor kind {kind!r}"):
        adapter_class(kind)


def test_the_kind_field_offers_exactly_the_registered_kinds() -> None:
    choices = dict(Connection._meta.get_field("kind").choices or [])
    assert choices == dict(VendorKind.choices)
    assert choices["crmcom"] == "CRM.COM"
