"""What every vendor failure or answer means for delivery: the one table.

A vendor module never decides whether a lead is sent again. It names the *condition* it
met (an HTTP status, a transport error, its own error code mapped to one of the conditions
below) and this table turns the condition into an ``Outcome``, for every vendor alike.

Where the right answer depends on the vendor, the table keys on adapter attributes, so a
vendor added later is covered by declaring them:

- ``rejects_resent_leads``: the vendor refuses (or merges) a lead it already has (LeadByte
  answers -2, Getlead updates the enquiry). A lost answer is then safe to resend
  (transient); without that protection the lead may already be there and is held for a
  person (uncertain), never resent automatically. An adapter whose operations differ
  overrides the class method ``resends_safely(operation)`` (Getlead: a note is not safe to
  repeat).

Besides the outcome, a condition may pause the connection at once (the vendor refused our
credentials: nothing will get through until an admin fixes them), and may count towards
the connection's circuit breaker (a run of transient failures pauses it for a while).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Outcome(StrEnum):
    """What a vendor call came to, for every vendor alike."""

    ACCEPTED = "accepted"  # the vendor took the lead
    QUARANTINED = "quarantined"  # taken, but held for review by the vendor (LeadByte)
    DUPLICATE = "duplicate"  # the vendor already has it: final, not an error of ours
    REJECTED = "rejected"  # a permanent refusal: sending again will not help
    TRANSIENT = "transient"  # failed before or without effect: safe to send again later
    UNCERTAIN = "uncertain"  # the vendor may have it but never said: a person decides


class Condition(StrEnum):
    """Everything a vendor call can come to, before it is judged."""

    ACCEPTED = "accepted"  # the vendor said it took the lead
    QUARANTINED = "quarantined"  # the vendor took it and holds it for review
    DUPLICATE = "duplicate"  # the vendor's own "I already have it" (LeadByte -2)
    INVALID = "invalid"  # the vendor refused the lead's data or our request (validation)
    REFUSED = "refused"  # the vendor refused for good (cap reached, campaign closed, ...)
    CLIENT_ERROR = "client_error"  # HTTP 4xx other than 401, 408 and 429
    CREDENTIALS_REFUSED = "credentials_refused"  # HTTP 401, an invalid key: the account's fault
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - a session token still refused after one renewal
    UNREACHABLE = "unreachable"  # refused, unknown host, connect timeout: nothing was sent
    # HTTP 5xx but 503: the vendor failed while handling it, perhaps after it stored the lead.
    SERVER_ERROR = "server_error"
    UNAVAILABLE = "unavailable"  # HTTP 503: the vendor would not handle it now
    REQUEST_TIMEOUT = "request_timeout"  # HTTP 408
    RATE_LIMITED = "rate_limited"  # HTTP 429 (Retry-After honoured within limits)
    VENDOR_TROUBLE = "vendor_trouble"  # the vendor's own "try later" code (LeadByte -3, -100)
    NO_ANSWER = "no_answer"  # sent, then the answer timed out or the connection dropped
    UNREADABLE_ANSWER = "unreadable_answer"  # a 2xx/3xx we cannot read: truncated, HTML, ...
    # An error the vendor may raise after it stored the lead (SalesByte's HTTP 500).
    MAY_HAVE_TAKEN = "may_have_taken"


@dataclass(frozen=True)
class Rule:
    """How one condition is judged."""

    # The outcome when the vendor refuses a lead it already has, and when it does not.
    with_dedupe: Outcome
    without_dedupe: Outcome
    # The connection stops at once: no lead can get through until an admin acts.
    pauses_connection: bool = False
    # One more transient failure in a row for the connection's circuit breaker.
    trips_breaker: bool = False
    # The vendor's Retry-After (if any) sets the earliest next try.
    honours_retry_after: bool = False


def _same(outcome: Outcome, **flags: bool) -> Rule:
    return Rule(outcome, outcome, **flags)


# THE table. Read a row as: "when a vendor call comes to <condition>, the submission is
# <outcome> (for a vendor with / without duplicate protection)".
OUTCOME_TABLE: dict[Condition, Rule] = {
    Condition.ACCEPTED: _same(Outcome.ACCEPTED),
    Condition.QUARANTINED: _same(Outcome.QUARANTINED),
    Condition.DUPLICATE: _same(Outcome.DUPLICATE),
    Condition.INVALID: _same(Outcome.REJECTED),
    Condition.REFUSED: _same(Outcome.REJECTED),
    Condition.CLIENT_ERROR: _same(Outcome.REJECTED),
    # The lead is fine, the account is not: it waits while the connection is paused.
    Condition.CREDENTIALS_REFUSED: _same(Outcome.TRANSIENT, pauses_connection=True),
    Condition.TOKEN_EXPIRED: _same(Outcome.TRANSIENT, trips_breaker=True),
    Condition.UNREACHABLE: _same(Outcome.TRANSIENT, trips_breaker=True),
    # A 500, or a gateway's 502/504, can come after the write: resent only where the vendor
    # refuses a lead it already has, otherwise held for a person (never a second lead).
    Condition.SERVER_ERROR: Rule(
        Outcome.TRANSIENT, Outcome.UNCERTAIN, trips_breaker=True, honours_retry_after=True
    ),
    Condition.UNAVAILABLE: _same(Outcome.TRANSIENT, trips_breaker=True, honours_retry_after=True),
    Condition.REQUEST_TIMEOUT: _same(
        Outcome.TRANSIENT, trips_breaker=True, honours_retry_after=True
    ),
    Condition.RATE_LIMITED: _same(Outcome.TRANSIENT, trips_breaker=True, honours_retry_after=True),
    Condition.VENDOR_TROUBLE: _same(
        Outcome.TRANSIENT, trips_breaker=True, honours_retry_after=True
    ),
    # The request may have reached the vendor and we never heard back.
    Condition.NO_ANSWER: Rule(Outcome.TRANSIENT, Outcome.UNCERTAIN, trips_breaker=True),
    Condition.UNREADABLE_ANSWER: Rule(Outcome.TRANSIENT, Outcome.UNCERTAIN, trips_breaker=True),
    Condition.MAY_HAVE_TAKEN: Rule(Outcome.TRANSIENT, Outcome.UNCERTAIN, trips_breaker=True),
}

# HTTP statuses the base adapter judges by itself (vendors may read their bodies first).
HTTP_STATUS_CONDITIONS: dict[int, Condition] = {
    401: Condition.CREDENTIALS_REFUSED,
    408: Condition.REQUEST_TIMEOUT,
    429: Condition.RATE_LIMITED,
}


def condition_for_status(status: int) -> Condition:
    """The condition of an HTTP error status (>= 400)."""
    if status == 503:
        return Condition.UNAVAILABLE
    if status >= 500:
        return Condition.SERVER_ERROR
    return HTTP_STATUS_CONDITIONS.get(status, Condition.CLIENT_ERROR)


def rule_for(condition: Condition | str) -> Rule:
    return OUTCOME_TABLE[Condition(condition)]


class ResendPolicy(Protocol):
    """What the table needs of a vendor: a VendorAdapter class answers it without
    credentials (``resends_safely`` is a class method)."""

    def resends_safely(self, operation: str = "") -> bool: ...


def outcome_for(
    condition: Condition | str, vendor: ResendPolicy | type[Any], operation: str = ""
) -> Outcome:
    """The outcome of ``condition`` for ``vendor`` (a VendorAdapter class) sending
    ``operation``."""
    rule = rule_for(condition)
    return rule.with_dedupe if vendor.resends_safely(operation) else rule.without_dedupe


def resend_is_safe(vendor: ResendPolicy | type[Any], operation: str = "") -> bool:
    """Whether a send that may have reached the vendor can be made again automatically."""
    return outcome_for(Condition.NO_ANSWER, vendor, operation) is Outcome.TRANSIENT
