"""The closed vocabulary of submission statuses and every allowed transition."""

from __future__ import annotations

from django.db import models

from vendors.outcomes import Outcome


class SubmissionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    ACCEPTED = "accepted", "Accepted"
    QUARANTINED = "quarantined", "Quarantined by vendor"
    DUPLICATE = "duplicate", "Duplicate at vendor"
    REJECTED = "rejected", "Rejected"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    EXHAUSTED = "exhausted", "Gave up after retries"
    UNCERTAIN = "uncertain", "Needs review (no answer)"
    CANCELLED = "cancelled", "Cancelled before it was sent"


S = SubmissionStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    # CANCELLED: the person's data was erased before the send (leadhub.privacy).
    S.QUEUED: frozenset({S.SENDING, S.CANCELLED}),
    S.SENDING: frozenset(
        {
            S.ACCEPTED,
            S.QUARANTINED,
            S.DUPLICATE,
            S.REJECTED,
            S.RETRY_WAIT,
            S.EXHAUSTED,
            S.UNCERTAIN,
            S.QUEUED,
        }  # QUEUED: a stale lease recovered after a worker died
    ),
    S.RETRY_WAIT: frozenset({S.QUEUED, S.SENDING, S.CANCELLED}),
    S.CANCELLED: frozenset(),
    # A person may send again what failed or went unanswered.
    S.REJECTED: frozenset({S.QUEUED}),
    S.EXHAUSTED: frozenset({S.QUEUED}),
    S.UNCERTAIN: frozenset({S.QUEUED, S.ACCEPTED, S.REJECTED}),
    # LeadByte releases or rejects what it quarantined.
    S.QUARANTINED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.REJECTED}),  # a late rejection (LeadByte's queue, e.g. HLR)
    # A duplicate of LeadHub's own unanswered send takes that send's outcome once found.
    S.DUPLICATE: frozenset({S.ACCEPTED, S.QUARANTINED, S.REJECTED}),
}

# Status groups: every "which statuses" question in LeadHub is answered by one of these.
FINAL = frozenset({S.ACCEPTED, S.QUARANTINED, S.DUPLICATE, S.REJECTED, S.EXHAUSTED, S.CANCELLED})
# Not yet answered by the vendor: the lead page keeps polling while any is here.
PENDING = frozenset({S.QUEUED, S.SENDING, S.RETRY_WAIT})
# Due or waiting to be sent, with no worker on it: what a paused connection holds.
WAITING = frozenset({S.QUEUED, S.RETRY_WAIT})
# What a person may send again by hand.
RESENDABLE = frozenset({S.REJECTED, S.EXHAUSTED, S.UNCERTAIN})
# The vendor has the lead (a duplicate: it had it already).
DELIVERED = frozenset({S.ACCEPTED, S.QUARANTINED, S.DUPLICATE})
# Taken by a vendor that may still say otherwise later (LeadByte's queue): any delivered
# send; a duplicate is followed only when it was LeadHub's own earlier send
# (delivery.outcome_checks decides).
REPORTED_LATER = DELIVERED
# The send ended without the vendor taking the lead for this send (a duplicate: it had it
# from someone else): a routing waterfall moves on to the next destination.
NOT_TAKEN = frozenset({S.REJECTED, S.DUPLICATE, S.EXHAUSTED, S.CANCELLED})
# Delivery gave up or cannot tell: a person must look.
NEEDS_ATTENTION = frozenset({S.EXHAUSTED, S.UNCERTAIN})
# A lead's delivery, read from its submissions, worst first: the lead list's column and
# filter. key, how the list says it, the statuses, the badge's look (.lh-status-<look>).
LEAD_DELIVERY: tuple[tuple[str, str, frozenset[str], str], ...] = (
    ("attention", "needs attention", NEEDS_ATTENTION, S.EXHAUSTED),
    ("rejected", "rejected", frozenset({S.REJECTED}), S.REJECTED),
    ("pending", "in progress", PENDING, S.QUEUED),
    ("delivered", "delivered", DELIVERED, S.ACCEPTED),
    ("cancelled", "cancelled", frozenset({S.CANCELLED}), S.CANCELLED),
)

# What a vendor outcome makes of a submission (transient is decided by the retry policy).
OUTCOME_STATUS: dict[Outcome, str] = {
    Outcome.ACCEPTED: S.ACCEPTED,
    Outcome.QUARANTINED: S.QUARANTINED,
    Outcome.DUPLICATE: S.DUPLICATE,
    Outcome.REJECTED: S.REJECTED,
    Outcome.UNCERTAIN: S.UNCERTAIN,
}


class InvalidTransition(Exception):
    pass


def check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"A submission cannot go from {current} to {new}")


class NotificationStatus(models.TextChoices):
    """Where one notification to one channel is."""

    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    RETRY_WAIT = "retry_wait", "Failed; will retry"
    FAILED = "failed", "Failed; gave up"


# --- webhook deliveries (leadhub.webhooks) ----------------------------------------------


class WebhookStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


W = WebhookStatus

WEBHOOK_TRANSITIONS: dict[str, frozenset[str]] = {
    W.PENDING: frozenset({W.SENDING}),
    # RETRY_WAIT: the endpoint did not take it, or the worker stopped while sending.
    W.SENDING: frozenset({W.DELIVERED, W.RETRY_WAIT, W.FAILED}),
    W.RETRY_WAIT: frozenset({W.SENDING}),
    W.DELIVERED: frozenset(),
    W.FAILED: frozenset(),
}
# Waiting for a worker: what the sweep hands out once due.
WEBHOOK_WAITING = frozenset({W.PENDING, W.RETRY_WAIT})


def check_webhook_transition(current: str, new: str) -> None:
    if new not in WEBHOOK_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"A webhook delivery cannot go from {current} to {new}")
