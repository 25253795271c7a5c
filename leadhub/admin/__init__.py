from __future__ import annotations

from leadhub.admin import leads, submissions  # noqa: F401 - registers the admins
