"""django-q2 tasks for imports: thin, they take primary keys."""

from __future__ import annotations

from leadhub.imports.services import import_job_run, import_time_budget


def run_import(job_id: int) -> str:
    return import_job_run(job_id=int(job_id), time_budget=import_time_budget())
