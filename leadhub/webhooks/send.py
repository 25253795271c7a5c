"""Send one delivery: claim the row, POST the signed payload, record the attempt, and move
the row (delivered, a retry booked with backoff, or given up) and its endpoint's health.

The claim is one conditional UPDATE committed before any HTTP, as for submissions
(``leadhub.delivery.rows``): a task that arrives twice finds the row taken and sends
nothing. An endpoint failing without a success for ``WEBHOOK_DISABLE_AFTER_DAYS`` is
turned off, and the admin home says so until an admin turns it on again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from leadhub.delivery.backoff import retry_at
from leadhub.statuses import WEBHOOK_WAITING, WebhookStatus, check_webhook_transition
from leadhub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.signing import payload_body, signed_headers
from vendors.hosts import UnsafeVendorHost, check_vendor_url
from vendors.http import http_request, retry_after_seconds
from vendors.outcomes import Condition
from vendors.redaction import MESSAGE_LIMIT, Redactor, clean_text
from vendors.results import VendorError

logger = logging.getLogger(__name__)

W = WebhookStatus

# What is kept of an endpoint's answer on the attempt.
ANSWER_LIMIT = 2000
# Answers whose Retry-After is honoured (up to WEBHOOK_MAX_RETRY_AFTER).
BUSY_CODES = frozenset({429, 503})


@dataclass(frozen=True)
class Answer:
    """What one POST came to."""

    delivered: bool
    message: str
    status_code: int | None = None
    body: str = ""
    retry_after: float | None = None
    final: bool = False  # nothing later would change it (a refused address)
    duration_ms: int | None = None


def webhook_delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the row for this worker if it is waiting, due, and its endpoint active."""
    now = timezone.now()
    for status in WEBHOOK_WAITING:
        check_webhook_transition(status, W.SENDING)
    with transaction.atomic():
        taken = (
            WebhookDelivery.objects.filter(
                pk=delivery_id, status__in=WEBHOOK_WAITING, endpoint__is_active=True
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(
                status=W.SENDING,
                attempt_count=F("attempt_count") + 1,
                sent_at=now,
                next_attempt_at=None,
                updated_at=now,
            )
        )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery unless another worker has it or it is not due."""
    delivery = webhook_delivery_claim(delivery_id)
    if delivery is None:
        return None
    started = timezone.now()
    answer = _post(delivery)
    return _record(delivery, answer, started)


def _post(delivery: WebhookDelivery) -> Answer:
    endpoint = delivery.endpoint
    try:
        check_vendor_url(endpoint.url, what="endpoint")
    except UnsafeVendorHost as err:
        return Answer(False, f"LeadHub refused to send: {err}", final=True)
    body = payload_body(delivery.payload)
    headers = signed_headers(secret=endpoint.secret, message_id=delivery.message_id, body=body)
    clock = time.monotonic()
    try:
        response = http_request(
            "POST", endpoint.url, data=body, headers=headers, deadline=settings.WEBHOOK_DEADLINE
        )
    except VendorError as err:
        return Answer(False, _failure_message(err), duration_ms=_since(clock))
    redactor = Redactor([endpoint.secret])
    text = clean_text(redactor.text(response.text), ANSWER_LIMIT)
    code = response.status_code
    if 200 <= code < 300:
        return Answer(True, f"Delivered: HTTP {code}.", code, text, duration_ms=_since(clock))
    retry_after = None
    if code in BUSY_CODES:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    message = f"The endpoint answered HTTP {code}; only a 2xx answer counts as delivered."
    return Answer(False, message, code, text, retry_after, duration_ms=_since(clock))


def _failure_message(err: VendorError) -> str:
    """The transport failure in the endpoint's words (vendors.http speaks of vendors)."""
    if err.condition is Condition.UNREACHABLE:
        return "The endpoint could not be reached (connection refused, unknown host or timeout)."
    if err.condition is Condition.NO_ANSWER:
        return "The endpoint took the request but did not answer in time."
    return clean_text(err.message.replace("vendor", "endpoint"), MESSAGE_LIMIT)


def _since(clock: float) -> int:
    return int((time.monotonic() - clock) * 1000)


def next_webhook_retry_at(attempt_count: int, retry_after: float | None) -> datetime | None:
    return retry_at(
        [int(d) for d in settings.WEBHOOK_RETRY_DELAYS],
        attempt_count,
        retry_after,
        jitter=settings.WEBHOOK_RETRY_JITTER,
        max_retry_after=settings.WEBHOOK_MAX_RETRY_AFTER,
    )


def _record(delivery: WebhookDelivery, answer: Answer, started: datetime) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=locked,
            number=attempt_number_next(locked),
            started_at=started,
            duration_ms=answer.duration_ms,
            status_code=answer.status_code,
            response_body=answer.body,
            delivered=answer.delivered,
            message=answer.message,
        )
        if locked.status != W.SENDING or locked.sent_at != delivery.sent_at:
            logger.warning("webhook delivery %s: answer arrived after its lease", locked.pk)
            return locked
        fields = {"last_status_code": answer.status_code, "last_message": answer.message}
        if answer.delivered:
            webhook_delivery_transition(locked, W.DELIVERED, completed_at=now, **fields)
        else:
            when = (
                None
                if answer.final
                else next_webhook_retry_at(locked.attempt_count, answer.retry_after)
            )
            if when is None:
                fields["last_message"] = f"Gave up after {locked.attempt_count} attempts. " + (
                    answer.message
                )
                webhook_delivery_transition(locked, W.FAILED, completed_at=now, **fields)
            else:
                webhook_delivery_transition(locked, W.RETRY_WAIT, next_attempt_at=when, **fields)
        endpoint_record_result(
            endpoint_id=locked.endpoint_id, delivered=answer.delivered, message=answer.message
        )
    logger.info("webhook delivery %s (%s): %s", locked.pk, locked.event, locked.status)
    return locked


def attempt_number_next(delivery: WebhookDelivery) -> int:
    last = delivery.attempts.aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def webhook_delivery_transition(
    delivery: WebhookDelivery, new_status: str, **fields: object
) -> None:
    check_webhook_transition(delivery.status, new_status)
    delivery.status = new_status
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=["status", "updated_at", *fields])


def endpoint_record_result(*, endpoint_id: int, delivered: bool, message: str) -> None:
    """An endpoint's health after one attempt: a success clears the failing clock; a
    failure starts it, and once it has run ``WEBHOOK_DISABLE_AFTER_DAYS`` the endpoint is
    turned off (its waiting deliveries wait until an admin turns it on again)."""
    now = timezone.now()
    rows = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if delivered:
        rows.update(last_success_at=now, failing_since=None)
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    rows.update(last_failure_at=now, last_failure_message=message)
    limit = now - timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS)
    reason = (
        f"Turned off: every delivery failed for {settings.WEBHOOK_DISABLE_AFTER_DAYS:g} days. "
        f"Last: {message}"
    )
    disabled = rows.filter(is_active=True, failing_since__lte=limit).update(
        is_active=False, disabled_at=now, disabled_reason=reason
    )
    if disabled:
        logger.warning("webhook endpoint %s: %s", endpoint_id, reason)
