"""The dashboard's report by source and by destination over a chosen period: leads,
accepted, rejected with the top reasons, duplicates and the acceptance rate.

Two grouped queries, one per table, whatever the data: the leads of the period by source,
and the period's submissions by source, destination, status and rejection reason (the
names joined in, so no lookup follows). Rows are ranked and cut in Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf, Substr
from django.utils import timezone

from leadhub.attribution.models import SourceKind
from leadhub.models import Lead, Submission
from leadhub.selectors import visible_leads, visible_submissions
from leadhub.statuses import NEEDS_ATTENTION, SubmissionStatus
from vendors.registry import VendorKind

S = SubmissionStatus
# ?period= on the admin home: (label, days before today also counted).
PERIODS: dict[str, tuple[str, int]] = {
    "today": ("Today", 0),
    "7d": ("Last 7 days", 6),
    "30d": ("Last 30 days", 29),
}
DEFAULT_PERIOD = "7d"
ROWS_SHOWN = 15
TOP_REASONS = 3
REASON_CHARS = 120
NO_REASON = "No reason given"
KIND_LABELS = dict(SourceKind.choices)
# The source's columns, from a lead ("source__...") or a submission ("lead__source__...").
SOURCE_PARTS = (
    "kind",
    "api_key_id",
    "api_key__name",
    "api_key__prefix",
    "import_job_id",
    "import_job__file_name",
    "user_id",
    "user__username",
)


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


def _source_label(row: dict[str, Any], prefix: str) -> tuple[tuple[Any, ...], str, str]:
    """A source's key, name and kind in plain words, from a grouped row's columns."""
    part = {name: row[prefix + name] for name in SOURCE_PARTS}
    kind = part["kind"]
    key = (kind, part["api_key_id"], part["import_job_id"], part["user_id"])
    if kind is None:
        return key, "Not recorded", "came in before sources were kept"
    label = str(KIND_LABELS.get(kind, kind))
    if kind in (SourceKind.API, SourceKind.WEB_FORM):
        name = part["api_key__name"]
        which = f"{name} ({part['api_key__prefix']}…)" if name else "a key since deleted"
    elif kind == SourceKind.IMPORT:
        which = part["import_job__file_name"] or "an import since deleted"
    else:
        which = part["user__username"] or "a user since deleted"
    return key, which, label


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
        .values(*(f"source__{name}" for name in SOURCE_PARTS))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in lead_rows:
        key, which, kind = _source_label(row, "source__")
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
        .annotate(reason=reason)
        .values(
            *(f"lead__source__{name}" for name in SOURCE_PARTS),
            "destination_id",
            "destination__name",
            "connection__kind",
            "status",
            "reason",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    by_destination: dict[Any, ReportRow] = {}
    for row in submission_rows:
        key, which, kind = _source_label(row, "lead__source__")
        status, n = row["status"], row["n"]
        _count(by_source.setdefault(key, ReportRow(which, kind)), status, row["reason"], n)
        vendor = row["connection__kind"]
        label = VendorKind(vendor).label if vendor in VendorKind.values else vendor
        target = by_destination.setdefault(
            row["destination_id"], ReportRow(row["destination__name"], str(label))
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
