"""Small display helpers shared by the admin pages."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from leadhub.statuses import SubmissionStatus

LINK_LABELS = {
    "edit": "Edit in vendor",
    "customer_view": "Customer view",
    "customer_verificate": "Verification",
    "customer_project_approval": "Project approval",
}


@lru_cache(maxsize=64)
def status_badge(status: str) -> SafeString:
    """A status as a badge; a list shows the same dozen badges on every row, so each is
    drawn once per process (the labels are fixed, never translated per request)."""
    label = SubmissionStatus(status).label if status in SubmissionStatus.values else status
    return format_html('<span class="lh-status lh-status-{}">{}</span>', status, label)


def truncated(text: str) -> str:
    """Text a list cuts to its column (``.lh-cut``, an ellipsis), whole in its title."""
    if not text:
        return ""
    # Escaped once for both places (a cell on every row of a list).
    return format_html('<span class="lh-cut" title="{0}">{0}</span>', text)


def safe_link(url: object) -> str | None:
    """A vendor-returned link, only if it is plain http(s)."""
    if not isinstance(url, str):
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else None


def link_buttons(links: dict) -> str:
    items = [
        (url, LINK_LABELS.get(name, name.replace("_", " ").capitalize()))
        for name, raw in (links or {}).items()
        if (url := safe_link(raw))
    ]
    if not items:
        return "—"
    return format_html_join(
        " ",
        '<a class="button lh-link" href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
        items,
    )
