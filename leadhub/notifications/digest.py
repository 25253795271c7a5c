"""The daily digest: how many submissions each destination's vendor rejected in the last
day, sent to the channels that asked for it (once per day: the date is the incident)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from leadhub.models import Submission
from leadhub.notifications.incidents import Message, notifications_book, site_url
from leadhub.notifications.models import NotificationEvent
from leadhub.statuses import SubmissionStatus


def rejections_by_destination(*, since: datetime, until: datetime) -> list[tuple[str, int]]:
    rows = (
        Submission.objects.filter(
            status=SubmissionStatus.REJECTED, completed_at__gte=since, completed_at__lt=until
        )
        .values("destination__name", "connection__name")
        .annotate(n=Count("id"))
        .order_by("-n", "destination__name")
    )
    return [(r["destination__name"] or r["connection__name"], r["n"]) for r in rows]


def rejections_digest_message(now: datetime) -> Message:
    since = now - timedelta(days=1)
    counts = rejections_by_destination(since=since, until=now)
    lines = [f"{count:>5}  {name}" for name, count in counts] or ["No rejections."]
    listing = reverse("admin:leadhub_submission_changelist") + "?status__exact=rejected"
    total = sum(count for _, count in counts)
    return Message(
        event=NotificationEvent.REJECTIONS_DIGEST,
        dedup_key=f"digest.rejections:{timezone.localdate(now):%Y-%m-%d}",
        subject=f"LeadHub: {total} rejection{pluralize(total)} in the last 24 hours",
        body="\n".join(["Rejected submissions per destination:", *lines, "", site_url(listing)]),
    )


def rejections_digest_send(now: datetime | None = None) -> int:
    """Book today's digest for every channel that wants it; return how many were booked."""
    return notifications_book(rejections_digest_message(now or timezone.now()))
