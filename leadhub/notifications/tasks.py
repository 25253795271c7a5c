"""django-q2 tasks of notifications: thin, their dotted names are stored in queued tasks
and schedules (keep them stable)."""

from __future__ import annotations

from django_q.tasks import async_task

from leadhub.notifications.digest import rejections_digest_send
from leadhub.notifications.incidents import SEND_TASK
from leadhub.notifications.sending import notification_send, notifications_due


def send_notification(notification_id: int) -> str:
    return notification_send(notification_id=int(notification_id))


def send_due_notifications() -> int:
    """Every minute: retries that are due, and pending ones whose task was lost."""
    due = list(notifications_due().values_list("pk", flat=True)[:500])
    for pk in due:
        async_task(SEND_TASK, pk)
    return len(due)


def send_rejections_digest() -> int:
    return rejections_digest_send()
