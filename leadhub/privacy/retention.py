"""Personal data kept only as long as the policy says, pruned in small transactions.

Three kinds, each with its own setting (days; 0 keeps it forever):

- attempt bodies (RETAIN_ATTEMPT_BODIES_DAYS): an attempt's request and response body are
  emptied; its number, kind, time, duration, status code, outcome and message stay;
- accepted submissions' payloads (RETAIN_ACCEPTED_PAYLOADS_DAYS): the fields sent and the
  vendor's parsed answer are emptied; status, reference and times stay;
- leads' IP addresses and browsers (RETAIN_SOURCE_ADDRESSES_DAYS): forgotten from the
  lead's source; where it came from (the campaign, the pages) stays;
- leads (RETAIN_LEADS_DAYS): anonymised in place as an erasure does it (erasure.py), with
  their submissions and attempts. Not deleted: their submissions stay, so every count the
  dashboard and the lists show for any period stays what it was. A lead with a submission
  still pending is left for the next run;
- campaign syncs (RETAIN_CAMPAIGN_SYNCS_DAYS): who started a LeadByte campaign sync and
  what it found, deleted (vendors.campaign_sync, their one writer), each connection's
  newest kept.

Each batch is one short transaction over at most RETENTION_BATCH_SIZE rows picked by key,
so no table is locked for long and sends go on meanwhile; a run stops after
RETENTION_MAX_BATCHES batches of a kind and the next run continues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from leadhub.attribution.models import LeadSource
from leadhub.attribution.services import lead_source_addresses_forget
from leadhub.audit.services import AuditAction, audit_record
from leadhub.models import Attempt, Lead, Submission
from leadhub.privacy.erasure import Scrubber, leads_anonymise
from leadhub.privacy.models import RetentionRun
from leadhub.privacy.person import person_values
from leadhub.statuses import PENDING, SubmissionStatus
from vendors.campaign_sync import campaign_syncs_due, campaign_syncs_prune

S = SubmissionStatus


@dataclass(frozen=True)
class RetentionRule:
    key: str
    label: str
    days: int

    @property
    def kept(self) -> str:
        return "kept forever" if self.days <= 0 else f"{self.days} days"


def retention_policy() -> list[RetentionRule]:
    return [
        RetentionRule(
            "attempt_bodies",
            "Vendor exchanges' request and response bodies",
            settings.RETAIN_ATTEMPT_BODIES_DAYS,
        ),
        RetentionRule(
            "payloads",
            "Fields sent in accepted submissions",
            settings.RETAIN_ACCEPTED_PAYLOADS_DAYS,
        ),
        RetentionRule(
            "source_addresses",
            "Leads' IP addresses and browsers",
            settings.RETAIN_SOURCE_ADDRESSES_DAYS,
        ),
        RetentionRule("leads", "Leads (anonymised in place)", settings.RETAIN_LEADS_DAYS),
        RetentionRule(
            "campaign_syncs",
            "Campaign syncs: who started each and what it found (each connection's newest kept)",
            settings.RETAIN_CAMPAIGN_SYNCS_DAYS,
        ),
    ]


def attempts_due(cutoff: datetime) -> QuerySet[Attempt]:
    filled = ~Q(request={}) | ~Q(response_body="")
    return Attempt.objects.filter(filled, started_at__lt=cutoff)


def payloads_due(cutoff: datetime) -> QuerySet[Submission]:
    filled = ~Q(payload={}) | ~Q(response_data={})
    return Submission.objects.filter(filled, status=S.ACCEPTED, created_at__lt=cutoff)


def source_addresses_due(cutoff: datetime) -> QuerySet[LeadSource]:
    held = Q(ip_address__isnull=False) | ~Q(user_agent="")
    return LeadSource.objects.filter(held, created_at__lt=cutoff)


def leads_due(cutoff: datetime) -> QuerySet[Lead]:
    pending = Submission.objects.filter(lead=OuterRef("pk"), status__in=PENDING)
    return Lead.objects.filter(created_at__lt=cutoff, erased_at__isnull=True).exclude(
        Exists(pending)
    )


def _batches(due: QuerySet, prune: Callable[[list[int]], int]) -> tuple[int, bool]:
    """Prune ``due`` batch by batch; (rows pruned, whether rows were left for next time)."""
    done = 0
    after = 0
    for _ in range(max(1, settings.RETENTION_MAX_BATCHES)):
        ids = list(
            due.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[: max(1, settings.RETENTION_BATCH_SIZE)]
        )
        if not ids:
            return done, False
        with transaction.atomic():
            done += prune(ids)
        after = ids[-1]
    return done, due.filter(pk__gt=after).exists()


def _empty_attempts(cutoff: datetime) -> Callable[[list[int]], int]:
    def prune(ids: list[int]) -> int:
        return attempts_due(cutoff).filter(pk__in=ids).update(request={}, response_body="")

    return prune


def _empty_payloads(cutoff: datetime) -> Callable[[list[int]], int]:
    def prune(ids: list[int]) -> int:
        rows = payloads_due(cutoff).filter(pk__in=ids)
        return rows.update(payload={}, response_data={}, updated_at=timezone.now())

    return prune


def _forget_source_addresses(cutoff: datetime) -> Callable[[list[int]], int]:
    def prune(ids: list[int]) -> int:
        # A source's key is its lead's.
        return lead_source_addresses_forget(lead_ids=ids)

    return prune


def _anonymise_leads(cutoff: datetime) -> Callable[[list[int]], int]:
    def prune(ids: list[int]) -> int:
        # Locked, and checked again under the lock: a resend may have queued one meanwhile.
        leads = list(leads_due(cutoff).filter(pk__in=ids).select_for_update().order_by("pk"))
        if not leads:
            return 0
        values = person_values(
            Lead.objects.filter(pk__in=[lead.pk for lead in leads]).prefetch_related("submissions"),
            (),
        )
        leads_anonymise(leads, Scrubber(values))
        return len(leads)

    return prune


def _delete_campaign_syncs(cutoff: datetime) -> Callable[[list[int]], int]:
    def prune(ids: list[int]) -> int:
        return campaign_syncs_prune(ids=ids, cutoff=cutoff)

    return prune


def retention_prune(*, now: datetime | None = None) -> RetentionRun:
    """Apply the policy once and record what it did (counts only)."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(
        started_at=now, policy={rule.key: rule.days for rule in retention_policy()}
    )
    pruners = {
        "attempt_bodies": (attempts_due, _empty_attempts),
        "payloads": (payloads_due, _empty_payloads),
        "source_addresses": (source_addresses_due, _forget_source_addresses),
        "leads": (leads_due, _anonymise_leads),
        "campaign_syncs": (campaign_syncs_due, _delete_campaign_syncs),
    }
    more = False
    for rule in retention_policy():
        if rule.days <= 0:
            continue
        cutoff = now - timedelta(days=rule.days)
        due, pruner = pruners[rule.key]
        count, left = _batches(due(cutoff), pruner(cutoff))
        setattr(run, rule.key, count)
        more = more or left
    run.more_to_do = more
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        None,
        AuditAction.PRUNED,
        run,
        attempt_bodies=run.attempt_bodies,
        payloads=run.payloads,
        leads=run.leads,
        source_addresses=run.source_addresses,
        campaign_syncs=run.campaign_syncs,
    )
    return run
