"""Mask again every stored vendor text with every form of each connection's credentials.

The data migration ``leadhub 0007`` runs the same service once; run this again after a
credential changes, or at any time: it changes only what still holds a credential, and says
per table how many rows it read and changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from leadhub.models import Attempt, Submission
from leadhub.services.remask import BATCH_SIZE, stored_texts_remask
from vendors.models import Connection


class Command(BaseCommand):
    help = "Mask again every stored vendor text with every form of its connection's credentials."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="Rows per transaction."
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        reports = stored_texts_remask(
            attempt_model=Attempt,
            submission_model=Submission,
            connection_model=Connection,
            batch_size=batch_size,
        )
        for report in reports:
            self.stdout.write(str(report))
