"""What vendor calls are made of and come to: requests, answers, results, the error.

Plain values with no HTTP and no database behind them, so vendor rules, delivery and the
admin can all speak of them. What an outcome *means* (retry, pause, review) is decided in
``vendors.outcomes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import accumulate
from typing import Any, Generic, TypeVar

from vendors.fieldspec import FieldSpec
from vendors.outcomes import Condition, Outcome, outcome_for, rule_for

__all__ = ["Condition", "Outcome"]  # re-exported: vendor modules speak of both


@dataclass(frozen=True)
class Operation:
    """One documented vendor endpoint that LeadHub sends leads to."""

    name: str
    label: str
    fields: tuple[FieldSpec, ...] = ()
    uses_campaign: bool = False
    # Started from a lead's page about a lead the vendor already has (a Getlead note),
    # never offered as a destination.
    follow_up: bool = False


@dataclass
class VendorRequest:
    method: str
    path: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # What a preparatory exchange (a login) did, shown on its attempt when it succeeds.
    purpose: str = ""
    # The operation it performs (the base sets it on what build_request returns), so an
    # error status can be worded for it.
    operation: str = ""


@dataclass
class VendorResponse:
    status_code: int
    headers: Mapping[str, str]
    text: str
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or a VendorError saying the answer could not be read."""
        if json_too_deep(self.text):
            raise unreadable_answer(
                self.status_code,
                f"JSON nested deeper than {JSON_MAX_DEPTH} levels, which LeadHub does not read",
            )
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError) as err:
            raise unreadable_answer(self.status_code, "a body that is not JSON") from err


# Deeper JSON is refused unread: LeadHub's vendors nest a few levels, and a recursive parser
# must never meet 100,000 (it would raise RecursionError, or worse, mid-task).
JSON_MAX_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep the arrays and objects in ``text`` nest, brackets inside strings aside.

    One linear pass, no recursion: strings and everything but brackets are dropped by
    regular expressions, then a running sum finds the deepest point (about 50 ms for a
    1 MB body; docs/reliability.md)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def json_too_deep(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    # Counting brackets costs nothing; most answers have too few to nest past the limit.
    if text.count("[") + text.count("{") <= limit:
        return False
    return json_depth(text) > limit


def unreadable_answer(status_code: int, what: str) -> VendorError:
    """An answer that arrived but cannot be read: a 5xx is the vendor's trouble, anything
    else an unreadable answer (the vendor may have taken the lead; vendors.outcomes)."""
    return VendorError(
        f"The vendor answered HTTP {status_code} with {what}.",
        condition=(Condition.SERVER_ERROR if status_code >= 500 else Condition.UNREADABLE_ANSWER),
        status_code=status_code,
    )


# For results and errors that name only an outcome (the condition is then the plainest one).
DEFAULT_CONDITION: dict[Outcome, Condition] = {
    Outcome.ACCEPTED: Condition.ACCEPTED,
    Outcome.QUARANTINED: Condition.QUARANTINED,
    Outcome.DUPLICATE: Condition.DUPLICATE,
    Outcome.REJECTED: Condition.REFUSED,
    Outcome.TRANSIENT: Condition.VENDOR_TROUBLE,
    Outcome.UNCERTAIN: Condition.NO_ANSWER,
}


@dataclass
class VendorResult:
    outcome: Outcome
    message: str
    reference: str = ""
    code: str = ""
    links: dict[str, str] = field(default_factory=dict)
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None
    # The condition behind the outcome (vendors.outcomes); inferred from it when not given.
    condition: str = ""

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)  # refuses anything outside the vocabulary
        self.condition = Condition(self.condition or DEFAULT_CONDITION[self.outcome])

    @property
    def pauses_connection(self) -> bool:
        return rule_for(self.condition).pauses_connection

    @property
    def trips_breaker(self) -> bool:
        return self.outcome in (Outcome.TRANSIENT, Outcome.UNCERTAIN) and (
            rule_for(self.condition).trips_breaker
        )


@dataclass
class OutcomeCheck:
    """What a vendor says later about a lead it took (LeadByte's queue: Valid, Invalid...)."""

    label: str  # the vendor's own word, shown on the submission
    outcome: Outcome  # accepted, quarantined or rejected
    final: bool  # no need to ask again
    message: str = ""
    code: str = ""


