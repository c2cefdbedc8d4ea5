"""Challenges: raised on a signal or a factor judgment by anyone with access, resolved (upheld or
dismissed, with a note) by someone other than their author, and, while open, acknowledged by
the people approving each assessment version that uses the challenged item."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Challenge, ChallengeAcknowledgement, ChallengeStatus
from cases import services as cases_services
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import AuditEvent, Classification
from tests.assessments.conftest import judge

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidenced(draft, analyst, make_signal, wire):
    """Amina's draft with factor 11 high, backed by the field office and the wire service."""
    judge(draft, analyst, 11, "high")
    judgment = draft.judgments.get(factor__number=11)
    signals = [make_signal(), make_signal(wire, headline="Wire: market attack confirmed")]
    for signal in signals:
        services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
    draft.evidence_signals = signals
    return draft


# --- Raising ------------------------------------------------------------------------------------


def test_bruno_challenges_a_signal_with_reasoning_and_counter_evidence(
    senior_analyst, make_signal, wire
):
    challenged = make_signal()
    counter = make_signal(wire, headline="Bandits, not militia, robbed the market")
    challenge = services.challenge_raise(
        actor=senior_analyst,
        reasoning="PLANTED-REASONING-3b1e: the attackers were bandits",
        signal_id=challenged.pk,
        counter_evidence=[counter.pk],
    )
    assert challenge.status == ChallengeStatus.OPEN
    assert (challenge.signal, challenge.judgment, challenge.situation) == (challenged, None, None)
    assert list(challenge.counter_evidence.all()) == [counter]
    assert challenge.author == senior_analyst
    event = AuditEvent.objects.get(action="challenge.raise")
    assert event.summary == {"signal": challenged.pk, "factor": None}
    assert "PLANTED" not in json.dumps(event.summary)


def test_chen_challenges_amina_s_judgment_of_a_factor(draft, analyst, special_adviser, situation):
    judgment = judge(draft, analyst, 10, "moderate")
    challenge = services.challenge_raise(
        actor=special_adviser, reasoning="The speeches predate the election.", judgment=judgment
    )
    assert challenge.judgment == judgment and challenge.signal is None
    assert (challenge.situation, challenge.factor_number) == (situation, 10)


def test_chen_cannot_challenge_a_confidential_signal_he_may_not_see(special_adviser, make_signal):
    hidden = make_signal(classification=Classification.CONFIDENTIAL)
    with pytest.raises(ApplicationValidationError) as refused:
        services.challenge_raise(actor=special_adviser, reasoning="Doubtful.", signal_id=hidden.pk)
    assert refused.value.fields == {"signal": [f"No signal #{hidden.pk} that you may see."]}
    # Exactly what a signal that does not exist gets: nothing confirms the hidden one exists.
    with pytest.raises(ApplicationValidationError) as missing:
        services.challenge_raise(actor=special_adviser, reasoning="Doubtful.", signal_id=999_999)
    assert missing.value.fields == {"signal": ["No signal #999999 that you may see."]}
    assert not Challenge.objects.exists()
    # A public one he may see, and challenge.
    public = make_signal()
    assert services.challenge_raise(
        actor=special_adviser, reasoning="Doubtful.", signal_id=public.pk
    )


def test_counter_evidence_chen_may_not_see_is_refused(special_adviser, make_signal):
    public = make_signal()
    hidden = make_signal(classification=Classification.CONFIDENTIAL)
    with pytest.raises(ApplicationValidationError) as refused:
        services.challenge_raise(
            actor=special_adviser,
            reasoning="See the other report.",
            signal_id=public.pk,
            counter_evidence=[hidden.pk, "nonsense"],
        )
    assert refused.value.fields == {
        "counter_evidence": [f"No signal #{hidden.pk}, #nonsense you may see."]
    }


