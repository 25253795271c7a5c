"""Many rows into one table at once with PostgreSQL's COPY, for the bulk import.

bulk_create turns every value of every row into a query parameter through the model field
(and on PostgreSQL into arrays for UNNEST): for a 26-column submission that is most of the
cost of an imported row. COPY streams the rows instead. The columns that vary per row are
given ready to store (text, integers, JSON already dumped); every other column takes the
value a model instance would have been saved with, worked out once through the model's own
fields. Primary keys are taken from the table's sequence first, so rows of one table can
point at rows of another copied in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models
from psycopg.abc import Transformer as ValueTransformer
from psycopg.adapt import PyFormat, Transformer


def copy_supported(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def primary_keys_reserve(
    model: type[models.Model], count: int, using: str = "default"
) -> list[int]:
    """``count`` new primary keys from the sequence behind the model's table."""
    if count <= 0:
        return []
    connection = connections[using]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
            " s CROSS JOIN generate_series(1, %s)",
            [connection.ops.quote_name(meta.db_table), meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def rows_copy(
    template: models.Model,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    using: str = "default",
) -> None:
    """COPY ``rows`` into the table of ``template``'s model.

    Each row holds the values of ``columns`` (field attnames), ready to store; every other
    column takes the value ``template`` would be saved with (defaults, auto_now times).
    """
    connection = connections[using]
    meta = template._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"{meta.label} has no column(s) {', '.join(sorted(unknown))}")
    # What Model.save() would send for each other field of a new row; a primary key left
    # out, or a database default (an expression), is the table's own to fill.
    shared = {
        f: f.pre_save(template, add=True)
        for name, f in fields.items()
        if name not in columns and not f.primary_key
    }
    others = [f for f, value in shared.items() if not hasattr(value, "resolve_expression")]
    quote = connection.ops.quote_name
    names = [_column(fields[name]) for name in columns] + [_column(f) for f in others]
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(meta.db_table), ", ".join(quote(name) for name in names)
    )
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # The shared values as text once, not adapted again on every row (JSON above all).
        transformer = Transformer(cursor.cursor)
        constants = tuple(
            _as_text(transformer, f.get_db_prep_save(shared[f], connection)) for f in others
        )
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *constants))


def _column(field: models.Field) -> str:
    """The column of a concrete field: only fields stored elsewhere (many-to-many) lack one."""
    if field.column is None:
        raise ValueError(f"{field} has no column of its own")
    return field.column


def _as_text(transformer: ValueTransformer, value: Any) -> str | None:
    if value is None:
        return None
    dumped = transformer.get_dumper(value, PyFormat.TEXT).dump(value)
    # A dumper may itself answer NULL.
    return None if dumped is None else bytes(dumped).decode()
