"""The dashboard's counts kept a few seconds per person, never shared between people."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadhub.dashboard import dashboard_context
from leadhub.figures_cache import figures_cached, figures_key
from leadhub.services.attention import needs_attention_summary
from leadhub.statuses import SubmissionStatus
from tests.factories import ConnectionFactory, LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

S = SubmissionStatus


@pytest.fixture(autouse=True)
def figures_kept(settings):
    settings.STAFF_FIGURES_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


def test_a_figure_is_worked_out_once_for_a_person_and_again_for_another() -> None:
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    calls: list[str] = []

    def compute(name: str) -> int:
        calls.append(name)
        return len(calls)

    assert figures_cached("n", ada, lambda: compute("ada")) == 1
    assert figures_cached("n", ada, lambda: compute("ada")) == 1
    assert figures_cached("n", bob, lambda: compute("bob")) == 2
    assert calls == ["ada", "bob"]


def test_off_when_the_setting_is_zero(settings) -> None:
    settings.STAFF_FIGURES_CACHE_SECONDS = 0
    ada = UserFactory(username="ada")
    answers = iter([1, 2])
    assert figures_cached("n", ada, lambda: next(answers)) == 1
    assert figures_cached("n", ada, lambda: next(answers)) == 2


def test_the_dashboard_reads_its_counts_once_in_a_while_and_keeps_each_sellers_own(
    django_assert_max_num_queries,
) -> None:
    seller = UserFactory(username="seller", is_superuser=True)
    SubmissionFactory(lead=LeadFactory(owner=seller), status=S.EXHAUSTED, destination__name="Solar")
    client = Client()
    client.force_login(seller)
    first = client.get(reverse("admin:index"))
    assert first.status_code == 200
    with django_assert_max_num_queries(len(first.context["attention"].items) + 20) as counted:
        again = client.get(reverse("admin:index"))
    assert again.content.count(b"Gave up after retries") == first.content.count(
        b"Gave up after retries"
    )
    sql = " ".join(q["sql"] for q in counted.captured_queries)
    assert "GROUP BY" not in sql  # the per-day counts came from the cache


def test_what_goes_into_the_cache_holds_no_credentials() -> None:
    ConnectionFactory(credentials={"api_key": "secret-key-that-must-not-leak"})
    user = UserFactory(username="admin-user", is_superuser=True)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    for name in ("attention", "recent_attention", "submission_counts"):
        kept = cache.get(figures_key(name, user))
        assert kept is not None, name
        assert b"secret-key-that-must-not-leak" not in pickle.dumps(kept)


def test_the_dashboard_as_of_a_given_moment_is_never_kept() -> None:
    user = UserFactory(username="as-of", is_superuser=True)
    dashboard_context(user=user, now=timezone.now())
    needs_attention_summary(user=user, now=timezone.now())
    for name in ("attention", "recent_attention", "submission_counts"):
        assert cache.get(f"leadhub:figures:{name}:{user.pk}") is None, name


def test_a_right_taken_away_shows_at_once() -> None:
    ada = UserFactory(username="ada", is_superuser=True)
    assert figures_cached("n", ada, lambda: "everyone's") == "everyone's"
    ada.is_superuser = False
    assert figures_cached("n", ada, lambda: "her own") == "her own"
