from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from leadhub.api.views import api
from leadhub.api.web_forms import web_form_receive, web_form_receive_routed


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages that name no icon (JSON, the sandbox). The
    icon's URL is worked out per request: the static manifest may not exist at import."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("leadhub/favicon.svg")


admin.site.site_header = "LeadHub"
admin.site.site_title = "LeadHub"
admin.site.index_title = "Leads and vendor integrations"
# The app list is on the home page and in the breadcrumbs; without the side bar a list has
# the whole width of a 1366 px screen for its columns.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    # Before the API's own routes: posted as an HTML form, not JSON.
    path("api/v1/forms", web_form_receive_routed, name="api_web_form_routed"),
    path("api/v1/forms/<slug:slug>", web_form_receive, name="api_web_form"),
    path("api/v1/", api.urls),
    path("favicon.ico", FaviconView.as_view()),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
