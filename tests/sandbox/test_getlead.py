"""The Getlead sandbox's own rules, over HTTP on loopback."""

from __future__ import annotations

import pytest
import requests

from sandbox.models import SandboxEnquiry, SandboxRecord
from tests.conftest import GETLEAD_TOKEN
from vendors.models import Connection

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]


def test_the_sandbox_merges_query_form_and_json_the_body_winning(
    sandbox: str, getlead_connection: Connection
) -> None:
    url = f"{sandbox}getlead/api/gl-website-contacts"
    params = {"token": GETLEAD_TOKEN, "countrycode": "91", "mobileno": "9895900056"}
    form = requests.post(
        url, params={**params, "source": "Query"}, data={"source": "Form"}, timeout=5
    )
    as_json = requests.post(url, params=params, json={"source": "Json", "name": "Ravi"}, timeout=5)
    as_get = requests.get(url, params={**params, "source": "Get"}, timeout=5)
    assert [r.json()["status"] for r in (form, as_json, as_get)] == ["success"] * 3
    sources = list(
        SandboxRecord.objects.filter(endpoint="gl-website-contacts").values_list(
            "payload__source", flat=True
        )
    )
    assert sources == ["Form", "Json", "Get"]
    assert SandboxEnquiry.objects.get().fields["name"] == "Ravi"
