"""django-q2 task of the audit log (its dotted name is stored in a schedule: keep it)."""

from __future__ import annotations

from leadhub.audit.services import audit_prune


def prune_audit_log() -> int:
    return audit_prune()
