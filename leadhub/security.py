"""Error reports that never carry a secret, and a readable page for unreadable secrets."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.views.debug import SafeExceptionReporterFilter

from leadhub.log_redaction import redact_log_text
from vendors.crypto import UndecryptableValue

logger = logging.getLogger(__name__)


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, widened to LeadHub's secrets.

    Settings, POST parameters and traceback variables are masked when their name says
    secret (credential fields of the connection form included), and every remaining string
    goes through the same masking as log lines.
    """

    hidden_settings = re.compile(
        r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|UUID|AUTHORIZATION",
        flags=re.I,
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True  # mask in DEBUG pages as well: they show the same secrets

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, Any]:
        params = super().get_post_parameters(request)
        if not params:
            return params
        # Django hands back the request's POST (or its cleansed copy): a QueryDict.
        assert isinstance(params, QueryDict)
        cleansed = params.copy()
        for name in list(cleansed):
            if self.hidden_settings.search(name):
                cleansed[name] = self.cleansed_substitute
            else:
                cleansed.setlist(name, [redact_log_text(v) for v in cleansed.getlist(name)])
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_setting(name, value)) for name, value in variables]

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if type(cleansed) is str:  # lazy objects pretend to be str; leave them be
            return redact_log_text(cleansed)
        return cleansed


class UndecryptableValueMiddleware:
    """A stored secret no configured key can read is a configuration fault, not a crash:
    answer with a page that says which value and what to do, and log it once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UndecryptableValue):
            return None
        logger.error("Unreadable stored secret on %s: %s", request.path, exception)
        response = TemplateResponse(
            request,
            "leadhub/undecryptable.html",
            {"message": str(exception), "title": "Stored credentials cannot be read"},
            status=503,
        )
        return response.render()
