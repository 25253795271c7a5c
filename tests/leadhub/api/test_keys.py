"""API keys: only a hash kept, scoped to destinations and to read or write, 401 when not
usable, made and revoked by integration admins only."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from leadhub.api.keys import api_key_revoke, token_hash
from leadhub.api.models import ApiKey, KeyAccess, KeyKind
from leadhub.models import Lead
from tests.factories import DestinationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def destination(campaign_destination):
    return campaign_destination


def test_only_a_hash_and_the_visible_prefix_are_stored(make_key, destination) -> None:
    new = make_key(destination)
    stored = ApiKey.objects.get()
    assert new.token.startswith(f"{stored.prefix}_") and stored.prefix.startswith("lh_live_")
    assert len(stored.prefix) == len("lh_live_ab12cd34")
    assert stored.secret_hash == token_hash(new.token) and stored.public_token == ""
    assert new.token not in str(ApiKey.objects.values().get())
    assert str(stored).endswith(f"({stored.prefix}…)")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_api_key"),
        ("Bearer lh_live_00000000_nothing", "invalid_api_key"),
        ("Bearer not-a-key", "invalid_api_key"),
        ("Basic abc", "missing_api_key"),
    ],
)
def test_no_usable_key_is_401(client: Client, make_key, destination, header, code) -> None:
    make_key(destination)
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/destinations", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_and_expired_keys_are_401(make_key, api_client, destination) -> None:
    revoked = make_key(destination)
    api_key_revoke(key=revoked.key)
    expired = make_key(destination, expires_at=timezone.now() - timedelta(seconds=1))
    for new, code in ((revoked, "api_key_revoked"), (expired, "api_key_expired")):
        response = api_client(new.token).get("/destinations")
        assert (response.status_code, response.json()["error"]["code"]) == (401, code)


def test_a_wrong_secret_with_a_real_prefix_is_401(make_key, api_client, destination) -> None:
    new = make_key(destination)
    response = api_client(new.token[:-2] + "zz").get("/destinations")
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_read_key_reads_and_may_not_write(make_key, api_client, destination) -> None:
    api = api_client(make_key(destination, access=KeyAccess.READ).token)
    assert api.get("/destinations").status_code == 200
    response = api.post(
        "/leads", {"first_name": "A", "destinations": [{"destination": destination.slug}]}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "read_only_key")
    assert not Lead.objects.exists()


def test_a_publishable_key_is_only_for_web_forms(make_key, api_client, destination) -> None:
    new = make_key(destination, kind=KeyKind.PUBLISHABLE)
    assert new.key.public_token == new.token and new.token.startswith("lh_pub_")
    response = api_client(new.token).get("/destinations")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "wrong_key_kind")


def test_destinations_lists_only_the_keys_scope_with_field_specs(
    make_key, api_client, destination
) -> None:
    DestinationFactory(name="Elsewhere")
    items = api_client(make_key(destination).token).get("/destinations").json()["items"]
    assert [d["slug"] for d in items] == [destination.slug]
    fields = {f["name"]: f for f in items[0]["fields"]}
    assert fields["gender"]["choices"] and fields["data13"]["required"]
    assert "sid" not in fields  # fixed by the destination: not the sender's to give
    assert "first_name" in items[0]["contact_fields"]


def test_last_use_is_noted(make_key, api_client, destination) -> None:
    new = make_key(destination)
    api_client(new.token).get("/destinations")
    new.key.refresh_from_db()
    assert new.key.last_used_at is not None


def test_the_command_prints_the_key_once_on_stdout(api_owner, destination) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "api_key_create",
        "--name=Website",
        f"--owner={api_owner.username}",
        f"--destinations={destination.slug}",
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip()
    key = ApiKey.objects.get()
    assert key.secret_hash == token_hash(token) and key.owner == api_owner
    assert token not in err.getvalue() and key.prefix in err.getvalue()
    with pytest.raises(CommandError, match="nowhere"):
        call_command("api_key_create", "--name=X", "--owner=integration", "--destinations=nowhere")


# --- who manages keys ---------------------------------------------------------------------


def test_integration_admins_make_a_key_and_see_it_once(client: Client, destination) -> None:
    admin_user = UserFactory(username="integrator", is_staff=True)
    admin_user.groups.add(Group.objects.get(name="Integration admins"))
    client.force_login(admin_user)
    response = client.post(
        "/admin/leadhub_api/apikey/add/",
        {
            "name": "Website",
            "kind": KeyKind.SECRET,
            "owner": admin_user.pk,
            "access": KeyAccess.WRITE,
            "destinations": [destination.pk],
        },
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    key = ApiKey.objects.get()
    page = response.content.decode()
    token = page.split('lh-api-token" readonly size="70" value="', 1)[1].split('"', 1)[0]
    assert token.startswith(key.prefix) and key.secret_hash == token_hash(token)
    assert "no-store" in response["Cache-Control"]
    assert key.created_by == admin_user and list(key.destinations.all()) == [destination]
    # Never again: the change page and the list show the prefix only.
    for url in (f"/admin/leadhub_api/apikey/{key.pk}/change/", "/admin/leadhub_api/apikey/"):
        shown = client.get(url).content.decode()
        assert key.prefix in shown and token not in shown
    # Revoked from the list; never deleted.
    client.post(
        "/admin/leadhub_api/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.get(f"/admin/leadhub_api/apikey/{key.pk}/delete/").status_code == 403


def test_sales_staff_cannot_see_or_make_keys(client: Client, make_key, destination) -> None:
    make_key(destination)
    seller = UserFactory(username="seller", is_staff=True)
    seller.groups.add(Group.objects.get(name="Sales staff"))
    client.force_login(seller)
    assert client.get("/admin/leadhub_api/apikey/").status_code == 403
    assert client.get("/admin/leadhub_api/apikey/add/").status_code == 403
