"""Delivery: every submission is an outbox row pushed to its vendor by a background task.

- ``outbox``: create and enqueue submissions inside the caller's transaction; resend.
- ``rows``: locking, claiming and the allowed transitions of a submission row.
- ``push``: claim → send → record what the vendor answered.
- ``outcome_checks``: ask a vendor later what became of a lead it took.
- ``dispatcher``: the safety net on a schedule (due retries, lost tasks, stale leases).
- ``breaker``: what a paused connection holds, released when it resumes.

What a vendor answer means (retry, reject, review, pause) is decided in vendors.outcomes.
"""
