from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from leadhub.attribution.models import LeadSource, SourceKind
from leadhub.models import Attempt, Lead, Submission
from leadhub.notifications.models import Channel, ChannelKind, NotificationEvent
from leadhub.routing.models import Cap, Route, RouteMethod, RouteStep
from leadhub.webhooks.models import WebhookEndpoint
from leadhub.webhooks.signing import secret_generate
from vendors.field_changes import ChangeKind
from vendors.models import (
    Campaign,
    CampaignChange,
    CampaignField,
    CampaignSync,
    Connection,
    Destination,
    PauseReason,
)
from vendors.outcomes import Condition, Outcome
from vendors.results import VendorResult

ModelT = TypeVar("ModelT")


class ModelFactory(factory.django.DjangoModelFactory[ModelT]):
    """A factory whose call, ``LeadFactory(...)``, is typed as the model instance it makes."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory-boy's metaclass turns the call into create(); the type checker only sees
        # the class, so it is told here what the call returns (not a factory instance).
        def __new__(cls, *args: Any, **kwargs: Any) -> ModelT: ...  # type: ignore[misc]


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class LeadFactory(ModelFactory[Lead]):
    class Meta:
        model = Lead

    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")
    email = factory.LazyAttribute(lambda lead: f"{lead.last_name.lower()}@example.com")
    phone = "07911 123456"
    phone_e164 = "+447911123456"


class LeadSourceFactory(ModelFactory[LeadSource]):
    """A lead sent by the API with a newsletter campaign's details."""

    class Meta:
        model = LeadSource

    lead = factory.SubFactory(LeadFactory)
    kind = SourceKind.API
    utm_source = "newsletter"
    utm_medium = "email"
    utm_campaign = "spring"
    ip_address = "203.0.113.9"
    user_agent = "Mozilla/5.0"


class ConnectionFactory(ModelFactory[Connection]):
    class Meta:
        model = Connection

    kind = "leadbyte"
    name = factory.Sequence(lambda n: f"Connection {n}")
    base_url = "https://account.leadbyte.co.uk/"
    credentials = factory.Dict({"api_key": "test-leadbyte-key-123456"})


class CampaignSyncFactory(ModelFactory[CampaignSync]):
    """A campaign sync that ran and found nothing new."""

    class Meta:
        model = CampaignSync

    connection = factory.SubFactory(ConnectionFactory)
    requested_at = factory.LazyFunction(timezone.now)
    started_at = factory.SelfAttribute("requested_at")
    finished_at = factory.SelfAttribute("requested_at")
    campaigns_total = 0
    report = factory.Dict({"added": [], "changed": [], "gone": []})


class ChannelFactory(ModelFactory[Channel]):
    """An email channel told every event; ``webhook=url`` makes it a chat webhook."""

    class Meta:
        model = Channel

    class Params:
        webhook = ""

    name = factory.Sequence(lambda n: f"Channel {n}")
    kind = factory.LazyAttribute(lambda c: ChannelKind.WEBHOOK if c.webhook else ChannelKind.EMAIL)
    recipients = factory.LazyAttribute(lambda c: "" if c.webhook else "ops@example.com")
    secret = factory.LazyAttribute(lambda c: {"url": c.webhook} if c.webhook else {})
    events = factory.LazyFunction(lambda: list(NotificationEvent.values))


class CampaignFactory(ModelFactory[Campaign]):
    class Meta:
        model = Campaign

    connection = factory.SubFactory(ConnectionFactory)
    vendor_id = factory.Sequence(str)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    reference = factory.Sequence(lambda n: f"CAMPAIGN-{n}")


class CampaignFieldFactory(ModelFactory[CampaignField]):
    class Meta:
        model = CampaignField

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"data{n}")
    label = factory.LazyAttribute(lambda f: f.name.title())
    data_type = "Text"
    position = factory.Sequence(int)


class CampaignChangeFactory(ModelFactory[CampaignChange]):
    """A field a campaign sync found added, not yet acknowledged."""

    class Meta:
        model = CampaignChange

    campaign = factory.SubFactory(CampaignFactory)
    changes = factory.Sequence(lambda n: [{"kind": ChangeKind.FIELD_ADDED, "field": f"data{n}"}])


