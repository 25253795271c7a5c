"""The one listener: events of ``leadhub.events`` that a channel can be told become pending
notifications, in the writer's transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from leadhub.events import Event, event_happened
from leadhub.notifications.incidents import TOLD, event_message, notifications_book


@receiver(event_happened, sender=Event, dispatch_uid="leadhub.notifications")
def _event_happened(*, event: str, object_id: int, **_: Any) -> None:
    if event not in TOLD:  # a lead created, a submission accepted: nothing to tell
        return
    message = event_message(event, object_id)
    if message is not None:
        notifications_book(message)
