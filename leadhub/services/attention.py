"""What needs a person: the "needs attention" panel on the admin index.

One function returns plain data, so the panel (and a dashboard beside it later) only
renders it. Each item links to the list that shows exactly those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from vendors.models import Connection

S = SubmissionStatus


@dataclass
class AttentionItem:
    label: str
    count: int
    url: str
    help: str


@dataclass
class Attention:
    items: list[AttentionItem] = field(default_factory=list)
    paused: list[Connection] = field(default_factory=list)

    @property
    def clear(self) -> bool:
        return not self.paused and not any(item.count for item in self.items)


def stuck_submissions_q(now: Any = None) -> Q:
    """Pending rows whose next step is well overdue (the dispatcher should have moved them)."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    requeue = timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER)
    grace = timedelta(minutes=5)
    running = Q(connection__paused_at__isnull=True)
    return running & (
        Q(status=S.SENDING, sent_at__lt=now - lease - grace)
        | Q(status=S.QUEUED, enqueued_at__lt=now - requeue - grace)
        | Q(status=S.RETRY_WAIT, next_attempt_at__lt=now - grace)
    )


def needs_attention_summary() -> Attention:
    changelist = reverse("admin:leadhub_submission_changelist")
    counts = {
        status: Submission.objects.filter(status=status).count()
        for status in (S.EXHAUSTED, S.UNCERTAIN)
    }
    stuck = Submission.objects.filter(stuck_submissions_q()).count()
    return Attention(
        items=[
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
        paused=list(Connection.objects.filter(paused_at__isnull=False).order_by("paused_at")),
    )
