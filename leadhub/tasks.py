"""django-q2 tasks: thin, they take primary keys and call delivery's services.

Their dotted names are stored in queued tasks and schedules: keep them stable.
"""

from __future__ import annotations

from leadhub.delivery.dispatcher import submissions_dispatch_due
from leadhub.delivery.outcome_checks import submission_check_outcome
from leadhub.delivery.push import submission_push, submissions_push_batch
from leadhub.routing.services import routing_sweep
from leadhub.webhooks.sweep import webhook_deliveries_dispatch_due


def push_submission(submission_id: int) -> str:
    submission = submission_push(submission_id=int(submission_id))
    return submission.status if submission else "skipped"


def push_submission_batch(submission_ids: list[int]) -> int:
    return submissions_push_batch(submission_ids=submission_ids)


def check_submission_outcome(submission_id: int) -> str:
    submission = submission_check_outcome(submission_id=int(submission_id))
    return submission.vendor_outcome if submission else "skipped"


def dispatch_due_submissions() -> int:
    """The dispatcher's minute: due submissions, due webhook deliveries, then routing's
    waterfall steps out of time and held leads due a second look."""
    return submissions_dispatch_due() + webhook_deliveries_dispatch_due() + routing_sweep()
