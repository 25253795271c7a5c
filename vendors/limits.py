"""How long one vendor exchange may take, and how many sends one connection may have at once.

The deadline bounds an exchange by the wall clock (connect, send and the whole answer), not
each socket read: a vendor that answers one byte a second passes every read timeout. It
must leave a push, with every exchange it may make, well inside the task timeout
(``Q_TIMEOUT``), or the worker is killed and the exchange is never recorded.

Rule: ``MOST_EXCHANGES_PER_PUSH x deadline + DEADLINE_MARGIN <= Q_TIMEOUT``. A system check
refuses a default that breaks it; a connection's own deadline is validated when saved.

How many sends one connection may have at once (the bulkhead, leadhub.delivery.bulkhead):
``VENDOR_MAX_IN_FLIGHT`` must be at least 1, and below ``Q_WORKERS`` or a slow vendor may
take every worker (a warning: a single-vendor install may want it so).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError

# CRM.COM's worst case: a login, the lead, a login again after the token was refused, the
# lead again. No other vendor makes more than two exchanges in one push.
MOST_EXCHANGES_PER_PUSH = 4
# Seconds a push needs beyond its exchanges: the claim, recording the answer, a slow commit.
DEADLINE_MARGIN = 10


def deadline_ceiling() -> float:
    """The longest deadline the task timeout allows."""
    return (settings.Q_TIMEOUT - DEADLINE_MARGIN) / MOST_EXCHANGES_PER_PUSH


def deadline_problem(seconds: float) -> str:
    """Why ``seconds`` cannot be an exchange's deadline, or ''."""
    if seconds <= 0:
        return "The deadline must be more than 0 seconds."
    if seconds > deadline_ceiling():
        return (
            f"A deadline of {seconds:g} s is too long for the task timeout (Q_TIMEOUT "
            f"{settings.Q_TIMEOUT} s): a push may make {MOST_EXCHANGES_PER_PUSH} exchanges and "
            f"needs {DEADLINE_MARGIN} s more, so at most {deadline_ceiling():g} s."
        )
    return ""


def validate_deadline(value: float) -> None:
    """A connection's own deadline, checked against the same rule as the default."""
    problem = deadline_problem(float(value))
    if problem:
        raise ValidationError(problem)


def check_vendor_limits(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The system check: the default deadline within the task timeout, sane slot limits."""
    found: list[checks.CheckMessage] = []
    problem = deadline_problem(float(settings.VENDOR_DEADLINE))
    if problem:
        found.append(
            checks.Error(
                f"VENDOR_DEADLINE: {problem}",
                hint="Lower VENDOR_DEADLINE or raise Q_TIMEOUT.",
                id="vendors.E001",
            )
        )
    if settings.VENDOR_MAX_IN_FLIGHT < 1:
        found.append(
            checks.Error(
                "VENDOR_MAX_IN_FLIGHT must be at least 1: no lead could be sent.",
                id="vendors.E002",
            )
        )
    elif settings.VENDOR_MAX_IN_FLIGHT >= settings.Q_WORKERS > 1:
        found.append(
            checks.Warning(
                f"VENDOR_MAX_IN_FLIGHT ({settings.VENDOR_MAX_IN_FLIGHT}) lets one slow vendor "
                f"take all {settings.Q_WORKERS} workers (Q_WORKERS): leads to every other "
                "vendor wait until it answers.",
                hint="Leave it below Q_WORKERS (the default is Q_WORKERS - 1).",
                id="vendors.W001",
            )
        )
    return found
