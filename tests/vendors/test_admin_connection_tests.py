""" "Test connection" on the connection form: what is typed is tried before it is saved,
against the sandbox over HTTP, and nothing typed comes back."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.conftest import LEADBYTE_KEY
from tests.vendors.test_connection_test import WRONG_CREDENTIALS
from vendors.admin.forms import CREDENTIAL_PREFIX, SETTING_PREFIX
from vendors.models import Connection
from vendors.registry import adapter_class

live = pytest.mark.django_db(transaction=True)


def typed_form(connection: Connection, **credentials: str) -> dict[str, str]:
    """The add form for ``connection``'s vendor as an admin fills it in, with its
    credentials typed (``credentials`` replacing some), under a new name."""
    adapter = adapter_class(connection.kind)
    form = {"name": f"{connection.name} (new)", "base_url": connection.base_url, "is_active": "on"}
    form.update({SETTING_PREFIX + s.name: str(s.default or "") for s in adapter.setting_fields})
    typed = {**connection.credentials, **credentials}
    form.update({CREDENTIAL_PREFIX + name: value for name, value in typed.items()})
    return form


def test_new(kind: str) -> str:
    return reverse("admin:vendors_connection_test_new", args=[kind])


test_new.__test__ = False  # type: ignore[attr-defined]  # a URL, not a test


def post_test(client: Client, url: str, form: dict[str, str]) -> dict[str, Any]:
    response = client.post(url, form)
    assert response["Content-Type"] == "application/json"
    page = response.content.decode()
    for name, value in form.items():
        if name.startswith(CREDENTIAL_PREFIX) and value:
            assert value not in page, f"{name} was sent back"
    return {"status": response.status_code, **response.json()}


VENDORS = ["leadbyte_connection", "crmcom_connection", "getlead_connection", "salesbyte_connection"]


@live
@pytest.mark.parametrize("fixture", VENDORS, ids=[v.removesuffix("_connection") for v in VENDORS])
def test_typed_credentials_pass_before_anything_is_saved(
    admin_client: Client, request: pytest.FixtureRequest, fixture: str
) -> None:
    stored: Connection = request.getfixturevalue(fixture)
    answer = post_test(admin_client, test_new(stored.kind), typed_form(stored))
    assert answer["ok"] is True and answer["level"] == "success", answer
    assert answer["message"].startswith("Works: ")
    assert answer["message"].endswith("Nothing was saved.")
    assert Connection.objects.count() == 1  # the fixture's own, nothing added
    stored.refresh_from_db()
    assert stored.last_check_at is None  # and nothing recorded on a stored one


# Every vendor's wrong credential, LeadByte's key with the others.
TYPED_WRONG = [
    ("leadbyte_connection", "api_key", "lb-typed-wrong-key-0042", "LeadByte refused the API key"),
    *WRONG_CREDENTIALS,
]


@contextmanager
def written_logs() -> Iterator[io.StringIO]:
    """What the configured log handlers write meanwhile, every logger at DEBUG (the
    HTTP library's request lines included)."""
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    handlers = [h for h in handlers if not type(h).__module__.startswith("_pytest")]
    assert handlers
    buffer = io.StringIO()
    streams = [h.setStream(buffer) for h in handlers]
    levels = [(h, h.level) for h in handlers]
    level = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        handler.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.setLevel(level)
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
        for handler, old in levels:
            handler.setLevel(old)


@live
@pytest.mark.parametrize(
    ("fixture", "field", "wrong", "says"),
    TYPED_WRONG,
    ids=[row[0].removesuffix("_connection") for row in TYPED_WRONG],
)
def test_typed_wrong_credentials_fail_in_the_vendors_words_without_echoing_them(
    admin_client: Client,
    request: pytest.FixtureRequest,
    fixture: str,
    field: str,
    wrong: str,
    says: str,
) -> None:
    stored: Connection = request.getfixturevalue(fixture)
    form = typed_form(stored, **{field: wrong})
    with written_logs() as logs:
        answer = post_test(admin_client, test_new(stored.kind), form)
        right = post_test(admin_client, test_new(stored.kind), typed_form(stored))
    assert answer["ok"] is False and answer["level"] == "error"
    assert answer["message"].startswith("Failed: ") and says in answer["message"]
    assert right["ok"] is True
    # Neither the wrong credential nor the right ones reach a log line.
    written = logs.getvalue()
    assert "connection check: failed" in written and "connection check: ok" in written
    for value in (wrong, *(v for v in stored.credentials.values() if len(v) > 3)):
        assert value not in written, f"{value!r} was logged"
    assert Connection.objects.count() == 1


@pytest.mark.django_db
def test_missing_credentials_and_a_bad_address_are_named_not_tried(admin_client: Client) -> None:
    form = {"name": "", "base_url": "not a url", "setting__date_format": "DD/MM/YYYY"}
    answer = post_test(admin_client, test_new("leadbyte"), form)
    assert answer["ok"] is False
    assert answer["message"].startswith("Not tested: ")
    assert "API key: This field is required." in answer["message"]
    assert "Base url: Enter a valid URL." in answer["message"] and "Name" not in answer["message"]


@live
def test_on_a_stored_connection_a_blank_credential_keeps_the_stored_one(
    admin_client: Client, leadbyte_connection: Connection
) -> None:
    url = reverse("admin:vendors_connection_test_typed", args=[leadbyte_connection.pk])
    kept = typed_form(leadbyte_connection, api_key="")
    assert post_test(admin_client, url, kept)["ok"] is True
    typed = typed_form(leadbyte_connection, api_key="typed-but-wrong-key")
    assert post_test(admin_client, url, typed)["ok"] is False
    leadbyte_connection.refresh_from_db()
    assert leadbyte_connection.credentials == {"api_key": LEADBYTE_KEY}  # not saved


@live
def test_the_add_and_change_pages_carry_the_button(
    admin_client: Client, leadbyte_connection: Connection
) -> None:
    add = admin_client.get(reverse("admin:vendors_connection_add") + "?kind=leadbyte")
    page = add.content.decode()
    assert f'data-url="{test_new("leadbyte")}"' in page and "connection_test.js" in page
    change = admin_client.get(
        reverse("admin:vendors_connection_change", args=[leadbyte_connection.pk])
    ).content.decode()
    assert reverse("admin:vendors_connection_test_typed", args=[leadbyte_connection.pk]) in change
    assert LEADBYTE_KEY not in change


@pytest.mark.django_db
def test_only_posts_by_those_who_may_add_or_change_are_tried(client: Client) -> None:
    user = get_user_model().objects.create_user("viewer", password="pw-12345-long")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_connection"))
    client.force_login(user)
    form = {"credential__api_key": "x", "base_url": "https://acme.leadbyte.co.uk/"}
    assert client.post(test_new("leadbyte"), form).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_connection"))
    assert client.get(test_new("leadbyte")).status_code == 405
    assert client.post(test_new("nosuchvendor"), form).status_code == 400
