"""The admin index dashboard: what was sent, what failed, and what needs a person.

Built to stay fast with millions of submissions: every count is one grouped query over a
bounded date range (the ``created_at`` index), the attention counts are one conditional
aggregate over the ``(status, created_at)`` index, and lists are limited; the report by
source and destination is one grouped query per table (leadhub/attribution/report.py).
Seven queries in all, whatever the table size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from operator import attrgetter
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from leadhub.attribution.report import PERIODS, source_report
from leadhub.figures_cache import figures_cached
from leadhub.models import Submission
from leadhub.selectors import attention_counts, sees_everything, visible_submissions
from leadhub.services.attention import AttentionItem
from leadhub.statuses import NEEDS_ATTENTION, PENDING, SubmissionStatus
from leadhub.webhooks.endpoints import endpoints_turned_off
from vendors.models import Connection
from vendors.registry import VendorKind

S = SubmissionStatus

CHART_DAYS = 14
ATTENTION_DAYS = 30
REJECTIONS_SHOWN = 8

# Statuses grouped into what a reader cares about, in the order they are shown.
OUTCOME_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "accepted": ("Accepted", (S.ACCEPTED,)),
    "quarantined": ("Quarantined", (S.QUARANTINED,)),
    "duplicate": ("Duplicate", (S.DUPLICATE,)),
    "rejected": ("Rejected", (S.REJECTED,)),
    "failed": ("Failed or unanswered", tuple(sorted(NEEDS_ATTENTION))),
    "pending": ("Pending", tuple(sorted(PENDING))),
}
# key (as ``attention_counts`` names it), label, the status its list shows, what to do.
ATTENTION = (
    ("exhausted", "Gave up after retries", S.EXHAUSTED,
     "Every try failed. Read the vendor's message, then send again."),
    ("uncertain", "No answer: check first", S.UNCERTAIN,
     "The vendor may have them. Check at the vendor before sending again."),
    ("stuck_queued", "Stuck in the queue", S.QUEUED,
     "Queued for minutes and not sent: is the worker running?"),
    ("stuck_sending", "Stuck sending", S.SENDING,
     "A worker stopped mid-send; the dispatcher recovers them."),
    ("stuck_retry_wait", "Retries overdue", S.RETRY_WAIT,
     "A retry is late: is the worker running?"),
)  # fmt: skip
GROUP_OF_STATUS = {
    status: group for group, (_, members) in OUTCOME_GROUPS.items() for status in members
}


@dataclass
class GroupCounts:
    """Submissions counted by outcome group. ``counts`` is keyword-only so that a row's own
    field (a vendor's label, a day) stays its first argument."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(OUTCOME_GROUPS, 0), kw_only=True
    )

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class VendorCounts(GroupCounts):
    label: str

    def cells(self) -> list[int]:
        return [self.counts[group] for group in OUTCOME_GROUPS]


@dataclass
class DayCounts(GroupCounts):
    day: date


@dataclass
class ConnectionProblem:
    connection: Connection
    problem: str
    since: datetime | None


def _visible(user: Any) -> QuerySet[Submission]:
    """What ``user`` sees; without a user (benchmarks, tests), everything."""
    return Submission.objects.all() if user is None else visible_submissions(user)


