"""`manage.py retry_clock`: hand each retry, a submission's or a webhook delivery's, to the
worker within a second of its due time."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from leadhub.delivery.retry_clock import retries_hand_out, retry_clock_run
from leadhub.webhooks.sweep import webhook_retries_hand_out


class Command(BaseCommand):
    help = "Run the retry clock: enqueue due retries every RETRY_CLOCK_TICK seconds."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Retry clock running, every {settings.RETRY_CLOCK_TICK} s.")
        retry_clock_run(
            tick=settings.RETRY_CLOCK_TICK,
            stop=stop,
            hand_outs=(retries_hand_out, webhook_retries_hand_out),
        )