def test_a_challenge_is_of_exactly_one_signal_or_one_judgment_and_says_why(
    draft, analyst, senior_analyst, make_signal
):
    judgment = draft.judgments.get(factor__number=1)
    signal = make_signal()
    with pytest.raises(ApplicationValidationError) as neither:
        services.challenge_raise(actor=senior_analyst, reasoning="Wrong.")
    assert "non_field_errors" in neither.value.fields
    with pytest.raises(ApplicationValidationError) as both:
        services.challenge_raise(
            actor=senior_analyst, reasoning="Wrong.", signal_id=signal.pk, judgment=judgment
        )
    assert "non_field_errors" in both.value.fields
    with pytest.raises(ApplicationValidationError) as silent:
        services.challenge_raise(actor=senior_analyst, reasoning="  ", signal_id=signal.pk)
    assert silent.value.fields == {"reasoning": ["This field is required."]}
    assert not Challenge.objects.exists()


def test_elena_and_oscar_cannot_raise_challenges(liaison, outsider, make_signal):
    signal = make_signal()
    for person in (liaison, outsider):
        with pytest.raises(ForbiddenError):
            services.challenge_raise(actor=person, reasoning="I disagree.", signal_id=signal.pk)


def test_the_database_refuses_a_challenge_of_both_a_signal_and_a_judgment(
    draft, analyst, make_signal, situation
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Challenge.objects.create(
            signal=make_signal(),
            judgment=draft.judgments.get(factor__number=1),
            situation=situation,
            factor_number=1,
            reasoning="Both",
            author=analyst,
        )


# --- Resolving ----------------------------------------------------------------------------------


@pytest.fixture
def bruno_s_challenge(senior_analyst, make_signal):
    return services.challenge_raise(
        actor=senior_analyst, reasoning="The date is wrong.", signal_id=make_signal().pk
    )


@pytest.mark.parametrize("outcome", [ChallengeStatus.UPHELD, ChallengeStatus.DISMISSED])
def test_amina_resolves_bruno_s_challenge_with_a_note(outcome, bruno_s_challenge, analyst):
    resolved = services.challenge_resolve(
        challenge=bruno_s_challenge, actor=analyst, outcome=outcome, note="Checked the log."
    )
    resolved.refresh_from_db()
    assert resolved.status == outcome
    assert (resolved.resolved_by, resolved.resolution_note) == (analyst, "Checked the log.")
    assert resolved.resolved_at is not None
    event = AuditEvent.objects.get(action="challenge.resolve")
    assert event.actor == analyst and event.summary == {"outcome": outcome}


def test_bruno_cannot_resolve_his_own_challenge(bruno_s_challenge, senior_analyst):
    with pytest.raises(ForbiddenError):
        services.challenge_resolve(
            challenge=bruno_s_challenge, actor=senior_analyst, outcome="dismissed", note="Mine."
        )
    bruno_s_challenge.refresh_from_db()
    assert bruno_s_challenge.status == ChallengeStatus.OPEN


def test_chen_cannot_resolve_challenges_for_his_role_only_raises_them(
    bruno_s_challenge, special_adviser
):
    with pytest.raises(ForbiddenError):
        services.challenge_resolve(
            challenge=bruno_s_challenge, actor=special_adviser, outcome="upheld", note="Agreed."
        )


def test_a_resolution_needs_a_note_and_an_outcome_of_upheld_or_dismissed(
    bruno_s_challenge, analyst
):
    with pytest.raises(ApplicationValidationError) as refused:
        services.challenge_resolve(
            challenge=bruno_s_challenge, actor=analyst, outcome="withdrawn", note=" "
        )
    assert set(refused.value.fields) == {"note", "outcome"}
    bruno_s_challenge.refresh_from_db()
    assert bruno_s_challenge.status == ChallengeStatus.OPEN


def test_a_challenge_is_resolved_only_once(bruno_s_challenge, analyst):
    services.challenge_resolve(
        challenge=bruno_s_challenge, actor=analyst, outcome="upheld", note="Right."
    )
    with pytest.raises(ConflictError):
        services.challenge_resolve(
            challenge=bruno_s_challenge, actor=analyst, outcome="dismissed", note="Changed my mind."
        )
    bruno_s_challenge.refresh_from_db()
    assert (bruno_s_challenge.status, bruno_s_challenge.resolution_note) == ("upheld", "Right.")


def test_the_database_refuses_a_challenge_resolved_by_its_author_or_without_a_note(
    bruno_s_challenge, senior_analyst, analyst
):
    queryset = Challenge.objects.filter(pk=bruno_s_challenge.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(
            status="upheld",
            resolution_note="Mine",
            resolved_by=senior_analyst,
            resolved_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(status="upheld", resolved_by=analyst, resolved_at=timezone.now())


# --- Relevance to an assessment and acknowledgement before approval ------------------------------


def test_an_open_challenge_of_an_evidence_signal_blocks_approval_until_acknowledged(
    evidenced, analyst, senior_analyst, special_adviser
):
    signal = evidenced.evidence_signals[0]
    challenge = services.challenge_raise(
        actor=special_adviser, reasoning="The count is inflated.", signal_id=signal.pk
    )
    assert selectors.challenges_relevant(evidenced) == [challenge]
    services.assessment_submit(assessment=evidenced, actor=analyst)
    with pytest.raises(ApplicationValidationError) as refused:
        services.assessment_approve(assessment=evidenced, actor=senior_analyst)
    assert refused.value.fields["non_field_errors"] == [
        f"Challenge #{challenge.pk} (signal #{signal.pk}) is open: acknowledge it with a note, "
        "or have it resolved."
    ]
    ack = services.challenge_acknowledge(
        challenge=challenge, assessment=evidenced, actor=senior_analyst, note="Count not relied on"
    )
    assert (ack.by, ack.note, ack.assessment) == (senior_analyst, "Count not relied on", evidenced)
    assert selectors.approval_blockers(evidenced) == []
    assert services.assessment_approve(assessment=evidenced, actor=senior_analyst).status == (
        "approved"
    )


def test_a_challenge_resolved_before_review_no_longer_blocks(
    evidenced, analyst, senior_analyst, special_adviser
):
    challenge = services.challenge_raise(
        actor=special_adviser,
        reasoning="Misdated.",
        judgment=evidenced.judgments.get(factor__number=11),
    )
    assert len(selectors.approval_blockers(evidenced)) == 1
    services.challenge_resolve(
        challenge=challenge, actor=analyst, outcome="dismissed", note="Date checked with OHCHR."
    )
    assert selectors.challenges_relevant(evidenced) == []
    assert selectors.challenges_relevant(evidenced, open_only=False) == [challenge]
    assert selectors.approval_blockers(evidenced) == []


def test_a_challenge_of_a_judgment_raised_on_version_1_still_blocks_version_2(
    evidenced, situation, analyst, senior_analyst, special_adviser
):
    challenge = services.challenge_raise(
        actor=special_adviser,
        reasoning="The pattern is not systematic.",
        judgment=evidenced.judgments.get(factor__number=11),
    )
    services.assessment_submit(assessment=evidenced, actor=analyst)
    services.challenge_acknowledge(
        challenge=challenge, assessment=evidenced, actor=senior_analyst, note="Pattern holds"
    )
    services.assessment_approve(assessment=evidenced, actor=senior_analyst)

    second = services.assessment_start(situation=situation, actor=analyst)

    assert selectors.challenges_relevant(second) == [challenge]
    assert selectors.approval_blockers(second) == [
        f"Challenge #{challenge.pk} (factor 11) is open: acknowledge it with a note, "
        "or have it resolved."
    ]
    services.assessment_submit(assessment=second, actor=analyst)
    with pytest.raises(ApplicationValidationError):
        services.assessment_approve(assessment=second, actor=senior_analyst)
    # Acknowledged for version 1 is not acknowledged for version 2.
    services.challenge_acknowledge(
        challenge=challenge, assessment=second, actor=senior_analyst, note="Still holds"
    )
    assert services.assessment_approve(assessment=second, actor=senior_analyst).status == (
        "approved"
    )
    assert ChallengeAcknowledgement.objects.filter(challenge=challenge).count() == 2


def test_a_challenge_is_acknowledged_once_per_version(evidenced, senior_analyst, special_adviser):
    challenge = services.challenge_raise(
        actor=special_adviser,
        reasoning="Wrong.",
        signal_id=evidenced.evidence_signals[1].pk,
    )
    services.challenge_acknowledge(
        challenge=challenge, assessment=evidenced, actor=senior_analyst, note="Seen"
    )
    with pytest.raises(ConflictError):
        services.challenge_acknowledge(
            challenge=challenge, assessment=evidenced, actor=senior_analyst, note="Seen again"
        )
    assert ChallengeAcknowledgement.objects.filter(challenge=challenge).count() == 1


def test_acknowledging_a_challenge_of_something_the_assessment_does_not_use_is_refused(
    evidenced, analyst, senior_analyst, special_adviser, make_signal
):
    unused = make_signal(headline="An unrelated report")
    about_unused = services.challenge_raise(
        actor=special_adviser, reasoning="Wrong.", signal_id=unused.pk
    )
    elsewhere = cases_services.situation_create(
        created_by=analyst, title="Lake Chad basin", countries=["TCD"]
    )
    other = services.assessment_start(situation=elsewhere, actor=analyst)
    about_elsewhere = services.challenge_raise(
        actor=senior_analyst,
        reasoning="Wrong.",
        judgment=other.judgments.get(factor__number=11),
    )
    assert selectors.challenges_relevant(evidenced) == []
    for challenge in (about_unused, about_elsewhere):
        with pytest.raises(ApplicationValidationError) as refused:
            services.challenge_acknowledge(
                challenge=challenge, assessment=evidenced, actor=senior_analyst, note="Seen"
            )
        assert "challenge" in refused.value.fields
    assert not ChallengeAcknowledgement.objects.exists()


def test_an_acknowledgement_needs_a_note_an_open_challenge_and_a_reviewer_or_team_member(
    evidenced, analyst, senior_analyst, special_adviser
):
    challenge = services.challenge_raise(
        actor=special_adviser,
        reasoning="Wrong.",
        judgment=evidenced.judgments.get(factor__number=11),
    )
    with pytest.raises(ApplicationValidationError) as silent:
        services.challenge_acknowledge(
            challenge=challenge, assessment=evidenced, actor=senior_analyst, note=""
        )
    assert silent.value.fields == {"note": ["This field is required."]}
    with pytest.raises(ForbiddenError):
        services.challenge_acknowledge(
            challenge=challenge, assessment=evidenced, actor=special_adviser, note="Seen"
        )
    services.challenge_resolve(challenge=challenge, actor=analyst, outcome="upheld", note="Yes")
    with pytest.raises(ConflictError):
        services.challenge_acknowledge(
            challenge=challenge, assessment=evidenced, actor=senior_analyst, note="Seen"
        )


def test_an_approved_version_takes_no_further_acknowledgement(
    evidenced, analyst, senior_analyst, special_adviser
):
    services.assessment_submit(assessment=evidenced, actor=analyst)
    services.assessment_approve(assessment=evidenced, actor=senior_analyst)
    late = services.challenge_raise(
        actor=special_adviser,
        reasoning="Raised after approval.",
        judgment=evidenced.judgments.get(factor__number=11),
    )
    with pytest.raises(ConflictError):
        services.challenge_acknowledge(
            challenge=late, assessment=evidenced, actor=senior_analyst, note="Weighed it"
        )
    assert not ChallengeAcknowledgement.objects.exists()
