from __future__ import annotations

from django.urls import path

from vendors.sandbox import leadbyte

app_name = "sandbox"

urlpatterns = [
    path("leadbyte/restapi/v1.2/campaigns", leadbyte.campaigns),
    path("leadbyte/restapi/v1.2/campaigns/<str:campaign_id>", leadbyte.campaign_detail),
    path("leadbyte/restapi/v1.2/leads", leadbyte.create_lead),
    path("leadbyte/restapi/v1.2/apiqueue/<str:queue_id>", leadbyte.queue_status),
]
