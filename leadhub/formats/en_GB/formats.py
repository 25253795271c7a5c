"""British English as Django has it, but a time on the 24-hour clock: "3 Dec 2026 14:05" on
every page, the same in lists, detail pages, the lead page and the dashboard."""

from __future__ import annotations

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
