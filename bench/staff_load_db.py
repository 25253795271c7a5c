"""The staff-load benchmark's work inside LeadHub: its sales users, the demo destinations, and
the check after a run. Run in the server's own settings through ``manage.py shell -c`` (the
benchmark's parent process never sets up Django: it runs two databases one after another).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models import Count

from bench.staff_sessions import staff_username
from leadhub.demo import demo_connections_ensure, demo_destinations_ensure, sales_staff_grant
from leadhub.models import Lead, Submission
from leadhub.statuses import PENDING


def staff_ensure(count: int, password: str) -> None:
    """``count`` sales users, each in the Sales staff role, all with ``password``."""
    User = get_user_model()
    for number in range(1, count + 1):
        user, created = User.objects.get_or_create(username=staff_username(number))
        if created:
            user.set_password(password)
            user.save()
            sales_staff_grant(user)


def demo_ensure(base_url: str) -> None:
    """The connections and destinations `make run` sets up, pointing at this server (its
    logins are left alone: the benchmark brings its own users)."""
    demo_connections_ensure(base_url)
    demo_destinations_ensure(lambda message: None)


def run_check(confirmed_file: str, tag: str, per_lead: int, ended_at: float, drain: float) -> None:
    """Print, as JSON: the leads of run ``tag`` against those the staff saw confirmed (none
    lost, none doubled), the submissions pending when the check began and the time to
    drain them, and every submission's final status."""
    confirmed = {int(pk): email for pk, email in json.loads(Path(confirmed_file).read_text())}
    leads = Lead.objects.filter(email__startswith=f"staff.{tag}.")
    found = dict(leads.values_list("pk", "email"))
    by_email = Counter(found.values())
    submissions = Submission.objects.filter(lead__in=leads)
    wrong_count = (
        leads.annotate(n=Count("submissions")).exclude(n=per_lead).values_list("pk", flat=True)
    )
    began = time.time()
    pending_at_start = submissions.filter(status__in=PENDING).count()
    pending = pending_at_start
    while pending and time.time() - began < drain:
        time.sleep(0.5)
        pending = submissions.filter(status__in=PENDING).count()
    drained = time.time() - began if not pending else None
    statuses = Counter(submissions.values_list("status", flat=True))
    print(
        json.dumps(
            {
                "confirmed": len(confirmed),
                "created": len(found),
                "lost": sorted(set(confirmed) - set(found)),
                "unconfirmed": sorted(set(found) - set(confirmed)),
                "doubled": sorted(e for e, n in by_email.items() if n > 1),
                "wrong_submission_count": list(wrong_count),
                "check_began_after": began - ended_at,
                "pending_at_start": pending_at_start,
                "pending_left": pending,
                "drain_seconds": drained,
                "statuses": dict(statuses),
            }
        )
    )
