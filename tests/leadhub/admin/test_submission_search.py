"""The submission list's search: a reference from its first characters, a lead's email or last
name from any part, every word of the search matched, and the box saying what it searches."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from leadhub.admin import submission_search
from leadhub.admin.submission_search import SEARCH_HELP, submissions_search
from leadhub.models import Submission
from tests.factories import LeadFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

SUBMISSIONS = reverse("admin:leadhub_submission_changelist")


@pytest.fixture
def rows() -> dict[str, Submission]:
    ada = LeadFactory(first_name="Ada", last_name="Lovelace", email="ada@engines.example")
    grace = LeadFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example")
    return {
        "q1234": SubmissionFactory(lead=ada, vendor_reference="Q-1234-ABCD"),
        "q1299": SubmissionFactory(lead=grace, vendor_reference="Q-1299"),
        "lb": SubmissionFactory(lead=grace, vendor_reference="948213"),
    }


def found(admin_client, term: str) -> set[str]:
    response = admin_client.get(SUBMISSIONS, {"q": term})
    assert response.status_code == 200
    return {s.vendor_reference for s in response.context["cl"].result_list}


def test_a_reference_is_found_from_its_first_characters(admin_client, rows) -> None:
    assert found(admin_client, "Q-12") == {"Q-1234-ABCD", "Q-1299"}
    assert found(admin_client, "q-1234") == {"Q-1234-ABCD"}  # whatever the case
    assert found(admin_client, "9482") == {"948213"}
    assert found(admin_client, "Q-1234-ABCD") == {"Q-1234-ABCD"}
    assert found(admin_client, "ABCD") == set()  # the start, not any part


def test_a_lead_is_found_by_any_part_of_its_email_or_last_name(admin_client, rows) -> None:
    assert found(admin_client, "navy") == {"Q-1299", "948213"}
    assert found(admin_client, "lovel") == {"Q-1234-ABCD"}
    assert found(admin_client, "hopper Q-12") == {"Q-1299"}  # every word must match
    assert found(admin_client, '"Q-1299"') == {"Q-1299"}  # quoted, as Django's search


def test_a_common_word_is_answered_the_same_past_the_listed_leads(rows, monkeypatch) -> None:
    listed = set(submissions_search(Submission.objects.all(), "example"))
    monkeypatch.setattr(submission_search, "LEAD_IDS_LISTED", 1)
    assert set(submissions_search(Submission.objects.all(), "example")) == listed
    assert len(listed) == 3


def test_the_search_box_says_what_it_searches(admin_client, rows) -> None:
    html = admin_client.get(SUBMISSIONS).content.decode()
    assert escape(SEARCH_HELP) in html
    assert "first few characters" in SEARCH_HELP and "phone number" in SEARCH_HELP


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_reference_search_can_use_its_index_on_postgresql(rows) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = submissions_search(Submission.objects.all(), "Q-12").explain()
    assert "submission_reference_prefix_idx" in plan
