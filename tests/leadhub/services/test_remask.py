"""Stored vendor texts masked again: the service, its command and its data migration."""

from __future__ import annotations

import base64
import importlib
import io
import json
from urllib.parse import quote, quote_plus

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor

from leadhub.models import Attempt, Submission
from tests.factories import AttemptFactory, ConnectionFactory, DestinationFactory, SubmissionFactory
from vendors.models import Connection
from vendors.redaction import MASK

pytestmark = pytest.mark.django_db

KEY = 'old/key é+"%&=\\0a1b'
OTHER_KEY = "other-connection-key-77"


def stored_before_the_fix(key: str = KEY) -> tuple[Submission, Attempt]:
    """Rows as LeadHub kept them when only the exact value was masked."""
    connection = ConnectionFactory(
        credentials={"api_key": key},
        last_error=f"LeadByte refused: GET /api?key={quote_plus(key)}",
    )
    submission = SubmissionFactory(
        destination=DestinationFactory(connection=connection),
        vendor_message=f"Bad request; body {json.dumps({'key': key})}",
        vendor_reference=quote(key, safe=""),
        response_data={"echo": {"auth": base64.b64encode(key.encode()).decode()}},
        field_errors={"key": [json.dumps(key, ensure_ascii=False)]},
    )
    attempt = AttemptFactory(
        submission=submission,
        request={"url": f"https://x.test/leads/{quote(key, safe='')}", "body": {"n": 1}},
        response_body=json.dumps({"message": f"key={quote_plus(key)} refused"}),
        message=f"refused {quote(key).lower()}",
    )
    return submission, attempt


def remask(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("credentials_remask", *args, stdout=out)
    return out.getvalue().splitlines()


def test_every_stored_form_of_a_credential_is_masked_and_nothing_else_changes() -> None:
    submission, attempt = stored_before_the_fix()
    other = ConnectionFactory(credentials={"api_key": OTHER_KEY}, last_error="HTTP 503")
    clean_attempt = AttemptFactory(
        submission__destination__connection=other,
        response_body=f'{{"status": "ok", "echo": "{MASK}"}}',
        message="The vendor took the lead.",
    )
    assert remask() == [
        "leadhub.Attempt: 1 of 2 rows re-masked",
        "leadhub.Submission: 1 of 2 rows re-masked",
        "vendors.Connection: 1 of 2 rows re-masked",
    ]
    attempt.refresh_from_db()
    assert attempt.request == {"url": f"https://x.test/leads/{MASK}", "body": {"n": 1}}
    assert attempt.response_body == f'{{"message": "key={MASK} refused"}}'
    assert attempt.message == f"refused {MASK}"
    submission.refresh_from_db()
    assert submission.vendor_message == f'Bad request; body {{"key": "{MASK}"}}'
    assert submission.vendor_reference == MASK
    assert submission.response_data == {"echo": {"auth": MASK}}
    assert submission.field_errors == {"key": [f'"{MASK}"']}
    assert Connection.objects.get(pk=submission.connection_id).last_error == (
        f"LeadByte refused: GET /api?key={MASK}"
    )
    clean_attempt.refresh_from_db()
    assert clean_attempt.response_body == f'{{"status": "ok", "echo": "{MASK}"}}'


def test_a_second_run_changes_nothing() -> None:
    stored_before_the_fix()
    remask()
    assert remask() == [
        "leadhub.Attempt: 0 of 1 rows re-masked",
        "leadhub.Submission: 0 of 1 rows re-masked",
        "vendors.Connection: 0 of 1 rows re-masked",
    ]


def test_every_batch_is_read_to_the_last_row() -> None:
    for _ in range(5):
        stored_before_the_fix(KEY + str(_))
    lines = remask("--batch-size", "2")
    assert lines[:2] == [
        "leadhub.Attempt: 5 of 5 rows re-masked",
        "leadhub.Submission: 5 of 5 rows re-masked",
    ]
    assert not Attempt.objects.exclude(message=f"refused {MASK}").exists()


def test_the_data_migration_masks_with_the_historical_models() -> None:
    submission, attempt = stored_before_the_fix()
    migration = importlib.import_module("leadhub.migrations.0007_remask_stored_credentials")
    state = MigrationExecutor(db).loader.project_state(
        ("leadhub", "0007_remask_stored_credentials")
    )
    migration.remask(state.apps, None)
    attempt.refresh_from_db()
    submission.refresh_from_db()
    assert attempt.message == f"refused {MASK}" and submission.vendor_reference == MASK
