"""Demo assessments for `make run`'s first start, loaded after the demo intake (cases/demo.py),
through the real services: drafted by Amina (analyst), approved by Bruno (senior analyst).

- Central Sahel tri-border area: three approved versions over the past five months (moderate,
  then high, then very high), the last backed by the demo signals linked to it; three triggers
  in the next 90 days; three response options at different steps; one open challenge.
- Northern coastal townships (strictly confidential, Bruno's): a first version in draft, with
  evidence flags still to resolve.
- Eastern provinces, Great Lakes: no assessment at all, for a person (or the browser test) to
  write the first one; a trial verdict is on its calendar.

Everything is invented for training and demonstration, like the intake it builds on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments import selectors, services
from assessments.models import (
    Assessment,
    AssessmentStatus,
    AssessmentTransition,
    Evidence,
    FactorJudgment,
    OptionStatus,
    TriggerKind,
)
from cases import services as cases_services
from cases.demo import DEMO_NOTE, SITUATIONS
from cases.models import Origin, Signal, Situation
from r2p.models import User

TITLES = {key: title for key, title, *_ in SITUATIONS}
PRIOR_REPORTING = (
    "Drawn from the field office's monthly reports, written before the office filed its signals "
    "in r2p (demo)."
)

# factor number: (level, confidence, observed indicators, narrative)
Judgments = dict[int, tuple[str, str, list[str], str]]

SAHEL_FIRST: Judgments = {
    1: (
        "high",
        "high",
        ["1.1", "1.2"],
        "Armed groups and State forces fight across the tri-border area; markets and convoys "
        "are attacked every month.",
    ),
    2: (
        "moderate",
        "medium",
        ["2.1"],
        "Abuses by all sides are documented by the human-rights mechanism; few have been tried.",
    ),
    3: (
        "high",
        "medium",
        ["3.1", "3.3"],
        "The State is present in garrison towns only; courts are absent from most districts.",
    ),
    4: ("low", "low", [], "Control of gold sites and grazing land gives motives, not yet a plan."),
    5: (
        "moderate",
        "medium",
        ["5.1"],
        "Armed groups are well supplied; self-defence militias are forming in villages.",
    ),
    6: ("low", "medium", [], "Community mediation still works in parts of the area."),
    7: ("low", "low", [], "No sign yet of lists, purges or hate propaganda."),
    8: ("low", "low", [], "No dated trigger in the coming months."),
    9: (
        "low",
        "medium",
        ["9.1"],
        "Herder and farmer communities distrust each other, without systematic discrimination.",
    ),
    10: ("absent", "medium", [], "No sign of an intent to destroy any group."),
    11: (
        "moderate",
        "medium",
        ["11.1"],
        "Attacks on civilians recur but are not yet shown to be widespread or systematic.",
    ),
    12: ("low", "low", [], "No sign of a plan or policy behind the attacks."),
    13: ("moderate", "medium", ["13.1"], "Civilians and detainees are at risk in the fighting."),
    14: ("low", "medium", [], "Humanitarian convoys are delayed but rarely attacked."),
}

SAHEL_SECOND: Judgments = {
    7: (
        "moderate",
        "medium",
        ["7.5"],
        "Lists of alleged collaborators are reported at checkpoints held by armed groups.",
    ),
    9: (
        "moderate",
        "medium",
        ["9.1", "9.3"],
        "Herder communities are blamed as a group for the armed groups' attacks.",
    ),
    11: (
        "high",
        "medium",
        ["11.1", "11.3"],
        "Attacks on markets and villages now follow one pattern across three provinces.",
    ),
}

SAHEL_THIRD: Judgments = {
    8: (
        "moderate",
        "medium",
        ["8.1"],
        "Elections are due within two months, in a campaign already marked by violence.",
    ),
    11: (
        "high",
        "high",
        ["11.1", "11.3"],
        "The Tessit market attack repeats the pattern of the attacks of the past months.",
    ),
    12: (
        "moderate",
        "medium",
        ["12.4"],
        "Men are detained at checkpoints from lists, which suggests a plan rather than chance.",
    ),
}

# (days before now it was approved, changed judgments, overall narrative, evidence by factor:
# demo signal numbers (demo-N) with a note)
SAHEL_VERSIONS: list[tuple[float, Judgments, str, dict[int, list[tuple[int, str]]]]] = [
    (
        150,
        SAHEL_FIRST,
        "Armed conflict in a weak State with recurring attacks on civilians: moderate risk of "
        "all three crimes, none yet specific enough to rise further.",
        {},
    ),
    (
        85,
        SAHEL_SECOND,
        "Attacks on civilians now follow a pattern and communities are blamed as groups: the "
        "risk of crimes against humanity is high.",
        {},
    ),
    (
        0.5,
        SAHEL_THIRD,
        "The market attack and the detentions from lists point to a widespread attack and a "
        "plan behind it: the risk of crimes against humanity is very high, with elections due.",
        {
            1: [(1, "The field office's report of the market attack near Tessit.")],
            11: [
                (1, "Traders killed in a market attack that repeats the earlier pattern."),
                (4, "Dozens of men detained at a checkpoint, families without news."),
            ],
            12: [(4, "Detentions made from lists at the Djibo checkpoint.")],
        },
    ),
]

SINGLE_SOURCE_NOTES = {
    1: "The armed conflict is not in doubt; the field office (B) reports it every week.",
    12: "The human-rights mechanism's report is graded A2; a second source is being sought.",
}

TRIGGERS = [
    # situation key, kind, days ahead, title
    ("sahel", TriggerKind.ELECTION, 45, "Presidential and legislative elections, first round"),
    ("lakes", TriggerKind.TRIAL, 20, "Verdict in the trial of militia commanders for Djugu"),
    ("sahel", TriggerKind.ANNIVERSARY, 75, "Fifth anniversary of the Ménaka displacement"),
]

OPTIONS = [
    # instrument, rationale, lead actor, feasibility, factors, steps after "proposed"
    (
        "good-offices",
        "Quiet talks with the transitional authorities and community leaders before the vote "
        "could lower tension between herder and farmer communities.",
        "Special Adviser on the Prevention of Genocide",
        "medium",
        [8, 9],
        [],
    ),
    (
        "public-statement",
        "A public reminder of the State's responsibility to protect civilians at checkpoints, "
        "naming the detentions from lists.",
        "Special Advisers on Genocide Prevention and on R2P",
        "high",
        [11, 12],
        [OptionStatus.RECOMMENDED],
    ),
    (
        "fact-finding",
        "Independent experts could establish who keeps the lists and who orders the attacks on "
        "markets.",
        "Human Rights Council",
        "low",
        [11, 12, 13],
        [OptionStatus.RECOMMENDED, OptionStatus.ADOPTED],
    ),
]


def _situation(key: str) -> Situation | None:
    return Situation.objects.filter(title=TITLES[key]).order_by("pk").first()


def _signal(number: int) -> Signal:
    return Signal.objects.get(origin=Origin.DEMO, external_id=f"demo-{number}")


def _acknowledge_flags(assessment: Assessment, actor: User) -> None:
    """Acknowledge, with a note that says why, every evidence flag still open."""
    for judgment in assessment.judgments.select_related("factor").order_by("factor__number"):
        flags = selectors.judgment_flags(judgment)
        if flags and not flags <= set(judgment.acknowledged_flags):
            note = SINGLE_SOURCE_NOTES.get(judgment.factor.number, PRIOR_REPORTING)
            services.flags_acknowledge(judgment=judgment, actor=actor, note=note)


def _judge(assessment: Assessment, actor: User, judgments: Judgments) -> None:
    by_number = {j.factor.number: j for j in assessment.judgments.select_related("factor")}
    for number, (level, confidence, indicators, narrative) in judgments.items():
        services.judgment_update(
            judgment=by_number[number],
            actor=actor,
            data={
                "level": level,
                "confidence": confidence,
                "indicators": indicators,
                "narrative": narrative,
            },
        )


def _backdate(assessment: Assessment, approved_at: datetime) -> None:
    """Move a demo version's dates into the past, so that the trend has a history.

    The services stamp the moment they run; a demo loaded today would otherwise show three
    versions approved within a second. Only the dates move (the assessment's, its transitions',
    its evidence's and acknowledgements'); the audit trail keeps the real moment of loading.
    """
    submitted_at = approved_at - timedelta(hours=12)
    worked_at = submitted_at - timedelta(hours=1)
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=approved_at - timedelta(days=5),
        updated_at=approved_at,
        submitted_at=submitted_at,
        approved_at=approved_at,
    )
    transitions = AssessmentTransition.objects.filter(assessment=assessment)
    transitions.filter(to_status=AssessmentStatus.SUBMITTED).update(at=submitted_at)
    transitions.filter(to_status=AssessmentStatus.APPROVED).update(at=approved_at)
    Evidence.objects.filter(judgment__assessment=assessment).update(added_at=worked_at)
    FactorJudgment.objects.filter(assessment=assessment, acknowledged_at__isnull=False).update(
        acknowledged_at=worked_at
    )


def _sahel_history(sahel: Situation, amina: User, bruno: User, now: datetime) -> list[Assessment]:
    versions = []
    for days_ago, judgments, narrative, evidence in SAHEL_VERSIONS:
        assessment = services.assessment_start(situation=sahel, actor=amina)
        _judge(assessment, amina, judgments)
        services.assessment_update(
            assessment=assessment, actor=amina, data={"overall_narrative": narrative}
        )
        for number, items in evidence.items():
            judgment = assessment.judgments.get(factor__number=number)
            for signal_number, note in items:
                services.evidence_add(
                    judgment=judgment, actor=amina, signal_id=_signal(signal_number).pk, note=note
                )
        _acknowledge_flags(assessment, amina)
        services.assessment_submit(assessment=assessment, actor=amina)
        assessment = services.assessment_approve(
            assessment=assessment,
            actor=bruno,
            comment="Agreed: the levels follow from the evidence and the notes.",
        )
        _backdate(assessment, now - timedelta(days=days_ago))
        versions.append(assessment)
    return versions


def _coast_draft(coast: Situation, bruno: User) -> Assessment:
    """Bruno's first version of the strictly confidential situation, still in draft, with two
    evidence flags left for him to resolve: a raised factor without evidence, and one resting
    on a single source."""
    draft = services.assessment_start(situation=coast, actor=bruno)
    _judge(
        draft,
        bruno,
        {
            3: (
                "moderate",
                "low",
                ["3.3"],
                "Courts and police are absent from the townships under curfew.",
            ),
            7: (
                "moderate",
                "low",
                [],
                "The internet shutdown hides what happens in the townships.",
            ),
        },
    )
    judgment = draft.judgments.get(factor__number=7)
    services.evidence_add(
        judgment=judgment,
        actor=bruno,
        signal_id=_signal(10).pk,
        note="The shutdown extended for a further month.",
    )
    return draft


@transaction.atomic
def load(*, now: datetime | None = None) -> dict[str, Any]:
    """Load the demo assessments once; return what was created.

    Does nothing (and returns {}) unless the demo intake and accounts are there, or when any
    demo situation already has an assessment.
    """
    amina = User.objects.filter(username="amina").first()
    bruno = User.objects.filter(username="bruno").first()
    sahel, lakes, coast = _situation("sahel"), _situation("lakes"), _situation("coast")
    if None in (amina, bruno, sahel, lakes, coast):
        return {}
    if Assessment.objects.filter(situation__in=[sahel, lakes, coast]).exists():
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now)

    # The reviewer joins the Sahel team, so that the versions he approves are his to read.
    if not sahel.members.filter(user=bruno).exists():
        cases_services.situation_member_add(situation=sahel, user=bruno, actor=amina)
    history = _sahel_history(sahel, amina, bruno, now)
    _coast_draft(coast, bruno)

    situations = {"sahel": sahel, "lakes": lakes}
    for key, kind, days, title in TRIGGERS:
        services.trigger_create(
            situation=situations[key],
            actor=amina,
            data={
                "kind": kind,
                "title": title,
                "occurs_on": today + timedelta(days=days),
                "description": DEMO_NOTE,
                "remind_days_before": 14,
            },
        )

    for instrument, rationale, lead, feasibility, factors, steps in OPTIONS:
        option = services.option_propose(
            situation=sahel,
            actor=amina,
            data={
                "instrument": instrument,
                "rationale": f"{rationale} {DEMO_NOTE}",
                "lead_actor": lead,
                "feasibility": feasibility,
                "factors": factors,
                "expected_effect": "Fewer attacks on civilians around the elections.",
                "risks": "The authorities may refuse it as interference in the electoral period.",
            },
        )
        for step in steps:
            adopted = step == OptionStatus.ADOPTED
            option = services.option_transition(
                option=option,
                actor=bruno if adopted else amina,
                to=step,
                note="Discussed at the weekly desk meeting (demo).",
                adopted_by="Human Rights Council" if adopted else "",
                adopted_on=today - timedelta(days=10) if adopted else None,
            )

    latest = history[-1]
    challenged = latest.judgments.get(factor__number=12)
    services.challenge_raise(
        actor=bruno,
        judgment=challenged,
        reasoning=(
            "The detentions at the Djibo checkpoint may be one commander's initiative: nothing "
            "yet shows a policy, and factor 12 rests on a single report."
        ),
    )
    return {
        "approved versions": len(history),
        "draft in progress": 1,
        "triggers": len(TRIGGERS),
        "response options": len(OPTIONS),
        "open challenge": 1,
    }
