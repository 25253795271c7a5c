"""The queries that decide what the admin shows, and to whom.

Who sees what: superusers and holders of ``leadhub.view_all_leads`` (integration admins)
see every user's leads and submissions; everyone else the leads they own and those leads'
submissions. The lists, their CSV exports, the dashboard and the needs-attention banner
all narrow through ``visible_rows``, so a count never promises rows its list hides.

What needs a person: a submission delivery gave up on or cannot tell about
(``NEEDS_ATTENTION``), or one that is stuck. "Stuck" is what the dispatcher counts as lost,
with its own clocks: a lease past ``SUBMISSION_LEASE_SECONDS``, a queued task older than
``SUBMISSION_REQUEUE_AFTER``, a retry past its due time by ``RETRY_LOST_AFTER``. Rows a
paused connection holds on purpose are not stuck (they are listed as held instead).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, Model, Q, QuerySet, Subquery

from leadhub.delivery.dispatcher import RETRY_LOST_AFTER
from leadhub.models import Lead, Submission
from leadhub.statuses import NEEDS_ATTENTION, PENDING, WAITING, SubmissionStatus
from vendors.models import Connection

S = SubmissionStatus
M = TypeVar("M", bound=Model)

VIEW_ALL = "leadhub.view_all_leads"
# From each scoped model to the user who owns a row: a submission belongs to its lead's
# owner (not to whoever queued it: a manager's follow-up on a lead stays the seller's).
OWNER_PATHS: dict[type[Model], str] = {Lead: "owner", Submission: "lead__owner"}


# --- who sees what ---------------------------------------------------------------------


def sees_everything(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(VIEW_ALL)))


def visible_rows(user: Any, rows: QuerySet[M]) -> QuerySet[M]:
    """``rows`` narrowed to what ``user`` may see (``rows`` keeps its ordering and joins)."""
    if sees_everything(user):
        return rows
    if not user.is_authenticated:
        return rows.none()
    return rows.filter(**{OWNER_PATHS[rows.model]: user})


def user_access_columns(user_id: int) -> dict[str, Any]:
    """What decides whether the user with ``user_id`` may read a lead, as expressions to
    annotate onto the lead's own query, so that the answer costs no query of its own:
    ``staff_password`` (None unless the user is active staff: the admin's own gate),
    ``superuser``, ``may_view`` (``leadhub.view_lead`` or ``change_lead``, directly or
    through a group) and ``sees_all`` (``VIEW_ALL``). ``lead_readable`` reads them."""
    staff = get_user_model().objects.filter(pk=user_id, is_active=True, is_staff=True)
    held = Permission.objects.filter(
        Q(user=user_id) | Q(group__user=user_id), content_type__app_label="leadhub"
    )
    return {
        "staff_password": Subquery(staff.values("password")[:1]),
        "superuser": Exists(staff.filter(is_superuser=True)),
        "may_view": Exists(held.filter(codename__in=("view_lead", "change_lead"))),
        "sees_all": Exists(held.filter(codename=VIEW_ALL.split(".")[1])),
    }


USER_ACCESS_FIELDS = ("staff_password", "superuser", "may_view", "sees_all")


def lead_readable(user_id: int, owner_id: int | None, access: Any) -> bool:
    """``user_access_columns`` as read (in ``USER_ACCESS_FIELDS`` order): may the user
    open the lead owned by ``owner_id`` in the admin? The same rule as ``visible_rows``
    and the admin's view permission, for a user not loaded."""
    password, superuser, may_view, sees_all = access
    if password is None:
        return False
    if superuser:
        return True
    return bool(may_view) and (bool(sees_all) or owner_id == user_id)


def visible_leads(user: Any) -> QuerySet[Lead]:
    return visible_rows(user, Lead.objects.all())


def visible_submissions(user: Any) -> QuerySet[Submission]:
    return visible_rows(user, Submission.objects.all())


def row_visible(user: Any, row: Model) -> bool:
    """The single-row form of ``visible_rows``, read from the row without a query."""
    if sees_everything(user):
        return True
    *relations, owner = OWNER_PATHS[type(row)].split("__")
    holder: Any = row
    for name in relations:
        holder = getattr(holder, name, None)
        if holder is None:
            return False
    owner_id = getattr(holder, f"{owner}_id", None)
    return owner_id is not None and owner_id == user.pk


# --- what needs a person ---------------------------------------------------------------


def stuck_by_status(*, now: datetime) -> dict[str, Q]:
    """Per pending status, the rows the dispatcher counts as lost (same fields, same
    comparisons), so what the admin calls stuck is what recovery acts on."""
    running = Q(connection__paused_at__isnull=True)
    stale_lease = now - timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    lost_after = now - timedelta(seconds=settings.SUBMISSION_REQUEUE_AFTER)
    return {
        # A dead worker's lease is recovered even on a paused connection.
        S.SENDING: Q(status=S.SENDING, sent_at__lt=stale_lease),
        # A row never handed to the broker counts from its creation.
        S.QUEUED: running
        & Q(status=S.QUEUED)
        & (Q(enqueued_at__lt=lost_after) | Q(enqueued_at__isnull=True, created_at__lt=lost_after)),
        S.RETRY_WAIT: running & Q(status=S.RETRY_WAIT, next_attempt_at__lte=now - RETRY_LOST_AFTER),
    }


def stuck_q(*, now: datetime) -> Q:
    q = Q()
    for stuck in stuck_by_status(now=now).values():
        q |= stuck
    return q


def needs_attention_q(*, now: datetime) -> Q:
    return Q(status__in=NEEDS_ATTENTION) | stuck_q(now=now)


def held_q() -> Q:
    """Waiting rows a paused connection keeps until it resumes: on purpose, not stuck."""
    return Q(connection__paused_at__isnull=False, status__in=WAITING)


def attention_counts(submissions: QuerySet[Submission], *, now: datetime) -> dict[str, int]:
    """How many of ``submissions`` need a person, in one aggregate: one count per status
    of ``NEEDS_ATTENTION`` (``"exhausted"``, ``"uncertain"``) and per stuck status
    (``"stuck_queued"``, ``"stuck_sending"``, ``"stuck_retry_wait"``)."""
    counts = {str(status): Count("pk", filter=Q(status=status)) for status in NEEDS_ATTENTION}
    for status, stuck in stuck_by_status(now=now).items():
        counts[f"stuck_{status}"] = Count("pk", filter=stuck)
    # The status filter lets the database read only these statuses off its status index.
    return submissions.filter(status__in=NEEDS_ATTENTION | PENDING).aggregate(**counts)


def connections_paused() -> QuerySet[Connection]:
    return Connection.objects.filter(paused_at__isnull=False)
