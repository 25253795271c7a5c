from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from leadhub.models import Lead, Submission
from vendors.models import Campaign, CampaignField, Connection, Destination


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")
    email = factory.LazyAttribute(lambda lead: f"{lead.last_name.lower()}@example.com")
    phone = "07911 123456"
    phone_e164 = "+447911123456"


class ConnectionFactory(factory.django.DjangoModelFactory[Connection]):
    class Meta:
        model = Connection

    kind = "leadbyte"
    name = factory.Sequence(lambda n: f"Connection {n}")
    base_url = "https://account.leadbyte.co.uk/"
    credentials = factory.LazyFunction(lambda: {"api_key": "test-leadbyte-key-123456"})


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    connection = factory.SubFactory(ConnectionFactory)
    vendor_id = factory.Sequence(str)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    reference = factory.Sequence(lambda n: f"CAMPAIGN-{n}")


class CampaignFieldFactory(factory.django.DjangoModelFactory[CampaignField]):
    class Meta:
        model = CampaignField

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"data{n}")
    label = factory.LazyAttribute(lambda f: f.name.title())
    data_type = "Text"
    position = factory.Sequence(int)


class DestinationFactory(factory.django.DjangoModelFactory[Destination]):
    class Meta:
        model = Destination

    name = factory.Sequence(lambda n: f"Destination {n}")
    connection = factory.SubFactory(ConnectionFactory)
    operation = "create_lead"
    fixed_values = factory.LazyFunction(lambda: {"sid": "1"})


class SubmissionFactory(factory.django.DjangoModelFactory[Submission]):
    class Meta:
        model = Submission

    lead = factory.SubFactory(LeadFactory)
    destination = factory.SubFactory(DestinationFactory)
    connection = factory.LazyAttribute(lambda s: s.destination.connection)
    operation = factory.LazyAttribute(lambda s: s.destination.operation)
    campaign = factory.LazyAttribute(lambda s: s.destination.campaign)
    payload = factory.LazyFunction(dict)
