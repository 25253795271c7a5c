"""The secret scans' tools: every table's text, the logs as written, and the search for every
form of every secret (tests.encodings) in what was collected."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.db import connection as db

from leadhub.log_redaction import RedactingFilter
from tests.encodings import basic_auth_forms, encoded_forms


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Route every configured handler that redacts into one buffer, urllib3 at DEBUG."""
    buffer = io.StringIO()
    handlers = {
        h
        for name in ("", "django", "django.server")
        for h in logging.getLogger(name).handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, RedactingFilter) for f in h.filters)
    }
    assert handlers, "LOGGING has no redacting stream handler"
    previous = {h: h.setStream(buffer) for h in handlers}
    urllib3_logger = logging.getLogger("urllib3")
    level = urllib3_logger.level
    urllib3_logger.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        urllib3_logger.setLevel(level)
        for handler, stream in previous.items():
            handler.setStream(stream)


def _cell_text(cell: object) -> str:
    if isinstance(cell, memoryview):
        cell = bytes(cell)
    if isinstance(cell, bytes):
        return cell.decode("latin-1")
    if isinstance(cell, dict | list):  # PostgreSQL's JSON comes back decoded: as stored
        return json.dumps(cell, ensure_ascii=False)
    return str(cell)


def database_text() -> dict[str, str]:
    """Every table's every cell, as text."""
    tables = {}
    with db.cursor() as cursor:
        for table in db.introspection.table_names():
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")  # noqa: S608
            tables[table] = "\n".join(_cell_text(c) for row in cursor.fetchall() for c in row)
    return tables


# The sandbox's tables are the simulated vendor's own records: like any vendor it knows its
# customers' login names and organisations (never their passwords, keys or tokens, which it
# keeps as hashes). Those identifiers are searched for everywhere else.
VENDOR_SIDE_IDENTIFIERS = ("username", "organisation")


def vendor_side_identifier(label: str, place: str) -> bool:
    name = label.split(".", 1)[1].split(" ", 1)[0]
    return place.startswith("table sandbox_") and name in VENDOR_SIDE_IDENTIFIERS


def secret_forms(secrets: Mapping[str, str]) -> dict[str, str]:
    """``{"<label> as <form name>": form}`` for every secret, and HTTP Basic's
    ``username:password`` where a vendor's secrets hold both (labels ``<vendor>.<name>``)."""
    forms = {
        f"{label} as {name}": form
        for label, secret in secrets.items()
        for name, form in encoded_forms(secret).items()
    }
    for label, username in secrets.items():
        prefix, name = label.split(".", 1)
        password = secrets.get(f"{prefix}.password{name[len('username') :]}")
        if name.startswith("username") and password:
            forms |= {
                f"{label} with its password as {form_name}": form
                for form_name, form in basic_auth_forms(username, password).items()
            }
    return forms


def copies_found(secrets: Mapping[str, str], places: Mapping[str, str]) -> list[str]:
    """Where any form of any secret appears: ``"<label> as <form> in <place>"``."""
    return [
        f"{label} in {place}"
        for label, form in secret_forms(secrets).items()
        for place, text in places.items()
        if form in text and not vendor_side_identifier(label, place)
    ]
