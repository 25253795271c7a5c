"""Template tags for LeadHub's admin pages."""

from __future__ import annotations

from typing import Any

from django import template

from leadhub.services.attention import needs_attention_summary

register = template.Library()


@register.simple_tag
def needs_attention() -> Any:
    """The data behind the "needs attention" panel (see leadhub.services.attention)."""
    return needs_attention_summary()
