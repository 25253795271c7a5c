"""Follow-ups: a vendor operation about a lead the vendor already has (a Getlead note, task,
status change or deal), started from the lead's page.

A follow-up is a submission without a destination: the connection and the operation say
where it goes, the lead's own contact details say which lead it is about (Getlead finds
it by phone), and it is pushed in the background like every other submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from leadhub.delivery.outbox import submission_enqueue
from leadhub.models import Lead, Submission
from leadhub.services.leads import contact_values, lead_contact, payload_build
from leadhub.statuses import DELIVERED
from vendors.fieldspec import FieldSpec
from vendors.models import Connection
from vendors.registry import adapter_class, implemented_kinds
from vendors.results import Operation


class FollowUpRefused(Exception):
    """A follow-up that cannot be sent as asked; the message says why, in plain words."""


@dataclass(frozen=True)
class FollowUpChoice:
    connection: Connection
    operation: Operation

    @property
    def key(self) -> str:
        return f"{self.connection.pk}:{self.operation.name}"

    @property
    def label(self) -> str:
        return f"{self.connection.name} · {self.operation.label}"


def follow_up_kinds() -> list[str]:
    return [
        kind
        for kind in implemented_kinds()
        if any(op.follow_up for op in adapter_class(kind).operations.values())
    ]


def follow_up_connections() -> QuerySet[Connection]:
    return Connection.objects.filter(kind__in=follow_up_kinds(), is_active=True)


def follow_up_connections_with(lead: Lead) -> QuerySet[Connection]:
    """The follow-up connections that have ``lead``: one took a send of it to a destination
    (Getlead returns no id; it keys its enquiry on the phone, which a follow-up sends)."""
    taken = Submission.objects.filter(
        lead=lead, destination__isnull=False, status__in=DELIVERED
    ).values("connection_id")
    return follow_up_connections().filter(pk__in=taken)


def follow_up_kinds_for(lead: Lead) -> list[str]:
    """The vendors whose follow-ups the lead's page offers: those that have the lead."""
    kinds = set(follow_up_connections_with(lead).values_list("kind", flat=True))
    return [kind for kind in follow_up_kinds() if kind in kinds]


def follow_up_choices(kind: str = "", *, lead: Lead | None = None) -> list[FollowUpChoice]:
    connections = follow_up_connections() if lead is None else follow_up_connections_with(lead)
    if kind:
        connections = connections.filter(kind=kind)
    return [
        FollowUpChoice(connection, operation)
        for connection in connections
        for operation in connection.adapter_class.operations.values()
        if operation.follow_up
    ]


def follow_up_find(key: str, *, lead: Lead | None = None) -> FollowUpChoice | None:
    """The connection and operation named by ``"<connection id>:<operation>"``, if offered
    (for ``lead``: only at a connection that has it)."""
    return next((choice for choice in follow_up_choices(lead=lead) if choice.key == key), None)


def follow_up_staff_specs(operation: Operation) -> list[FieldSpec]:
    """What staff type in; the contact fields come from the lead."""
    return [spec for spec in operation.fields if not spec.contact]


def follow_up_lead_values(operation: Operation, lead: Lead) -> list[tuple[FieldSpec, Any]]:
    """The fields the lead itself fills in, with their values (shown, then sent)."""
    mapped = contact_values(lead_contact(lead))
    return [(spec, mapped.get(spec.contact)) for spec in operation.fields if spec.contact]


def not_there_message(vendor: str, lead: Lead) -> str:
    return (
        f"{vendor} does not have {lead} yet: a follow-up is added to the lead {vendor} "
        f"holds. Send the lead to a {vendor} destination first; once {vendor} has taken "
        "it, its follow-ups are offered here."
    )


@transaction.atomic
def follow_up_create(
    *,
    lead: Lead,
    connection: Connection,
    operation: str,
    values: Mapping[str, Any],
    created_by: Any = None,
) -> Submission:
    """Queue ``operation`` about ``lead`` on ``connection``; pushed once the caller commits."""
    spec = connection.adapter_class.operations.get(operation)
    if spec is None or not spec.follow_up:
        raise FollowUpRefused(f"{connection} has no follow-up called {operation!r}.")
    if not follow_up_connections_with(lead).filter(pk=connection.pk).exists():
        raise FollowUpRefused(not_there_message(connection.get_kind_display(), lead))
    missing = [
        field.label
        for field, value in follow_up_lead_values(spec, lead)
        if field.required and not value
    ]
    if missing:
        raise FollowUpRefused(
            f"{connection.get_kind_display()} finds the lead by its phone, and {lead} has no "
            f"valid phone number ({', '.join(missing)} missing). Add one to the lead first."
        )
    payload = payload_build(
        vendor=connection.adapter_class,
        settings=connection.settings,
        specs=spec.fields,
        contact=lead_contact(lead),
        values=values,
    )
    submission = Submission.objects.create(
        lead=lead,
        destination=None,
        connection=connection,
        operation=operation,
        payload=payload,
        created_by=created_by,
    )
    submission_enqueue(submission_id=submission.pk)
    return submission
