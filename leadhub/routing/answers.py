"""A lead's routing as the API answers it, and in plain words for the lead page."""

from __future__ import annotations

from typing import Any

from leadhub.routing.models import RoutingDecision


def routing_answer(decision: RoutingDecision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "route": decision.route.name if decision.route else "",
        "source": decision.source,
        "state": decision.state,
        "state_label": decision.get_state_display(),
        "held_reason": decision.held_reason,
        "timeline": decision.entries(),
    }


def timeline_lines(decision: RoutingDecision) -> list[str]:
    """Each step of the timeline as a sentence: a destination considered and each check."""
    return entries_lines(decision.entries())


def entries_lines(entries: list[dict[str, Any]]) -> list[str]:
    """Timeline entries as sentences (a decision's, or one that would be: the preview's)."""
    lines = []
    for entry in entries:
        if entry.get("kind") != "considered":
            lines.append(str(entry.get("words", "")))
            continue
        checks = entry.get("checks") or []
        name = entry.get("name", entry.get("destination", "?"))
        if entry.get("eligible"):
            passed = ", ".join(str(c.get("words")) for c in checks)
            lines.append(f"{name} could take it ({passed}).")
        else:
            failed: dict[str, Any] = next((c for c in checks if not c.get("ok")), {})
            lines.append(f"{name} was left out: {failed.get('words', 'not eligible')}.")
    return lines
