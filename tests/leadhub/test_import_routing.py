"""An import with no destinations ticked follows a route marked for imports: each row is
decided as an API lead is, and a row no destination can take is held with the reason."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db
from django.urls import reverse

from leadhub.attribution.models import SourceKind
from leadhub.attribution.services import SourceDetails
from leadhub.imports.models import ImportJob
from leadhub.imports.services import import_job_create, import_job_run, import_mapping_save
from leadhub.models import Lead
from leadhub.routing.intake import lead_create_and_route
from leadhub.routing.models import DecisionState, RoutingDecision
from tests.factories import CapFactory, RouteFactory, RouteStepFactory
from tests.leadhub.routing.conftest import held_destination
from tests.leadhub.test_imports import csv_bytes, start

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("admin:leadhub_imports_importjob_add")
HEADER = ["First Name", "Email", "Phone"]
CONTACT_MAPPING = {"first_name": "First Name", "email": "Email", "phone": "Phone"}


@pytest.fixture
def import_route():
    """Imports' route: a waterfall to a destination taking one lead a day, then another
    that takes only leads from example.org."""
    route = RouteFactory(name="Import route", for_imports=True)
    first = RouteStepFactory(route=route, destination=held_destination("Daily one"), position=0)
    CapFactory(step=first, period="day", limit=1)
    RouteStepFactory(
        route=route,
        destination=held_destination("Org only"),
        position=1,
        filters=[{"field": "email", "op": "contains", "value": "@example.org"}],
    )
    return route


def routed_job(route, rows: list[list[str]]) -> ImportJob:
    job = import_job_create(
        upload=SimpleUploadedFile("leads.csv", csv_bytes([HEADER, *rows])),
        destinations=[],
        user=None,
        route=route,
    )
    import_mapping_save(job=job, mapping=CONTACT_MAPPING, user=None)
    start(job)
    return job


def test_each_row_is_routed_and_one_nothing_can_take_is_held(import_route) -> None:
    job = routed_job(
        import_route,
        [
            ["Ada", "ada@example.com", "07911 123456"],
            ["Grace", "grace@example.org", "07911 123457"],
            ["Linus", "linus@example.com", "07911 123458"],
            ["Bad", "not-an-email", ""],
        ],
    )
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.imported_rows, job.failed_rows) == (3, 1)
    sent = {
        lead.first_name: [s.destination.name for s in lead.submissions.all()]
        for lead in Lead.objects.all()
    }
    assert sent == {"Ada": ["Daily one"], "Grace": ["Org only"], "Linus": []}
    decisions = {d.lead.first_name: d for d in RoutingDecision.objects.select_related("lead")}
    assert {d.source for d in decisions.values()} == {"import"}
    linus = decisions["Linus"]
    assert linus.state == DecisionState.HELD and "day cap" in linus.held_reason
    assert Lead.objects.get(first_name="Ada").source.import_job_id == job.pk


def test_the_upload_offers_routes_for_imports_and_needs_one_choice(
    admin_client, import_route
) -> None:
    RouteFactory(name="Staff only", for_staff=True)
    page = admin_client.get(UPLOAD_URL).content.decode()
    assert "Or route each row" in page and "Import route" in page
    assert "Staff only" not in page
    data = csv_bytes([HEADER, ["Ada", "ada@example.com", "07911 123456"]])
    neither = admin_client.post(UPLOAD_URL, {"file": SimpleUploadedFile("a.csv", data)})
    assert "Choose at least one destination." in neither.content.decode()
    routed = admin_client.post(
        UPLOAD_URL, {"route": import_route.pk, "file": SimpleUploadedFile("a.csv", data)}
    )
    assert routed.status_code == 302
    job = ImportJob.objects.get()
    assert job.route == import_route and not job.destinations.exists()
    mapping = admin_client.get(routed["Location"])
    assert mapping.status_code == 200


def test_a_route_switched_off_stops_the_import_before_any_row(import_route) -> None:
    job = routed_job(import_route, [["Ada", "ada@example.com", "07911 123456"]])
    import_route.is_active = False
    import_route.save()
    assert import_job_run(job_id=job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "its route is switched off" in job.message
    assert not Lead.objects.exists()


def contact_row(n: int) -> list[str]:
    return [f"Row{n}", f"row{n}@example.org", f"07911 {200000 + n}"]


class WorkerKilled(BaseException):
    """The worker's process ending mid-chunk: nothing in the task catches it."""


def test_a_routed_import_stopped_mid_chunk_resumes_after_its_last_committed_row(
    import_route, settings, monkeypatch
) -> None:
    settings.IMPORT_CHUNK_ROWS = 10_000
    rows = [contact_row(n) for n in range(6)]
    rows.insert(2, ["Bad", "not-an-email", ""])
    job = routed_job(import_route, rows)
    routed: list[int] = []

    def dies_on_the_fifth(**kwargs: Any) -> Any:
        if len(routed) == 4:
            raise WorkerKilled
        routed.append(1)
        return lead_create_and_route(**kwargs)

    monkeypatch.setattr("leadhub.imports.saving.lead_create_and_route", dies_on_the_fifth)
    with pytest.raises(WorkerKilled):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    # Four routed rows and the bad row between them committed, each with its progress.
    assert (job.processed_rows, job.imported_rows, job.failed_rows) == (5, 4, 1)
    assert Lead.objects.count() == 4
    monkeypatch.setattr("leadhub.imports.saving.lead_create_and_route", lead_create_and_route)
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.processed_rows, job.imported_rows, job.failed_rows) == (7, 6, 1)
    names = sorted(Lead.objects.values_list("first_name", flat=True))
    assert names == [f"Row{n}" for n in range(6)]
    assert RoutingDecision.objects.count() == 6


needs_postgresql = pytest.mark.skipif(
    db.vendor != "postgresql", reason="locks held across connections need PostgreSQL"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_api_lead_on_the_route_is_decided_while_a_routed_import_runs(
    settings, monkeypatch
) -> None:
    settings.IMPORT_CHUNK_ROWS = 10_000
    route = RouteFactory(name="Shared route", for_imports=True)
    step = RouteStepFactory(route=route, destination=held_destination("Everyone"), position=0)
    CapFactory(step=step, period="day", limit=100_000)  # every lead takes its counter's lock
    job = routed_job(route, [contact_row(n) for n in range(200)])
    failed: list[BaseException] = []
    routed: list[int] = []
    under_way = threading.Event()

    def route_and_tell(**kwargs: Any) -> Any:
        answer = lead_create_and_route(**kwargs)
        routed.append(1)
        if len(routed) == 5:
            under_way.set()  # the import holds the route's counter now, in its transaction
        return answer

    monkeypatch.setattr("leadhub.imports.saving.lead_create_and_route", route_and_tell)

    def run() -> None:
        try:
            import_job_run(job_id=job.pk)
        except BaseException as error:
            failed.append(error)
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert under_way.wait(30)
        with db.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        lead, decision = lead_create_and_route(
            contact={"first_name": "Api", "email": "api@example.com", "phone": "07700 900123"},
            route=route,
            source=SourceDetails(kind=SourceKind.API),
        )
        with db.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
        assert len(routed) < 200
        assert decision.state != DecisionState.HELD
        assert [s.destination.name for s in lead.submissions.all()] == ["Everyone"]
    finally:
        thread.join(120)
    assert failed == []
    assert ImportJob.objects.get(pk=job.pk).imported_rows == 200