class DestinationFactory(ModelFactory[Destination]):
    class Meta:
        model = Destination

    name = factory.Sequence(lambda n: f"Destination {n}")
    connection = factory.SubFactory(ConnectionFactory)
    operation = "create_lead"
    fixed_values = factory.LazyFunction(lambda: {"sid": "1"})


class SubmissionFactory(ModelFactory[Submission]):
    class Meta:
        model = Submission

    lead = factory.SubFactory(LeadFactory)
    destination = factory.SubFactory(DestinationFactory)
    connection = factory.LazyAttribute(lambda s: s.destination.connection)
    operation = factory.LazyAttribute(lambda s: s.destination.operation)
    campaign = factory.LazyAttribute(lambda s: s.destination.campaign)
    payload = factory.LazyFunction(dict)


class WebhookEndpointFactory(ModelFactory[WebhookEndpoint]):
    """An active endpoint with a fresh signing secret, told about accepted submissions."""

    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = "http://127.0.0.1:9/hooks"
    signing = factory.LazyFunction(lambda: {"secret": secret_generate()})
    events = factory.LazyFunction(lambda: ["submission.accepted"])


class AttemptFactory(ModelFactory[Attempt]):
    """An exchange already on record, numbered after its submission's last."""

    class Meta:
        model = Attempt

    submission = factory.SubFactory(SubmissionFactory)
    number = factory.LazyAttribute(lambda a: a.submission.attempts.count() + 1)
    status_code = 200


# --- the circuit breaker's inputs ------------------------------------------------------------


class PausedConnectionFactory(ConnectionFactory):
    """A connection its breaker paused after a run of failures, cooling down for a minute."""

    paused_at = factory.LazyFunction(timezone.now)
    pause_reason = PauseReason.FAILURES
    pause_message = "5 failures in a row; the last: The vendor answered with an error (HTTP 503)."
    probe_at = factory.LazyAttribute(lambda c: c.paused_at + timedelta(seconds=60))
    consecutive_failures = 5


ValueT = TypeVar("ValueT")


class ValueFactory(factory.Factory[ValueT]):
    """A factory of plain values (no database), its call typed as the value it makes."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> ValueT: ...  # type: ignore[misc]


class VendorResultFactory(ValueFactory[VendorResult]):
    """What a vendor call came to; ``failed=True`` is an outage, ``credentials_refused=True``
    a 401."""

    class Meta:
        model = VendorResult

    outcome = Outcome.ACCEPTED
    message = "The vendor took the lead."
    reference = factory.Sequence(lambda n: f"REF-{n}")

    class Params:
        failed = factory.Trait(
            outcome=Outcome.TRANSIENT,
            condition=Condition.SERVER_ERROR,
            message="The vendor answered with an error (HTTP 503).",
            reference="",
        )
        credentials_refused = factory.Trait(
            outcome=Outcome.TRANSIENT,
            condition=Condition.CREDENTIALS_REFUSED,
            message="The vendor refused the credentials (HTTP 401).",
            reference="",
        )


class ContactFactory(ValueFactory[dict[str, str]]):
    """The contact fields the lead entry form asks for, every one filled in."""

    class Meta:
        model = dict

    first_name = "Grace"
    last_name = "Hopper"
    email = "grace@example.com"
    phone = "07911 123456"
    company = "Navy"
    notes = "Prefers mornings"


class RouteFactory(ModelFactory[Route]):
    class Meta:
        model = Route

    name = factory.Sequence(lambda n: f"Route {n}")
    method = RouteMethod.WATERFALL
    time_zone = "Europe/London"


class RouteStepFactory(ModelFactory[RouteStep]):
    class Meta:
        model = RouteStep

    route = factory.SubFactory(RouteFactory)
    destination = factory.SubFactory(DestinationFactory)
    position = factory.Sequence(lambda n: n)


class CapFactory(ModelFactory[Cap]):
    class Meta:
        model = Cap

    step = factory.SubFactory(RouteStepFactory)
    period = "day"
    limit = 50
