"""Where a vendor client keeps its login token when no connection is behind it: in memory."""

from __future__ import annotations

from vendors.leadbyte import LeadByte
from vendors.tokens import MemoryTokenStore, TokenStore


def test_a_new_store_is_empty() -> None:
    store = MemoryTokenStore()
    assert store.load() == {}
    assert store.errors == []


def test_a_saved_token_is_loaded_back() -> None:
    store = MemoryTokenStore()
    store.save({"token": "eyJ.abc.def", "issued_at": 1_700_000_000})
    assert store.load() == {"token": "eyJ.abc.def", "issued_at": 1_700_000_000}
    store.save({"token": "eyJ.new"})
    assert store.load() == {"token": "eyJ.new"}  # a save replaces, never merges


def test_the_store_keeps_its_own_copy_both_ways() -> None:
    store = MemoryTokenStore()
    issued = {"token": "eyJ.abc"}
    store.save(issued)
    issued["token"] = "changed by the caller"
    loaded = store.load()
    loaded["token"] = "changed by the reader"
    assert store.load() == {"token": "eyJ.abc"}


def test_login_errors_are_kept_in_order() -> None:
    store = MemoryTokenStore()
    store.record_error("CRM.COM refused the login.")
    store.record_error("CRM.COM could not be reached.")
    assert store.errors == ["CRM.COM refused the login.", "CRM.COM could not be reached."]
    assert store.load() == {}  # an error leaves the token alone


def test_a_client_built_on_its_own_gets_a_store_of_its_own() -> None:
    first = LeadByte(base_url="https://vendor.test/", credentials={"api_key": "k" * 12})
    second = LeadByte(base_url="https://vendor.test/", credentials={"api_key": "k" * 12})
    assert isinstance(first.token_store, MemoryTokenStore)
    assert first.token_store is not second.token_store
    first.token_store.save({"token": "t"})
    assert second.token_store.load() == {}


def test_a_client_keeps_the_store_it_is_handed() -> None:
    store: TokenStore = MemoryTokenStore()
    client = LeadByte(
        base_url="https://vendor.test/", credentials={"api_key": "k" * 12}, token_store=store
    )
    assert client.token_store is store
