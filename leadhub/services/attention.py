"""What needs a person: the "needs attention" banner on the admin index.

One function returns plain data, so the banner and the dashboard beside it only render
it. Each item links to the list that shows exactly those rows. What counts, and for whom,
is decided in ``leadhub.selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from leadhub.figures_cache import figures_cached
from leadhub.selectors import attention_counts, connections_paused, held_q, visible_submissions
from leadhub.statuses import SubmissionStatus
from vendors.drift import destinations_on_unusable_campaigns
from vendors.models import Connection

S = SubmissionStatus


@dataclass
class AttentionItem:
    label: str
    count: int
    url: str
    help: str
    key: str = ""


@dataclass
class PausedConnection:
    """One paused connection, one alert: the leads it holds are said here, never again as
    stuck or overdue (they wait on purpose until it resumes)."""

    connection: Connection
    held: int
    url: str


@dataclass
class Attention:
    items: list[AttentionItem] = field(default_factory=list)
    paused: list[PausedConnection] = field(default_factory=list)

    @property
    def clear(self) -> bool:
        return not self.paused and not any(item.count for item in self.items)


def needs_attention_summary(*, user: Any, now: datetime | None = None) -> Attention:
    """What needs a person among the submissions ``user`` sees, and every paused
    connection (it holds everyone's leads)."""
    count = partial(attention_counts, visible_submissions(user), now=now or timezone.now())
    # As of now the counts may be a few seconds old; as of a given moment, never.
    counts = figures_cached("attention", user, count) if now is None else count()
    stuck = sum(n for key, n in counts.items() if key.startswith("stuck_"))
    changelist = reverse("admin:leadhub_submission_changelist")
    return Attention(
        items=[
            *_destination_items(user),
            AttentionItem(
                "Gave up after retries",
                counts[S.EXHAUSTED],
                f"{changelist}?status__exact={S.EXHAUSTED}",
                "Every retry failed. Check the connection, then send again.",
            ),
            AttentionItem(
                "No answer: check the vendor",
                counts[S.UNCERTAIN],
                f"{changelist}?status__exact={S.UNCERTAIN}",
                "The vendor may have these leads. Check there, then send again or leave.",
            ),
            AttentionItem(
                "Stuck",
                stuck,
                f"{changelist}?attention=stuck",
                "Overdue for their next step: is the worker cluster running?",
            ),
        ],
        paused=_paused_connections(user, changelist),
    )


def _paused_connections(user: Any, changelist: str) -> list[PausedConnection]:
    """Every paused connection (it holds everyone's leads) with how many of the leads
    ``user`` sees it holds: one query for the connections, one for the counts."""
    paused = list(connections_paused().order_by("paused_at"))
    if not paused:
        return []
    held = dict(
        visible_submissions(user)
        .filter(held_q(), connection_id__in=[c.pk for c in paused])
        .values_list("connection_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        PausedConnection(
            c,
            held.get(c.pk, 0),
            f"{changelist}?attention=paused&connection__id__exact={c.pk}",
        )
        for c in paused
    ]


def _destination_items(user: Any) -> list[AttentionItem]:
    """Destinations staff can no longer send to, for those who can point them elsewhere."""
    if not user.has_perm("vendors.change_destination"):
        return []
    changelist = reverse("admin:vendors_destination_changelist")
    return [
        AttentionItem(
            "Destinations on an inactive campaign",
            destinations_on_unusable_campaigns().count(),
            f"{changelist}?campaign_state=inactive",
            "LeadByte refuses every lead to their campaign, so staff are no longer offered "
            "them. Pick an active campaign, or switch them off.",
            key="inactive_campaign",
        )
    ]
