"""SalesByte quotes read back through the Quotes API: signed or not, and their statuses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from leadhub.models import Submission
from vendors.clients import connection_client
from vendors.registry import VendorKind
from vendors.salesbyte import SalesByte, quote_key, quote_state


@dataclass(frozen=True)
class QuoteRefresh:
    submission_id: int
    message: str
    refreshed: bool = False
    signed: bool | None = None


def submission_quote_key(submission: Submission) -> str:
    """The quote's public key: kept from SalesByte's answer, or read off its customer link."""
    kept = (submission.response_data or {}).get("quote_key")
    return str(kept) if kept else quote_key((submission.links or {}).get("customer_view", ""))


def submission_quote_refresh(*, submission_id: int) -> QuoteRefresh:
    """Read the submission's quote from SalesByte and keep its state in ``response_data``."""
    submission = Submission.objects.select_related("connection").get(pk=submission_id)
    label = f"Submission {submission.pk}"
    if submission.connection.kind != VendorKind.SALESBYTE:
        return QuoteRefresh(submission.pk, f"{label} did not go to SalesByte.")
    key = submission_quote_key(submission)
    if not key:
        return QuoteRefresh(
            submission.pk,
            f"{label} has no SalesByte quote link to read (a quote from a template gets none, "
            "nor does a quote SalesByte has not created).",
        )
    client = connection_client(submission.connection)
    if not isinstance(client, SalesByte):
        return QuoteRefresh(submission.pk, f"{label} did not go to SalesByte.")
    reply = client.call(submission.operation, lambda: client.get_quote(key))
    quote = reply.value
    if quote is None:
        reason = reply.failure.message if reply.failure else "SalesByte sent no quote."
        return QuoteRefresh(submission.pk, f"{label}: {reason}")
    state: dict[str, Any] = {**quote_state(quote), "refreshed_at": timezone.now().isoformat()}
    submission.response_data = {**(submission.response_data or {}), "quote": state}
    submission.save(update_fields=["response_data", "updated_at"])
    signed = bool(state.get("is_signed"))
    return QuoteRefresh(
        submission.pk,
        f"{label}: SalesByte quote {state.get('id', submission.vendor_reference)} is "
        f"{quote_status_text(state)}.",
        refreshed=True,
        signed=signed,
    )


def submissions_quote_refresh(*, submission_ids: Iterable[int]) -> list[QuoteRefresh]:
    return [submission_quote_refresh(submission_id=pk) for pk in submission_ids]


def quote_status_text(state: dict[str, Any]) -> str:
    """ "signed (signed, delivered)" or "not signed yet", in the words staff read."""
    statuses = ", ".join(str(s) for s in state.get("statuses") or [])
    text = "signed" if state.get("is_signed") else "not signed yet"
    if state.get("is_signed") and state.get("requires_more_signatures"):
        text = "signed, waiting for more signatures"
    return f"{text} ({statuses})" if statuses else text
