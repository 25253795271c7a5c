from __future__ import annotations

from django.urls import include, path

from sandbox import crmcom, getlead, leadbyte
from sandbox.salesbyte import customer_pages, integration_api, quotes_api

app_name = "sandbox"

salesbyte_urls = [
    path("integrations/create_brandawareness", integration_api.create_brandawareness),
    path("integrations/create_quote", integration_api.create_quote),
    path("integrations/create_quote/template", integration_api.create_quote_template),
    path("api/quotes", quotes_api.quote_list),
    path("api/quotes/<str:key>", quotes_api.quote_detail),
    path("view/<str:key>", customer_pages.customer_view, name="salesbyte-view"),
    path("signed/<str:key>", customer_pages.customer_signed, name="salesbyte-signed"),
    path("offerter/<int:quote_id>/redigera", customer_pages.quote_edit, name="salesbyte-edit"),
]

urlpatterns = [
    path("leadbyte/restapi/v1.2/campaigns", leadbyte.campaigns),
    path("leadbyte/restapi/v1.2/campaigns/<str:campaign_id>", leadbyte.campaign_detail),
    path("leadbyte/restapi/v1.2/leads", leadbyte.create_lead),
    path("leadbyte/restapi/v1.2/leads/search", leadbyte.search_leads),
    path("leadbyte/restapi/v1.2/apiqueue/<str:queue_id>", leadbyte.queue_status),
    path("salesbyte/", include(salesbyte_urls)),
]

# CRM.COM: the login token, its release, leads/create.
urlpatterns += [
    path("crmcom/crmapi/rest/v2/authentication/token", crmcom.token),
    path("crmcom/crmapi/rest/v2/authentication/token/release", crmcom.release),
    path("crmcom/crmapi/rest/v2/leads/create", crmcom.create_lead),
]

# Getlead (GL Connect legacy API): lead, task, note, status, deal, department assignment.
urlpatterns += [
    path(f"getlead/api/{endpoint}", view) for endpoint, view in getlead.ENDPOINTS.items()
]
urlpatterns += [
    path("getlead/api/gl-department-vise-agent-assign/<str:token>", getlead.assign_department),
]
