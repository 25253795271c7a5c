from __future__ import annotations

from django.urls import path

from vendors.sandbox import crmcom, getlead, leadbyte

app_name = "sandbox"

urlpatterns = [
    path("leadbyte/restapi/v1.2/campaigns", leadbyte.campaigns),
    path("leadbyte/restapi/v1.2/campaigns/<str:campaign_id>", leadbyte.campaign_detail),
    path("leadbyte/restapi/v1.2/leads", leadbyte.create_lead),
    path("leadbyte/restapi/v1.2/apiqueue/<str:queue_id>", leadbyte.queue_status),
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
