"""Routing listens to submissions ending (``leadhub.events``), inside the writer's
transaction: a waterfall falls through or ends, a failed send gives its cap place back."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from leadhub.events import Event, event_happened
from leadhub.routing.services import routing_submission_ended
from leadhub.statuses import SubmissionStatus as S

ENDED = {
    Event.SUBMISSION_ACCEPTED.value: S.ACCEPTED,
    Event.SUBMISSION_REJECTED.value: S.REJECTED,
    Event.SUBMISSION_EXHAUSTED.value: S.EXHAUSTED,
}


@receiver(event_happened, sender=Event, dispatch_uid="leadhub.routing")
def _event_happened(*, event: str, object_id: int, **_: Any) -> None:
    status = ENDED.get(str(event))
    if status is not None:
        routing_submission_ended(submission_id=object_id, status=status)
