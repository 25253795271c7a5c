"""What the preview and the finished import tell the person importing, in plain words.

The preview checks the first rows only; when that is the whole file its counts are exact, and
the import button says what will happen ("Import 16 rows (4 left out)"). A preview whose rows
all fail offers no import at all: the file (or the mapping) needs fixing first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from leadhub.imports.models import ImportJob

REASONS_SHOWN = 5


class CheckedRow(Protocol):
    @property
    def errors(self) -> list[str]: ...


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class PreviewVerdict:
    total: int  # rows in the file
    checked: int  # rows the preview checked (the first ones)
    failing: int  # of those, rows that would be left out
    reasons: list[tuple[str, int]]  # each distinct problem, and in how many checked rows

    @property
    def whole_file(self) -> bool:
        return self.checked >= self.total

    @property
    def importable(self) -> bool:
        """False when every checked row fails: importing would bring in nothing (or, on a
        bigger file, almost certainly nothing: the same mistake runs through it)."""
        return self.checked > 0 and self.failing < self.checked

    @property
    def headline(self) -> str:
        scope = _rows(self.total) if self.whole_file else f"first {_rows(self.checked)}"
        if not self.importable:
            return f"None of the {scope} can be imported: fix the file and upload it again."
        if not self.failing:
            return f"All of the {scope} are ready to import."
        left_out = f"{self.failing:,} of the {scope}"
        return f"{left_out} would be left out; rows with errors are not imported."

    @property
    def button_label(self) -> str:
        if self.whole_file:
            label = f"Import {_rows(self.total - self.failing)}"
            return f"{label} ({self.failing:,} left out)" if self.failing else label
        if self.failing:
            return "Import the rows without errors"
        return f"Import {_rows(self.total)}"


def preview_verdict(total: int, rows: Sequence[CheckedRow]) -> PreviewVerdict:
    """Sum up the preview's checked rows: how many fail, and the commonest reasons why."""
    reasons: Counter[str] = Counter()
    failing = 0
    for row in rows:
        if row.errors:
            failing += 1
            reasons.update(set(row.errors))
    return PreviewVerdict(
        total=total,
        checked=len(rows),
        failing=failing,
        reasons=reasons.most_common(REASONS_SHOWN),
    )


@dataclass(frozen=True)
class ImportOutcome:
    level: str  # "info", "success", "warning" or "error", as the admin's messages
    text: str


def import_outcome_describe(job: ImportJob) -> ImportOutcome:
    """The one sentence at the top of an import's page: where it stands or how it ended."""
    S = ImportJob.Status
    if job.status in (S.QUEUED, S.RUNNING, S.MAPPING):
        return ImportOutcome("info", f"{job.get_status_display()}: this page refreshes by itself.")
    if job.status == S.FAILED:
        return ImportOutcome(
            "error", f"Stopped after {_rows(job.processed_rows)}: {job.imported_rows:,} imported."
        )
    if not job.imported_rows:
        return ImportOutcome(
            "warning",
            f"Nothing was imported: all {_rows(job.failed_rows)} were left out. "
            "Download them with their errors, fix them and upload the file again.",
        )
    leads = f"{job.imported_rows:,} lead{'' if job.imported_rows == 1 else 's'} imported"
    if job.failed_rows:
        return ImportOutcome("warning", f"Done: {leads}, {_rows(job.failed_rows)} left out.")
    return ImportOutcome("success", f"Done: {leads}.")
