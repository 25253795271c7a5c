"""Helpers for the lead entry flow: carrying the typed data through the preview, and the
campaign changes staff should know about before they send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest

from vendors.drift import open_changes_by_campaign
from vendors.models import CampaignChange, Destination

# Buttons and the CSRF token are the page's own; everything else is what staff typed.
# The duplicate tick is given on the preview itself, each time it is shown.
SEND_DUPLICATES = "send_duplicates"
NOT_CARRIED = frozenset({"csrfmiddlewaretoken", "confirm", "edit", SEND_DUPLICATES})


def carried_post_data(request: HttpRequest) -> list[tuple[str, str]]:
    """Every posted name/value pair, to be posted again as hidden inputs on Confirm or Edit.

    Generic on purpose: whatever the entry form holds (repeated fields, formsets) comes
    back exactly as typed, and the form is validated again on the way back.
    """
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]


@dataclass
class DriftWarning:
    destination: Destination
    changes: list[CampaignChange]

    @property
    def descriptions(self) -> list[str]:
        return [text for change in self.changes for text in change.descriptions()]

    @property
    def since(self) -> object:
        return self.changes[-1].detected_at if self.changes else None


def destination_drift_warnings(destinations: Sequence[Destination]) -> list[DriftWarning]:
    """For each destination whose campaign changed and nobody acknowledged it yet."""
    by_campaign = open_changes_by_campaign(d.campaign_id for d in destinations)
    return [
        DriftWarning(destination=d, changes=by_campaign[d.campaign_id])
        for d in destinations
        if d.campaign_id in by_campaign
    ]
