"""One lead, entered once, sent to every vendor at once through the demo's destinations."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leadhub.demo import demo_connections_ensure, demo_destinations_ensure
from leadhub.models import Lead
from leadhub.statuses import SubmissionStatus
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{8}$")
LINKS = {"edit", "customer_view", "customer_verificate", "customer_project_approval"}
NAMES = [
    "LeadByte · Example Campaign A",
    "SalesByte · Lead (brand awareness)",
    "SalesByte · Quote",
    "SalesByte · Quote from template",
    "CRM.COM · Web lead",
    "Getlead · Website enquiry",
]


def test_a_lead_entered_once_reaches_all_four_vendors(admin_client, live_server) -> None:
    demo_connections_ensure(live_server.url)
    demo_destinations_ensure(lambda message: None)
    destinations = {d.name: d for d in Destination.objects.filter(name__in=NAMES)}
    assert sorted(destinations) == sorted(NAMES)
    query = "&".join(f"destinations={d.pk}" for d in destinations.values())
    leadbyte = destinations["LeadByte · Example Campaign A"]
    url = f"{reverse('admin:leadhub_lead_add')}?{query}"
    # The hidden inputs a browser posts back (the quote alternatives' row counts).
    hidden = dict(
        re.findall(
            r'type="hidden" name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" '
            r'value="(\d+)"',
            admin_client.get(url).content.decode(),
        )
    )
    assert hidden, "the quote's alternatives rows are on the form"
    response = admin_client.post(
        url,
        {
            **hidden,
            "confirm": "1",  # past the preview
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "phone": "07911 123456",
            "company": "Navy",
            f"d{leadbyte.pk}__data13": "Volvo",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    lead = Lead.objects.get()
    by_name = {s.destination.name: s for s in lead.submissions.select_related("destination")}
    assert sorted(by_name) == sorted(NAMES)
    for name, submission in by_name.items():
        assert submission.status == SubmissionStatus.ACCEPTED, (name, submission.vendor_message)

    assert QUEUE_ID.match(by_name["LeadByte · Example Campaign A"].vendor_reference)
    for name in ("SalesByte · Lead (brand awareness)", "SalesByte · Quote"):
        assert by_name[name].vendor_reference.isdigit()
        assert set(by_name[name].links) == LINKS
    assert (
        "created the quote from the template"
        in by_name["SalesByte · Quote from template"].vendor_message
    )
    crm = by_name["CRM.COM · Web lead"]
    assert re.fullmatch(r"[0-9A-F]{32}", crm.vendor_reference)
    assert "LD" in crm.vendor_message
    assert by_name["Getlead · Website enquiry"].vendor_message
    assert by_name["Getlead · Website enquiry"].payload["countrycode"] == "44"

    page = admin_client.get(response["Location"]).content.decode()
    assert by_name["LeadByte · Example Campaign A"].vendor_reference in page
    assert crm.vendor_reference in page
    assert page.count("Customer view") >= 2
