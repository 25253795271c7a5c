"""django-q2 tasks: thin, they take primary keys and call services."""

from __future__ import annotations

from leadhub.services.submissions import (
    submission_follow_up,
    submission_push,
    submissions_dispatch_due,
)


def push_submission(submission_id: int) -> str:
    submission = submission_push(submission_id=int(submission_id))
    return submission.status if submission else "skipped"


def follow_up_submission(submission_id: int) -> str:
    submission = submission_follow_up(submission_id=int(submission_id))
    return submission.vendor_outcome if submission else "skipped"


def dispatch_due_submissions() -> int:
    return submissions_dispatch_due()
