"""Where a person's data being exported or erased is recorded.

One function, so that the audit log is called from one place once it exists. It is given
counts and keys only: never the person's email, phone or any value that was erased.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Model

logger = logging.getLogger("leadhub.privacy")


def privacy_audit(actor: Any, action: str, obj: Model | None, **details: Any) -> None:
    # audit: call audit_record here once leadhub.audit lands
    # (audit_record(actor, action, obj, **details), inside the caller's transaction).
    logger.info(
        "%s by %s on %s: %s",
        action,
        getattr(actor, "pk", None) or "the retention prune",
        f"{type(obj).__name__} #{obj.pk}" if obj is not None else "-",
        ", ".join(f"{key}={value}" for key, value in sorted(details.items())),
    )
