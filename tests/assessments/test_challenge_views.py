"""Challenges through HTTP: raised on a factor from the assessment page and on a signal from
its page, acknowledged for a version before approval, resolved by someone other than their
author, and listed by status."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import (
    AssessmentStatus,
    Challenge,
    ChallengeAcknowledgement,
    ChallengeStatus,
)
from r2p.models import Classification

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def judgment_of(assessment, number: int):
    return assessment.judgments.select_related("factor").get(factor__number=number)


def detail_url(assessment) -> str:
    return reverse("assessments:assessment-detail", args=[assessment.pk])


@pytest.fixture
def signal(make_signal):
    return make_signal()


@pytest.fixture
def challenge(draft, senior_analyst):
    """Bruno challenges Amina's judgment of factor 11."""
    return services.challenge_raise(
        actor=senior_analyst,
        reasoning="The attacks look like banditry, not a campaign.",
        judgment=judgment_of(draft, 11),
    )


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["outsider", "liaison"])
def test_oscar_and_elena_get_404_on_every_challenge_page_and_action(
    client, person, request, draft, signal, challenge
):
    client.force_login(request.getfixturevalue(person))
    for url in (
        reverse("assessments:challenge-list"),
        reverse("assessments:challenge-detail", args=[challenge.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "banditry" not in page_of(response)
    actions = [
        reverse("assessments:challenge-resolve", args=[challenge.pk]),
        reverse("assessments:signal-challenge", args=[signal.pk]),
        reverse("assessments:judgment-challenge", args=[judgment_of(draft, 3).pk]),
        reverse("assessments:challenge-acknowledge", args=[draft.pk, challenge.pk]),
    ]
    for url in actions:
        data = {"reasoning": "x", "note": "x", "outcome": "dismissed"}
        assert client.post(url, data).status_code == 404, url
    assert Challenge.objects.count() == 1
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.OPEN


def test_a_challenge_of_a_signal_amina_may_not_see_is_404_for_her(
    client, analyst, senior_analyst, make_signal
):
    secret = make_signal(
        actor=senior_analyst,
        headline="Named informant reports a militia list",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    hidden = services.challenge_raise(
        actor=senior_analyst, reasoning="Planted", signal_id=secret.pk
    )
    client.force_login(analyst)
    assert client.get(reverse("assessments:challenge-detail", args=[hidden.pk])).status_code == 404
    listing = page_of(client.get(reverse("assessments:challenge-list")))
    assert "Planted" not in listing and "Named informant" not in listing


# --- Raising ----------------------------------------------------------------------------------


def test_bruno_challenges_a_factor_from_the_assessment_page_and_it_blocks_approval(
    client, analyst, senior_analyst, draft, signal
):
    judgment = judgment_of(draft, 11)
    client.force_login(senior_analyst)
    response = client.post(
        reverse("assessments:judgment-challenge", args=[judgment.pk]),
        {
            "challenge-11-reasoning": "The attacks look like banditry.",
            "challenge-11-counter_evidence": f"#{signal.pk}",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft) + "#factor-11"
    challenge = Challenge.objects.get()
    assert (challenge.judgment, challenge.factor_number, challenge.author) == (
        judgment,
        11,
        senior_analyst,
    )
    assert list(challenge.counter_evidence.all()) == [signal]
    client.force_login(analyst)
    page = page_of(client.get(detail_url(draft)))
    assert f'id="challenge-{challenge.pk}"' in page
    assert "The attacks look like banditry." in page
    assert f"Challenge #{challenge.pk} (factor 11) is open" in page
    assert reverse("assessments:challenge-acknowledge", args=[draft.pk, challenge.pk]) in page


def test_a_factor_challenge_without_reasoning_or_with_bad_counter_evidence_gets_400(
    client, senior_analyst, draft
):
    url = reverse("assessments:judgment-challenge", args=[judgment_of(draft, 4).pk])
    client.force_login(senior_analyst)
    response = client.post(url, {"challenge-4-reasoning": "  "})
    page = page_of(response)
    assert response.status_code == 400
    assert field_error(page, "id_challenge-4-reasoning") == "This field is required."
    assert re.search(r'<textarea name="challenge-4-reasoning"[^>]*autofocus', page)
    assert '<details class="challenge-raise" open>' in page
    response = client.post(
        url, {"challenge-4-reasoning": "Wrong", "challenge-4-counter_evidence": "12, Gao"}
    )
    assert response.status_code == 400
    assert "Not signal numbers: Gao." in field_error(
        page_of(response), "id_challenge-4-counter_evidence"
    )
    response = client.post(
        url, {"challenge-4-reasoning": "Wrong", "challenge-4-counter_evidence": "999999"}
    )
    assert response.status_code == 400
    assert field_error(page_of(response), "id_challenge-4-counter_evidence") == (
        "No signal #999999 you may see."
    )
    assert not Challenge.objects.exists()


def test_amina_challenges_a_signal_from_its_page(client, analyst, signal, make_signal, wire):
    other = make_signal(wire, headline="Local officials deny any attack")
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:signal-detail", args=[signal.pk])))
    assert "Nobody has challenged this signal." in page
    assert reverse("assessments:signal-challenge", args=[signal.pk]) in page
    response = client.post(
        reverse("assessments:signal-challenge", args=[signal.pk]),
        {
            "challenge-reasoning": "The market was closed that day.",
            "challenge-counter_evidence": str(other.pk),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:signal-detail", args=[signal.pk]) + "#challenges"
    challenge = Challenge.objects.get()
    assert (challenge.signal, challenge.author) == (signal, analyst)
    page = page_of(client.get(response["Location"]))
    assert "The market was closed that day." in page
    assert reverse("assessments:challenge-detail", args=[challenge.pk]) in page
    detail = page_of(client.get(reverse("assessments:challenge-detail", args=[challenge.pk])))
    assert "Local officials deny any attack" in detail
    assert "Field officer in Gao" not in detail


def test_an_empty_signal_challenge_comes_back_on_the_signal_page_with_400(client, analyst, signal):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:signal-challenge", args=[signal.pk]), {"challenge-reasoning": ""}
    )
    page = page_of(response)
    assert response.status_code == 400
    assert signal.headline in page
    assert field_error(page, "id_challenge-reasoning") == "This field is required."
    assert not Challenge.objects.exists()


# --- Acknowledging ----------------------------------------------------------------------------


def test_bruno_acknowledges_a_challenge_for_the_version_then_approves_it(
    client, analyst, senior_analyst, draft, challenge
):
    services.assessment_submit(assessment=draft, actor=analyst)
    draft.refresh_from_db()
    client.force_login(senior_analyst)
    url = reverse("assessments:challenge-acknowledge", args=[draft.pk, challenge.pk])
    empty = client.post(url, {f"ack-{challenge.pk}-note": ""})
    assert empty.status_code == 400
    assert field_error(page_of(empty), f"id_ack-{challenge.pk}-note") == "This field is required."
    refused = client.post(
        reverse("assessments:assessment-approve", args=[draft.pk]),
        {"approve-revision": draft.revision},
    )
    assert refused.status_code == 400
    response = client.post(url, {f"ack-{challenge.pk}-note": "Weighed: the pattern holds."})
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft) + f"#challenge-{challenge.pk}"
    assert ChallengeAcknowledgement.objects.get().note == "Weighed: the pattern holds."
    page = page_of(client.get(detail_url(draft)))
    assert "Acknowledged for version 1 by Bruno Okafor" in page
    approved = client.post(
        reverse("assessments:assessment-approve", args=[draft.pk]),
        {"approve-revision": draft.revision},
    )
    assert approved.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.APPROVED
    again = client.post(url, {f"ack-{challenge.pk}-note": "Once more"})
    assert again.status_code in (403, 409)


def test_acknowledging_a_challenge_this_version_does_not_use_is_404(
    client, senior_analyst, draft, make_signal
):
    unrelated = services.challenge_raise(
        actor=senior_analyst, reasoning="Doubtful", signal_id=make_signal().pk
    )
    client.force_login(senior_analyst)
    response = client.post(
        reverse("assessments:challenge-acknowledge", args=[draft.pk, unrelated.pk]),
        {f"ack-{unrelated.pk}-note": "Weighed"},
    )
    assert response.status_code == 404


# --- Resolving --------------------------------------------------------------------------------


def test_bruno_who_raised_a_challenge_cannot_resolve_it(client, senior_analyst, challenge):
    client.force_login(senior_analyst)
    url = reverse("assessments:challenge-detail", args=[challenge.pk])
    page = page_of(client.get(url))
    assert "You raised this challenge, so someone else resolves it." in page
    assert reverse("assessments:challenge-resolve", args=[challenge.pk]) not in page
    response = client.post(
        reverse("assessments:challenge-resolve", args=[challenge.pk]),
        {"outcome": "dismissed", "note": "My own doubt is settled."},
    )
    assert response.status_code == 403
    assert "Someone other than the challenge&#x27;s author must resolve it." in page_of(response)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.OPEN


def test_amina_resolves_bruno_s_challenge_and_it_leaves_the_open_list(client, analyst, challenge):
    client.force_login(analyst)
    resolve = reverse("assessments:challenge-resolve", args=[challenge.pk])
    no_note = client.post(resolve, {"outcome": "dismissed", "note": ""})
    assert no_note.status_code == 400
    assert field_error(page_of(no_note), "id_note") == "This field is required."
    no_outcome = client.post(resolve, {"note": "Checked."})
    assert no_outcome.status_code == 400
    assert field_error(page_of(no_outcome), "id_outcome") == "Choose upheld or dismissed."
    response = client.post(
        resolve, {"outcome": "dismissed", "note": "Three sources confirm a pattern."}
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.status, challenge.resolved_by) == (ChallengeStatus.DISMISSED, analyst)
    page = page_of(client.get(reverse("assessments:challenge-detail", args=[challenge.pk])))
    assert "Three sources confirm a pattern." in page
    assert "Dismissed</strong> by Amina Diallo" in page
    listing = reverse("assessments:challenge-list")
    assert f">#{challenge.pk}<" not in page_of(client.get(listing))
    assert f">#{challenge.pk}<" not in page_of(client.get(listing, {"status": "open"}))
    assert f">#{challenge.pk}<" in page_of(client.get(listing, {"status": "dismissed"}))
    assert f">#{challenge.pk}<" in page_of(client.get(listing, {"status": ""}))
    twice = client.post(resolve, {"outcome": "upheld", "note": "Changed my mind."})
    assert twice.status_code == 409
    assert "This challenge was already dismissed." in page_of(twice)


# --- The list ---------------------------------------------------------------------------------


def test_the_challenge_list_shows_open_challenges_newest_first_in_a_fixed_number_of_queries(
    client, analyst, senior_analyst, draft, make_signal
):
    first = services.challenge_raise(
        actor=senior_analyst, reasoning="First doubt", judgment=judgment_of(draft, 1)
    )
    client.force_login(analyst)
    url = reverse("assessments:challenge-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(2, 12):
        services.challenge_raise(
            actor=senior_analyst, reasoning=f"Doubt {number}", judgment=judgment_of(draft, number)
        )
        services.challenge_raise(
            actor=senior_analyst, reasoning=f"Signal doubt {number}", signal_id=make_signal().pk
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    page = page_of(response)
    assert "21 open challenges you may see" in page
    assert page.index("Signal doubt 11") < page.index("First doubt")
    assert reverse("assessments:challenge-detail", args=[first.pk]) in page
    bad = client.get(url, {"status": "pending"})
    assert bad.status_code == 200
    assert "Unknown status" in page_of(bad)
