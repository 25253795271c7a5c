"""The dashboard's report by source and by destination over a chosen period: leads,
accepted, rejected with the top reasons, duplicates and the acceptance rate.

Two grouped queries, one per table, whatever the data: the leads of the period by source,
and the period's submissions by source, destination, status and rejection reason. Each
groups on narrow columns (ids, status) and joins the names after the grouping, in the same
statement, so no lookup follows. Rows are ranked and cut in Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Case, CharField, Count, F, Model, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf, Substr
from django.utils import timezone

from leadhub.api.models import ApiKey
from leadhub.attribution.models import SourceKind
from leadhub.imports.models import ImportJob
from leadhub.models import Lead, Submission
from leadhub.selectors import visible_leads, visible_submissions
from leadhub.statuses import NEEDS_ATTENTION, SubmissionStatus
from vendors.models import Connection, Destination
from vendors.registry import VendorKind

S = SubmissionStatus
# ?period= on the admin home: (label, days before today also counted).
PERIODS: dict[str, tuple[str, int]] = {
    "today": ("Today", 0),
    "7d": ("Last 7 days", 6),
    "30d": ("Last 30 days", 29),
}
# Today by default: the admin home is opened all day, and a day's rows are few whatever
# the table's size; a week or a month is a click away.
DEFAULT_PERIOD = "today"
ROWS_SHOWN = 15
TOP_REASONS = 3
REASON_CHARS = 120
NO_REASON = "No reason given"
KIND_LABELS = dict(SourceKind.choices)


@dataclass
class ReportRow:
    label: str
    detail: str = ""
    leads: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    failed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def answered(self) -> int:
        """Sends with a final answer (accepted, rejected, duplicate, failed or unanswered)."""
        return self.accepted + self.rejected + self.duplicates + self.failed

    @property
    def acceptance_rate(self) -> str:
        if not self.answered:
            return "—"
        return f"{round(100 * self.accepted / self.answered)}%"

    @property
    def top_reasons(self) -> list[tuple[str, int]]:
        return self.reasons.most_common(TOP_REASONS)


@dataclass(frozen=True)
class SourceReport:
    period: str
    period_label: str
    periods: list[tuple[str, str]]
    by_source: list[ReportRow]
    by_destination: list[ReportRow]

    @property
    def tables(self) -> list[tuple[str, list[ReportRow], str]]:
        """(caption, rows, first column's heading) for each table the dashboard shows."""
        return [
            ("By source", self.by_source, "Source"),
            ("By destination", self.by_destination, "Destination"),
        ]


def period_start(period: str, now: datetime) -> datetime:
    """The period's first moment: local midnight, ``days`` days before today."""
    days = PERIODS[period][1]
    first = timezone.localdate(now) - timedelta(days=days)
    return datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def _named(rows: QuerySet[Any], *, destination: bool) -> list[dict[str, Any]]:
    """``rows`` (grouped on narrow columns: ids, status, reason) with the names of each
    group's key, import, user and destination joined after the grouping, in one query:
    grouping on the names themselves sorts wide text for every row of the period."""
    using = rows.db
    connection = connections[using]
    inner, params = rows.query.get_compiler(using=using).as_sql()
    quote = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    joins = [
        f"LEFT JOIN {table(ApiKey)} k ON k.id = g.src_key",
        f"LEFT JOIN {table(ImportJob)} j ON j.id = g.src_import",
        f"LEFT JOIN {table(get_user_model())} u ON u.id = g.src_user",
    ]
    names = ["k.name AS key_name", "k.prefix AS key_prefix", "j.file_name", "u.username"]
    if destination:
        joins += [
            f"LEFT JOIN {table(Destination)} d ON d.id = g.dest",
            f"LEFT JOIN {table(Connection)} c ON c.id = d.connection_id",
        ]
        names += ["d.name AS destination_name", "c.kind AS vendor"]
    sql = f"SELECT g.*, {', '.join(names)} FROM ({inner}) g {' '.join(joins)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, found, strict=True)) for found in cursor.fetchall()]


def _source_label(row: dict[str, Any]) -> tuple[tuple[Any, ...], str, str]:
    """A source's key, name and kind in plain words, from a grouped row."""
    kind = row["src_kind"]
    key = (kind, row["src_key"], row["src_import"], row["src_user"])
    if kind is None:
        return key, "Not recorded", "came in before sources were kept"
    label = str(KIND_LABELS.get(kind, kind))
    if kind in (SourceKind.API, SourceKind.WEB_FORM):
        name = row["key_name"]
        which = f"{name} ({row['key_prefix']}…)" if name else "a key since deleted"
    elif kind == SourceKind.IMPORT:
        which = row["file_name"] or "an import since deleted"
    else:
        which = row["username"] or "a user since deleted"
    return key, which, label


def _source_columns(prefix: str) -> dict[str, F]:
    """The source's narrow columns, from a lead ("source__") or a submission."""
    return {
        "src_kind": F(f"{prefix}kind"),
        "src_key": F(f"{prefix}api_key_id"),
        "src_import": F(f"{prefix}import_job_id"),
        "src_user": F(f"{prefix}user_id"),
    }


def _count(row: ReportRow, status: str, reason: str, n: int) -> None:
    if status == S.ACCEPTED:
        row.accepted += n
    elif status == S.REJECTED:
        row.rejected += n
        row.reasons[reason or NO_REASON] += n
    elif status == S.DUPLICATE:
        row.duplicates += n
    elif status in NEEDS_ATTENTION:
        row.failed += n


def _ranked(rows: dict[Any, ReportRow]) -> list[ReportRow]:
    return sorted(rows.values(), key=lambda r: (-r.leads, r.label))[:ROWS_SHOWN]


def source_report(
    *, period: str | None = None, user: Any = None, now: datetime | None = None
) -> SourceReport:
    """The report for ``period`` (one of PERIODS; anything else: the default) as ``user``
    may see it (None: everything)."""
    period = period if period in PERIODS else DEFAULT_PERIOD
    since = period_start(period, now or timezone.now())
    leads: QuerySet[Lead] = Lead.objects.all() if user is None else visible_leads(user)
    sent: QuerySet[Submission] = (
        Submission.objects.all() if user is None else visible_submissions(user)
    )
    by_source: dict[Any, ReportRow] = {}
    lead_rows = (
        leads.filter(created_at__gte=since)
        .values(**_source_columns("source__"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in _named(lead_rows, destination=False):
        key, which, kind = _source_label(row)
        by_source.setdefault(key, ReportRow(which, kind)).leads += row["n"]
    reason = Case(
        When(
            status=S.REJECTED,
            then=Coalesce(
                NullIf(Substr("vendor_message", 1, REASON_CHARS), Value("")), "vendor_code"
            ),
        ),
        default=Value(""),
        output_field=CharField(),
    )
    submission_rows = (
        sent.filter(created_at__gte=since, destination__isnull=False)
        .values(**_source_columns("lead__source__"), dest=F("destination_id"), state=F("status"))
        .annotate(reason=reason, n=Count("id"))
        .order_by()
    )
    by_destination: dict[Any, ReportRow] = {}
    for row in _named(submission_rows, destination=True):
        key, which, kind = _source_label(row)
        status, n = row["state"], row["n"]
        _count(by_source.setdefault(key, ReportRow(which, kind)), status, row["reason"], n)
        vendor = row["vendor"]
        label = VendorKind(vendor).label if vendor in VendorKind.values else vendor
        target = by_destination.setdefault(
            row["dest"], ReportRow(row["destination_name"], str(label))
        )
        target.leads += n  # each submission is one lead sent there
        _count(target, status, row["reason"], n)
    return SourceReport(
        period=period,
        period_label=PERIODS[period][0],
        periods=[(key, label) for key, (label, _) in PERIODS.items()],
        by_source=_ranked(by_source),
        by_destination=_ranked(by_destination),
    )