@dataclass(frozen=True)
class EarlierSend:
    """A lead the vendor holds from an earlier send whose answer was lost, found by the
    vendor's own search (LeadByte's lead search)."""

    vendor_id: str  # the vendor's own id for the lead
    received: str = ""  # when the vendor says it received it, as the vendor wrote it
    # What ``check_outcome`` follows (LeadByte's queueId); empty when the vendor does not say.
    reference: str = ""


@dataclass
class Exchange:
    """One HTTP exchange, redacted and ready to be stored as an Attempt."""

    request: dict[str, Any]
    status_code: int | None
    response_body: str
    duration_ms: int
    error: str = ""
    started_at: datetime | None = None
    purpose: str = ""


@dataclass
class Delivery:
    """What one ``submit`` came to: the result and every exchange it took."""

    result: VendorResult
    exchanges: list[Exchange]


T = TypeVar("T")


@dataclass
class Reply(Generic[T]):
    """What one vendor read came to: its value, or the failure as a cleaned result, and
    every exchange it took. ``VendorAdapter.call`` makes these; it never raises for the
    vendor's sake."""

    value: T | None
    failure: VendorResult | None
    exchanges: list[Exchange]

    @property
    def ok(self) -> bool:
        return self.failure is None


class VendorError(Exception):
    """A vendor call that failed, built once with everything it carries.

    Name the ``condition`` (vendors.outcomes) and the table decides the outcome for the
    vendor and operation at hand (``outcome_for``); an explicit ``outcome`` alone is still
    accepted (the condition is then the plainest one for it). Neither means a rejection.
    The message may echo what the vendor was sent: the adapter raises a ``masked`` copy
    from ``send``, and masks again where the error becomes a result (``call``).
    ``partial`` is what arrived of an answer cut short (its status, headers and body so
    far), kept on the attempt like any answer.
    """

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome | None = None,
        condition: Condition | None = None,
        status_code: int | None = None,
        code: str = "",
        field_errors: dict[str, list[str]] | None = None,
        retry_after: float | None = None,
        partial: VendorResponse | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # A named condition is judged by the table; an outcome alone is taken as it is.
        self.judged_by_table = condition is not None
        self.explicit_outcome = Outcome(outcome) if outcome is not None else None
        if condition is not None:
            self.condition = Condition(condition)
        else:
            self.condition = DEFAULT_CONDITION[self.explicit_outcome or Outcome.REJECTED]
        self.status_code = status_code
        self.code = code
        self.field_errors = field_errors or {}
        self.retry_after = retry_after
        self.partial = partial

    def masked(self, mask: Callable[[str], str]) -> VendorError:
        """The same error with its words passed through ``mask`` (a Redactor's ``text``):
        raised in its place where a vendor may have echoed a secret."""
        return VendorError(
            mask(self.message),
            outcome=self.explicit_outcome,
            condition=self.condition if self.judged_by_table else None,
            status_code=self.status_code,
            code=self.code,
            field_errors={k: [mask(str(m)) for m in v] for k, v in self.field_errors.items()},
            retry_after=self.retry_after,
            partial=(replace(self.partial, text=mask(self.partial.text)) if self.partial else None),
        )

    @property
    def outcome(self) -> Outcome:
        """The outcome before the vendor is known: the cautious column of the table."""
        return self.outcome_for(None)

    def outcome_for(self, vendor: Any, operation: str = "") -> Outcome:
        """The outcome for ``vendor`` (an adapter class) sending ``operation``."""
        if not self.judged_by_table:
            return self.explicit_outcome or Outcome.REJECTED
        if vendor is None:
            return self.explicit_outcome or rule_for(self.condition).without_dedupe
        return outcome_for(self.condition, vendor, operation)

    def as_result(self, vendor: Any = None, operation: str = "") -> VendorResult:
        return VendorResult(
            outcome=self.outcome_for(vendor, operation),
            message=self.message,
            code=self.code,
            field_errors=self.field_errors,
            retry_after=self.retry_after,
            condition=self.condition,
        )
