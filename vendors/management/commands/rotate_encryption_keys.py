"""Re-encrypt every encrypted value under the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run this command, then remove the old keys. Each token is rewritten with
``MultiFernet.rotate``: decrypted and re-encrypted inside cryptography, never written or
shown in clear. Every model field that declares ``encrypted = True`` is covered, so fields
added later need nothing here. All or nothing: one value no key can read stops the run,
names the field and row, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from vendors.crypto import configured_keys, crypter

BATCH = 500


@dataclass
class FieldReport:
    label: str
    rotated: int = 0
    current: int = 0


def encrypted_fields() -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every concrete encrypted field of every installed model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if getattr(field, "encrypted", False):
                yield model, field


def _column(field: models.Field) -> str:
    """The column of a concrete field: only fields stored elsewhere (many-to-many) lack one."""
    if field.column is None:
        raise ImproperlyConfigured(f"{field} has no column of its own")
    return field.column


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the newest FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report how many values each key can read; change nothing.",
        )

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        try:
            keys = configured_keys()
            multi = crypter()
        except ImproperlyConfigured as err:
            raise CommandError(str(err)) from err
        newest = Fernet(keys[0].encode())
        reports = []
        with transaction.atomic():
            for model, field in encrypted_fields():
                report = FieldReport(f"{model._meta.label}.{field.name}")
                for pk, token in self._tokens(model, field):
                    try:
                        newest.decrypt(token.encode())
                        report.current += 1
                        continue
                    except InvalidToken:
                        pass
                    try:
                        rotated = multi.rotate(token.encode()).decode()
                    except InvalidToken as err:
                        raise CommandError(
                            f"{report.label} of row {pk} cannot be decrypted with any key in "
                            "FIELD_ENCRYPTION_KEYS; was the key it was written under removed? "
                            "Nothing was changed."
                        ) from err
                    report.rotated += 1
                    if not check:
                        self._write(model, field, pk, rotated)
                reports.append(report)
        verb = "would be re-encrypted" if check else "re-encrypted"
        for report in reports:
            self.stdout.write(
                f"{report.label}: {report.rotated} {verb}, "
                f"{report.current} already under the newest key"
            )
        if not reports:
            self.stdout.write("No encrypted fields found.")

    def _tokens(self, model: type[models.Model], field: models.Field) -> Iterator[tuple[Any, str]]:
        qn = connection.ops.quote_name
        table, column, pk = (
            qn(model._meta.db_table),
            qn(_column(field)),
            qn(_column(model._meta.pk)),
        )
        last: Any = None
        while True:
            after = f"AND {pk} > %s" if last is not None else ""
            sql = (
                f"SELECT {pk}, {column} FROM {table} "  # noqa: S608 - quoted identifiers only
                f"WHERE {column} IS NOT NULL AND {column} <> '' {after} ORDER BY {pk} LIMIT {BATCH}"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [last] if last is not None else [])
                rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def _write(self, model: type[models.Model], field: models.Field, pk: Any, token: str) -> None:
        qn = connection.ops.quote_name
        table, column = qn(model._meta.db_table), qn(_column(field))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE {qn(_column(model._meta.pk))} = %s",  # noqa: S608
                [token, pk],
            )
