"""Routing listens to submissions ending (``leadhub.events``), inside the writer's
transaction: a waterfall falls through or ends, a failed send gives its cap place back."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from leadhub.events import Event, event_happened
from leadhub.routing.services import routing_submission_ended

ENDED = frozenset(
    {
        Event.SUBMISSION_ACCEPTED.value,
        Event.SUBMISSION_REJECTED.value,
        Event.SUBMISSION_EXHAUSTED.value,
    }
)


@receiver(event_happened, sender=Event, dispatch_uid="leadhub.routing")
def _event_happened(*, event: str, object_id: int, **_: Any) -> None:
    if str(event) in ENDED:
        routing_submission_ended(submission_id=object_id)
