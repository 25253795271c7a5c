"""Masking again what was stored before the redactor knew every form of a credential.

A vendor that echoed a request could leave a credential percent-encoded or JSON-escaped in
what LeadHub kept of its answer. Every column that can hold a vendor's words is read again
with its connection's redactor: attempts (the request as recorded, the answer, the message),
submissions (the vendor's message, code, reference, verdict, links, field errors and data)
and the connection's own messages. Rows are read by primary key in batches, each batch in
one transaction with its rows locked, and a row is written only where masking changed it,
so a second run changes nothing.

The models are handed in, so the data migration runs this on its historical models and the
``credentials_remask`` command on the live ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from vendors.clients import connection_redactor
from vendors.connection_state import connection_messages_remask
from vendors.redaction import Redactor

BATCH_SIZE = 500


@dataclass(frozen=True)
class StoredTexts:
    """The columns of one table that can carry a vendor's words."""

    connection: str  # the lookup to the row's connection id
    text: tuple[str, ...]
    data: tuple[str, ...] = ()  # JSON: every string in it


ATTEMPT_TEXTS = StoredTexts("submission__connection_id", ("response_body", "message"), ("request",))
SUBMISSION_TEXTS = StoredTexts(
    "connection_id",
    ("vendor_message", "vendor_code", "vendor_reference", "vendor_outcome"),
    ("links", "field_errors", "response_data"),
)


@dataclass
class Remasked:
    """What one table came to: rows read, rows changed."""

    table: str
    read: int = 0
    changed: int = 0

    def __str__(self) -> str:
        return f"{self.table}: {self.changed} of {self.read} rows re-masked"


class Redactors:
    """One redactor per connection, built on first use from the connection's row."""

    def __init__(self, connection_model: Any) -> None:
        self.connection_model = connection_model
        self._by_id: dict[int, Redactor] = {}

    def __call__(self, connection_id: int) -> Redactor:
        if connection_id not in self._by_id:
            connection = self.connection_model.objects.get(pk=connection_id)
            self._by_id[connection_id] = connection_redactor(connection)
        return self._by_id[connection_id]


def stored_texts_remask(
    *,
    attempt_model: Any,
    submission_model: Any,
    connection_model: Any,
    batch_size: int = BATCH_SIZE,
) -> list[Remasked]:
    """Mask again every stored vendor text, table by table; what each came to."""
    redactors = Redactors(connection_model)
    reports = [
        _table_remask(attempt_model, ATTEMPT_TEXTS, redactors, batch_size),
        _table_remask(submission_model, SUBMISSION_TEXTS, redactors, batch_size),
    ]
    connections = Remasked(connection_model._meta.label)
    for connection_id in connection_model.objects.order_by("pk").values_list("pk", flat=True):
        connections.read += 1
        connections.changed += connection_messages_remask(
            connection_model, connection_id, redactors(connection_id)
        )
    return [*reports, connections]


def _table_remask(
    model: Any, texts: StoredTexts, redactor_for: Callable[[int], Redactor], batch_size: int
) -> Remasked:
    report = Remasked(model._meta.label)
    columns = (*texts.text, *texts.data)
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update(of=("self",))
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .values("pk", texts.connection, *columns)[:batch_size]
            )
            for row in rows:
                redactor = redactor_for(row[texts.connection])
                masked = {name: redactor.text(row[name]) for name in texts.text}
                masked |= {name: redactor.strings(row[name]) for name in texts.data}
                changes = {name: value for name, value in masked.items() if value != row[name]}
                if changes:
                    model.objects.filter(pk=row["pk"]).update(**changes)
                    report.changed += 1
        if not rows:
            return report
        report.read += len(rows)
        last_pk = rows[-1]["pk"]
