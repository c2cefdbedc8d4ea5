"""Response options through their services: proposal with its validated fields, the lifecycle
proposed, recommended, adopted (by whom, when), implemented, or abandoned (why), each step a
transition row with who and when, and every other move refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import OptionStatus, OptionTransition, ResponseOption
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import AuditEvent

pytestmark = pytest.mark.django_db

PROPOSED, RECOMMENDED, ADOPTED, IMPLEMENTED, ABANDONED = (
    OptionStatus.PROPOSED,
    OptionStatus.RECOMMENDED,
    OptionStatus.ADOPTED,
    OptionStatus.IMPLEMENTED,
    OptionStatus.ABANDONED,
)
ALLOWED = {
    (PROPOSED, RECOMMENDED),
    (PROPOSED, ABANDONED),
    (RECOMMENDED, ADOPTED),
    (RECOMMENDED, ABANDONED),
    (ADOPTED, IMPLEMENTED),
    (ADOPTED, ABANDONED),
}
EVERY_MOVE = [(a, b) for a in OptionStatus.values for b in OptionStatus.values]
REFUSED = [move for move in EVERY_MOVE if move not in ALLOWED]
ENVOY = {
    "instrument": "special-envoy",
    "rationale": "A known interlocutor can keep the talks in Niamey alive.",
    "factors": [1, 8, 13],
    "lead_actor": "African Union Commission",
    "expected_effect": "Fewer clashes around the election.",
    "risks": "The government may read it as interference.",
    "feasibility": "medium",
}


@pytest.fixture
def option(situation, analyst):
    """Amina proposes a special envoy for Central Sahel."""
    return services.option_propose(situation=situation, actor=analyst, data=ENVOY)


def move(option, actor, to, **extra):
    arguments = {"note": "", "adopted_by": "", "adopted_on": None, **extra}
    if to == ADOPTED:
        arguments["adopted_by"] = arguments["adopted_by"] or "UN Security Council"
        arguments["adopted_on"] = arguments["adopted_on"] or timezone.localdate()
    if to == ABANDONED:
        arguments["note"] = arguments["note"] or "Overtaken by events."
    return services.option_transition(option=option, actor=actor, to=to, **arguments)


def bring_to(status, option, actor):
    path = {
        PROPOSED: [],
        RECOMMENDED: [RECOMMENDED],
        ADOPTED: [RECOMMENDED, ADOPTED],
        IMPLEMENTED: [RECOMMENDED, ADOPTED, IMPLEMENTED],
        ABANDONED: [ABANDONED],
    }[status]
    for step in path:
        option = move(option, actor, step)
    return option


# --- Proposing ----------------------------------------------------------------------------------


def test_amina_proposes_an_option_with_the_factors_it_addresses(option, analyst, situation):
    option.refresh_from_db()
    assert option.status == PROPOSED and option.revision == 1
    assert option.instrument.key == "special-envoy" and option.instrument.pillar == "II"
    assert sorted(f.number for f in option.factors.all()) == [1, 8, 13]
    assert {f.catalogue.version for f in option.factors.all()} == {1}
    assert (option.lead_actor, option.feasibility) == ("African Union Commission", "medium")
    (row,) = option.transitions.all()
    assert (row.from_status, row.to_status, row.actor) == ("", PROPOSED, analyst)
    event = AuditEvent.objects.get(action="option.propose")
    assert event.summary == {"situation": situation.reference, "instrument": "special-envoy"}


def test_a_proposal_without_its_required_fields_gets_an_error_per_field(situation, analyst):
    with pytest.raises(ApplicationValidationError) as refused:
        services.option_propose(situation=situation, actor=analyst, data={})
    assert set(refused.value.fields) == {"instrument", "rationale", "lead_actor", "feasibility"}
    assert not ResponseOption.objects.exists()


@pytest.mark.parametrize(
    "factors", [[0], [15], [1, 15], ["x"], "3, eight", [-1]], ids=lambda f: repr(f)
)
def test_the_factors_an_option_addresses_are_numbered_1_to_14(factors, situation, analyst):
    with pytest.raises(ApplicationValidationError) as refused:
        services.option_propose(
            situation=situation, actor=analyst, data={**ENVOY, "factors": factors}
        )
    assert list(refused.value.fields) == ["factors"]


@pytest.mark.parametrize(
    ("factors", "numbers"),
    [([], []), ("3, 8", [3, 8]), ([14, "1", 1], [1, 14]), (["12"], [12])],
)
def test_factors_may_be_a_list_or_a_comma_separated_string(factors, numbers, situation, analyst):
    option = services.option_propose(
        situation=situation, actor=analyst, data={**ENVOY, "factors": factors}
    )
    assert sorted(f.number for f in option.factors.all()) == numbers


def test_an_unknown_instrument_or_feasibility_is_refused(situation, analyst):
    with pytest.raises(ApplicationValidationError) as refused:
        services.option_propose(
            situation=situation,
            actor=analyst,
            data={**ENVOY, "instrument": "drone-strike", "feasibility": "certain"},
        )
    assert set(refused.value.fields) == {"instrument", "feasibility"}


def test_only_the_situation_s_team_with_the_role_proposes_options(
    situation, second_reviewer, special_adviser, liaison, outsider
):
    for person in (second_reviewer, special_adviser, liaison, outsider):
        with pytest.raises(ForbiddenError):
            services.option_propose(situation=situation, actor=person, data=ENVOY)
    assert not ResponseOption.objects.exists()


# --- The lifecycle --------------------------------------------------------------------------------


def test_the_service_declares_exactly_the_lifecycle_of_the_issue():
    declared = {
        (origin, target)
        for origin, targets in services.OPTION_TRANSITIONS.items()
        for target in targets
    }
    assert declared == ALLOWED


def test_an_option_goes_from_proposed_to_implemented_with_each_step_recorded(
    option, analyst, senior_analyst
):
    recommended = move(option, senior_analyst, RECOMMENDED, note="Endorsed at the weekly meeting")
    adopted = move(
        recommended,
        analyst,
        ADOPTED,
        adopted_by="Peace and Security Council of the African Union",
        adopted_on="2025-03-04",
    )
    assert (adopted.adopted_by, adopted.adopted_on) == (
        "Peace and Security Council of the African Union",
        date(2025, 3, 4),
    )
    implemented = move(adopted, senior_analyst, IMPLEMENTED, note="Envoy appointed")
    implemented.refresh_from_db()
    assert implemented.status == IMPLEMENTED and implemented.revision == 4
    rows = list(OptionTransition.objects.filter(option=option).order_by("at", "pk"))
    assert [(r.from_status, r.to_status, r.actor.username, r.note) for r in rows] == [
        ("", PROPOSED, "amina", ""),
        (PROPOSED, RECOMMENDED, "bruno", "Endorsed at the weekly meeting"),
        (RECOMMENDED, ADOPTED, "amina", ""),
        (ADOPTED, IMPLEMENTED, "bruno", "Envoy appointed"),
    ]
    times = [r.at for r in rows]
    assert all(times) and times == sorted(times)
    events = AuditEvent.objects.filter(action="option.status").order_by("id")
    assert [(e.summary["from"], e.summary["to"]) for e in events] == [
        (PROPOSED, RECOMMENDED),
        (RECOMMENDED, ADOPTED),
        (ADOPTED, IMPLEMENTED),
    ]


def test_adoption_needs_by_whom_and_when(option, analyst):
    option = move(option, analyst, RECOMMENDED)
    with pytest.raises(ApplicationValidationError) as refused:
        services.option_transition(option=option, actor=analyst, to=ADOPTED)
    assert set(refused.value.fields) == {"adopted_by", "adopted_on"}
    with pytest.raises(ApplicationValidationError) as undated:
        services.option_transition(
            option=option, actor=analyst, to=ADOPTED, adopted_by="ECOWAS", adopted_on="last week"
        )
    assert list(undated.value.fields) == ["adopted_on"]
    option.refresh_from_db()
    assert option.status == RECOMMENDED and option.adopted_by == ""


def test_an_adoption_dated_in_the_future_is_refused_and_today_is_accepted(option, analyst):
    option = move(option, analyst, RECOMMENDED)
    tomorrow = timezone.localdate() + timedelta(days=1)
    for when in (tomorrow, tomorrow.isoformat()):
        with pytest.raises(ApplicationValidationError) as refused:
            services.option_transition(
                option=option, actor=analyst, to=ADOPTED, adopted_by="ECOWAS", adopted_on=when
            )
        assert refused.value.fields == {
            "adopted_on": ["The date of adoption cannot be in the future."]
        }
    adopted = services.option_transition(
        option=option,
        actor=analyst,
        to=ADOPTED,
        adopted_by="ECOWAS",
        adopted_on=timezone.localdate(),
    )
    assert adopted.adopted_on == timezone.localdate()


@pytest.mark.parametrize("origin", [PROPOSED, RECOMMENDED, ADOPTED])
def test_an_option_is_abandoned_only_with_a_reason(origin, option, analyst):
    option = bring_to(origin, option, analyst)
    for reason in ("", "   "):
        with pytest.raises(ApplicationValidationError) as refused:
            services.option_transition(option=option, actor=analyst, to=ABANDONED, note=reason)
        assert refused.value.fields == {"note": ["Say why the option is abandoned."]}
    abandoned = services.option_transition(
        option=option, actor=analyst, to=ABANDONED, note="The government expelled the envoy."
    )
    abandoned.refresh_from_db()
    assert abandoned.status == ABANDONED
    assert abandoned.abandoned_reason == "The government expelled the envoy."
    last = abandoned.transitions.last()
    assert (last.from_status, last.to_status) == (origin, ABANDONED)


@pytest.mark.parametrize(("origin", "target"), REFUSED)
def test_every_move_outside_the_lifecycle_is_a_conflict(origin, target, option, analyst):
    option = bring_to(origin, option, analyst)
    rows = option.transitions.count()
    with pytest.raises(ConflictError):
        move(option, analyst, target)
    option.refresh_from_db()
    assert option.status == origin
    assert option.transitions.count() == rows


def test_an_unknown_status_is_a_conflict(option, analyst):
    with pytest.raises(ConflictError) as refused:
        services.option_transition(option=option, actor=analyst, to="shelved")
    assert "shelved" in str(refused.value)


def test_sofia_off_the_team_cannot_move_amina_s_option(option, second_reviewer):
    with pytest.raises(ForbiddenError):
        move(option, second_reviewer, RECOMMENDED)
    option.refresh_from_db()
    assert option.status == PROPOSED


def test_a_stale_revision_of_an_option_is_a_conflict(option, analyst, senior_analyst):
    services.option_update(
        option=option, actor=senior_analyst, data={"risks": "Bruno's view"}, revision=1
    )
    with pytest.raises(ConflictError):
        services.option_update(option=option, actor=analyst, data={"risks": "Mine"}, revision=1)
    with pytest.raises(ConflictError):
        services.option_transition(option=option, actor=analyst, to=RECOMMENDED, revision=1)
    option.refresh_from_db()
    assert (option.risks, option.status, option.revision) == ("Bruno's view", PROPOSED, 2)


def test_amina_updates_an_open_option_but_not_a_closed_one(option, analyst):
    updated = services.option_update(
        option=option, actor=analyst, data={"factors": [7], "feasibility": "low"}
    )
    assert [f.number for f in updated.factors.all()] == [7]
    assert updated.feasibility == "low"
    with pytest.raises(ApplicationValidationError) as refused:
        services.option_update(option=updated, actor=analyst, data={"factors": [99]})
    assert list(refused.value.fields) == ["factors"]
    abandoned = move(updated, analyst, ABANDONED)
    with pytest.raises(ConflictError):
        services.option_update(option=abandoned, actor=analyst, data={"risks": "Too late"})