def _day_bounds(now: datetime) -> tuple[date, date, date]:
    """Today, this week's Monday and the chart's first day, in the local time zone."""
    today = timezone.localdate(now)
    return today, today - timedelta(days=today.weekday()), today - timedelta(days=CHART_DAYS - 1)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def submission_counts(
    *, now: datetime, user: Any = None
) -> tuple[list[VendorCounts], list[VendorCounts], list[DayCounts]]:
    """Today's and this week's counts per vendor, and the chart's days: one grouped query
    over the last ``CHART_DAYS`` days (or since Monday, if that is earlier)."""
    today, monday, chart_first = _day_bounds(now)
    tz = timezone.get_current_timezone()
    since = _local_midnight(min(chart_first, monday))
    rows = (
        _visible(user)
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "connection_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    kinds = dict(Connection.objects.values_list("id", "kind"))
    today_by_kind: dict[str, VendorCounts] = {}
    week_by_kind: dict[str, VendorCounts] = {}
    days = {
        chart_first + timedelta(days=i): DayCounts(chart_first + timedelta(days=i))
        for i in range(CHART_DAYS)
    }
    for row in rows:
        group = GROUP_OF_STATUS.get(row["status"])
        if group is None:
            continue
        day: date = row["day"]
        kind = kinds.get(row["connection_id"], "")
        label = VendorKind(kind).label if kind in VendorKind.values else kind or "?"
        if day in days:
            days[day].counts[group] += row["n"]
        if day >= monday:
            week_by_kind.setdefault(kind, VendorCounts(label)).counts[group] += row["n"]
        if day == today:
            today_by_kind.setdefault(kind, VendorCounts(label)).counts[group] += row["n"]
    by_label = attrgetter("label")
    return (
        sorted(today_by_kind.values(), key=by_label),
        sorted(week_by_kind.values(), key=by_label),
        list(days.values()),
    )


def attention_items(*, now: datetime, user: Any = None, live: bool = False) -> list[AttentionItem]:
    """Work that needs a person, in the last ``ATTENTION_DAYS`` days: one aggregate (kept a
    few seconds for ``user`` when ``live``, counted as of now)."""
    recent = _visible(user).filter(created_at__gte=now - timedelta(days=ATTENTION_DAYS))
    count = partial(attention_counts, recent, now=now)
    counts = figures_cached("recent_attention", user, count) if live else count()
    changelist = reverse("admin:leadhub_submission_changelist")
    items = []
    for key, label, status, help_text in ATTENTION:
        # A stuck item's link narrows to the stuck rows, not every row of its status.
        stuck = "attention=stuck&" if key.startswith("stuck_") else ""
        url = f"{changelist}?{stuck}status__exact={status}"
        items.append(AttentionItem(label, counts[key], url, help_text, key))
    return items


def connection_problems() -> list[ConnectionProblem]:
    """Connections switched off, failing their last test, or whose last error is newer than
    their last success: one query. A paused connection is not here: the "Delivery needs
    attention" alert above says it once, with the leads it holds."""
    erring = Q(last_error_at__isnull=False) & (
        Q(last_success_at__isnull=True) | Q(last_error_at__gt=F("last_success_at"))
    )
    wanted = Q(is_active=False) | Q(last_check_ok=False) | erring
    problems = []
    running = Connection.objects.filter(paused_at__isnull=True)
    for connection in running.filter(wanted).order_by("name")[:50]:
        since: datetime | None
        if not connection.is_active:
            problem, since = "Switched off (inactive): nothing is sent", connection.updated_at
        elif connection.last_check_ok is False:
            problem = f"Last test failed: {connection.last_check_message}"
            since = connection.last_check_at
        else:
            problem, since = f"Last error: {connection.last_error}", connection.last_error_at
        problems.append(ConnectionProblem(connection, problem, since))
    return problems


def latest_rejections(*, user: Any = None) -> list[Submission]:
    return list(
        _visible(user)
        .filter(status=S.REJECTED)
        .select_related("lead", "destination", "connection")
        .only(
            "id",
            "created_at",
            "completed_at",
            "vendor_message",
            "vendor_code",
            "lead__id",
            "lead__first_name",
            "lead__last_name",
            "destination__name",
            "connection__name",
            "connection__kind",
        )
        .order_by("-created_at", "-id")[:REJECTIONS_SHOWN]
    )


def daily_chart_svg(days: list[DayCounts]) -> SafeString:
    """Submissions per day by outcome as stacked bars: plain SVG, styled by pages.css."""
    width, height = 720, 200
    left, right, top, bottom = 36, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((d.total for d in days), default=0)
    scale_max = max(peak, 1)
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1)
    parts: list[SafeString] = [
        format_html('<line class="lh-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
                    left, top + plot_h, width - right, top + plot_h),
        format_html('<text x="{}" y="{}" text-anchor="end">{}</text>', left - 4, top + 8, peak),
        format_html('<text x="{}" y="{}" text-anchor="end">0</text>', left - 4, top + plot_h),
    ]  # fmt: skip
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(top + plot_h)
        for group, (label, _) in OUTCOME_GROUPS.items():
            n = day.counts[group]
            if not n:
                continue
            h = plot_h * n / scale_max
            y -= h
            parts.append(
                format_html(
                    '<rect class="lh-outcome-{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}: {} {}</title></rect>",
                    group, f"{x:.1f}", f"{y:.1f}", f"{bar_w:.1f}", f"{h:.1f}",
                    day.day.strftime("%a %d %b"), n, label.lower(),
                )
            )  # fmt: skip
        if i % 2 == (len(days) - 1) % 2:  # label every other day, always the last
            parts.append(
                format_html('<text x="{}" y="{}" text-anchor="middle">{}</text>',
                            f"{x + bar_w / 2:.1f}", height - 8, day.day.strftime("%d/%m"))
            )  # fmt: skip
    total = sum(d.total for d in days)
    summary = f"Submissions per day over the last {len(days)} days by outcome; {total} in all."
    return format_html(
        '<svg class="lh-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        width,
        height,
        summary,
        format_html_join("", "{}", ((p,) for p in parts)),
    )


def dashboard_context(
    *, user: Any = None, now: datetime | None = None, period: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows, for ``user`` (None: everything); the report by
    source and destination covers ``period`` (today, 7d or 30d; today otherwise). As of
    now, its counts may be kept a few seconds (leadhub/figures_cache.py); as of a given
    ``now``, never."""
    live = now is None
    now = now or timezone.now()
    counted = partial(submission_counts, now=now, user=user)
    today, week, days = figures_cached("submission_counts", user, counted) if live else counted()
    period = period if period in PERIODS else None
    reported = partial(source_report, period=period, user=user, now=now)
    sources = figures_cached(f"sources:{period}", user, reported) if live else reported()
    everything = user is None or sees_everything(user)
    # Connections are shown to whoever may open them, whatever leads they see.
    connections = user is None or user.has_perm("vendors.view_connection")
    webhooks = user is None or user.has_perm("leadhub_webhooks.view_webhookendpoint")
    return {
        "legend": [(key, label) for key, (label, _) in OUTCOME_GROUPS.items()],
        "today": today,
        "today_total": _total(today),
        "week": week,
        "week_total": _total(week),
        "days": days,
        "chart": daily_chart_svg(days),
        "chart_days": CHART_DAYS,
        "attention": attention_items(now=now, user=user, live=live),
        "attention_days": ATTENTION_DAYS,
        "connections": connection_problems() if connections else None,
        # Shown only when there are some: LeadHub turned them off after days of failures.
        "webhooks_off": list(endpoints_turned_off()) if webhooks else [],
        "rejections": latest_rejections(user=user),
        "sources": sources,
        "scope": "all" if everything else "own",
    }


def _total(rows: list[VendorCounts]) -> VendorCounts:
    total = VendorCounts("All vendors")
    for row in rows:
        for group, n in row.counts.items():
            total.counts[group] += n
    return total
