"""The shapes of the assessments API's answers, and the functions that fill them.

Answers are built as plain dicts from what the selectors return (never by serializers walking
relations, which would query row by row); the serializers here document those shapes in the
OpenAPI schema and render them. Risk levels always travel as a number and its word, e.g.
{"level": 3, "word": "High"}, so that no client shows a colour or a number without the word.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from assessments.models import (
    Assessment,
    AssessmentStatus,
    Catalogue,
    Challenge,
    ChallengeStatus,
    Confidence,
    CrimeType,
    Evidence,
    FactorLevel,
    Feasibility,
    FlagKind,
    Instrument,
    OptionStatus,
    Pillar,
    ResponseOption,
    Scope,
    TriggerEvent,
    TriggerKind,
)
from assessments.scale import RISK_WORDS
from assessments.selectors import AssessmentDiff, AssessmentView, JudgmentView
from cases.apis import ClassificationField, EnumField
from cases.models import Reliability, Situation

UNKNOWN_FIELD = "Unknown field; the API schema lists the fields of this request."


# --- Input: every field the client got wrong, unknown ones included ----------------------------


class StrictInputSerializer(serializers.Serializer):
    """A request body whose misspelt or unexpected fields are named in the 400, rather than
    silently ignored (a client sending `overide_level` would otherwise believe it was saved)."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update({name: [UNKNOWN_FIELD] for name in unknown})
            raise
        if unknown:
            raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return value


# --- Named choice sets (one schema component each) ---------------------------------------------


def enum(name: str, choices: Any, **kwargs: Any) -> EnumField:
    return EnumField(enum=name, choices=choices, **kwargs)


def assessment_status(**kwargs: Any) -> EnumField:
    return enum("AssessmentStatus", AssessmentStatus.choices, **kwargs)


def factor_level(**kwargs: Any) -> EnumField:
    return enum("FactorLevel", FactorLevel.choices, **kwargs)


def confidence(**kwargs: Any) -> EnumField:
    return enum("Confidence", Confidence.choices, **kwargs)


def flag_kind(**kwargs: Any) -> EnumField:
    return enum("EvidenceFlag", FlagKind.choices, **kwargs)


def challenge_status(**kwargs: Any) -> EnumField:
    return enum("ChallengeStatus", ChallengeStatus.choices, **kwargs)


def trigger_kind(**kwargs: Any) -> EnumField:
    return enum("TriggerKind", TriggerKind.choices, **kwargs)


def option_status(**kwargs: Any) -> EnumField:
    return enum("ResponseOptionStatus", OptionStatus.choices, **kwargs)


def feasibility(**kwargs: Any) -> EnumField:
    return enum("Feasibility", Feasibility.choices, **kwargs)


# --- Small shared shapes -------------------------------------------------------------------------


@extend_schema_serializer(component_name="RiskLevelValue")
class RiskLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=4, help_text="1 to 4.")
    word = serializers.CharField(help_text="Low, Moderate, High or Very high.")


def risk_level(level: int | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"level": int(level), "word": RISK_WORDS[int(level)]}


@extend_schema_serializer(component_name="SituationRef")
class SituationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


def situation_ref(situation: Situation) -> dict[str, Any]:
    return {"id": situation.pk, "reference": situation.reference, "title": situation.title}


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


# --- The framework catalogue ----------------------------------------------------------------------


@extend_schema_serializer(component_name="FrameworkIndicator")
class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. 7.3")
    statement = serializers.CharField()


@extend_schema_serializer(component_name="FrameworkRiskFactor")
class RiskFactorSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=14)
    title = serializers.CharField()
    scope = enum("FactorScope", Scope.choices)
    definition = serializers.CharField()
    indicators = IndicatorSerializer(many=True)


@extend_schema_serializer(component_name="Framework")
class CatalogueSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    title = serializers.CharField()
    released_on = serializers.DateField()
    factors = RiskFactorSerializer(many=True)


def catalogue_data(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue with its factors and indicators prefetched (`factors__indicators`)."""
    return {
        "version": catalogue.version,
        "title": catalogue.title,
        "released_on": catalogue.released_on,
        "factors": [
            {
                "number": factor.number,
                "title": factor.title,
                "scope": factor.scope,
                "definition": factor.definition,
                "indicators": [
                    {"code": i.code, "statement": i.statement} for i in factor.indicators.all()
                ],
            }
            for factor in catalogue.factors.all()
        ],
    }


@extend_schema_serializer(component_name="Instrument")
class InstrumentSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable; what a response option names.")
    name = serializers.CharField()
    pillar = enum("Pillar", Pillar.choices)
    pillar_label = serializers.CharField(source="get_pillar_display")
    typical_actor = serializers.CharField()
    description = serializers.CharField()


# --- Assessments ----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Assessment")
class AssessmentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    situation = SituationRefSerializer()
    version = serializers.IntegerField()
    status = assessment_status()
    classification = ClassificationField()
    catalogue_version = serializers.IntegerField(
        help_text="The framework catalogue the judgments were written against."
    )
    based_on = serializers.IntegerField(
        allow_null=True, help_text="The approved version this one started as a copy of."
    )
    author = serializers.CharField()
    overall = RiskLevelSerializer(help_text="The override if any, else the computed level.")
    computed = RiskLevelSerializer(help_text="What the risk rule gives from the judgments.")
    override = RiskLevelSerializer(allow_null=True)
    genocide = RiskLevelSerializer()
    crimes_against_humanity = RiskLevelSerializer()
    war_crimes = RiskLevelSerializer()
    revision = serializers.IntegerField(help_text="Bumped by every change; the ETag's version.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="AssessmentPage")
class AssessmentPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AssessmentSummarySerializer(many=True)


def assessment_summary(assessment: Assessment) -> dict[str, Any]:
    """One assessment's header (situation, author, approver and catalogue loaded)."""
    return {
        "id": assessment.pk,
        "situation": situation_ref(assessment.situation),
        "version": assessment.version,
        "status": assessment.status,
        "classification": assessment.classification,
        "catalogue_version": assessment.catalogue.version,
        "based_on": assessment.based_on_id,
        "author": assessment.author.username,
        "overall": risk_level(assessment.overall_level),
        "computed": risk_level(assessment.computed_level),
        "override": risk_level(assessment.override_level),
        "genocide": risk_level(assessment.genocide_level),
        "crimes_against_humanity": risk_level(assessment.crimes_against_humanity_level),
        "war_crimes": risk_level(assessment.war_crimes_level),
        "revision": assessment.revision,
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
        "submitted_at": assessment.submitted_at,
        "approved_by": _username(assessment.approved_by),
        "approved_at": assessment.approved_at,
    }


@extend_schema_serializer(component_name="EvidenceSource")
class EvidenceSourceSerializer(serializers.Serializer):
    """A source as everyone sees it: pseudonym and grade, never who it is."""

    pseudonym = serializers.CharField()
    reliability = enum("SourceReliability", Reliability.choices)


@extend_schema_serializer(component_name="Evidence")
class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The evidence link; DELETE /evidence/{id}/.")
    factor = serializers.IntegerField(help_text="The risk factor number it backs.")
    signal = serializers.IntegerField()
    headline = serializers.CharField()
    grade = serializers.CharField(help_text="Source reliability and credibility, e.g. B2.")
    credibility = serializers.IntegerField(min_value=1, max_value=6)
    source = EvidenceSourceSerializer()
    note = serializers.CharField(allow_blank=True)
    added_by = serializers.CharField()
    added_at = serializers.DateTimeField()


def evidence_data(evidence: Evidence, factor_number: int) -> dict[str, Any]:
    """One evidence link whose signal the reader may see (signal, source, adder loaded)."""
    signal = evidence.signal
    return {
        "id": evidence.pk,
        "factor": factor_number,
        "signal": signal.pk,
        "headline": signal.headline,
        "grade": signal.grade,
        "credibility": signal.credibility,
        "source": {
            "pseudonym": signal.source.pseudonym,
            "reliability": signal.source.reliability,
        },
        "note": evidence.note,
        "added_by": evidence.added_by.username,
        "added_at": evidence.added_at,
    }


@extend_schema_serializer(component_name="FlagAcknowledgement")
class FlagAcknowledgementSerializer(serializers.Serializer):
    flags = serializers.ListField(child=flag_kind())
    note = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="AssessedFactor")
class AssessedFactorSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=14)
    title = serializers.CharField()
    scope = enum("FactorScope", Scope.choices)


@extend_schema_serializer(component_name="FactorJudgment")
class JudgmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="What a challenge of this judgment names.")
    factor = AssessedFactorSerializer()
    level = factor_level()
    level_label = serializers.CharField()
    confidence = confidence()
    narrative = serializers.CharField(allow_blank=True)
    indicators = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the indicators observed, e.g. 7.3."
    )
    evidence = EvidenceSerializer(many=True, help_text="Evidence whose signal you may see.")
    evidence_withheld = serializers.IntegerField(
        help_text="Evidence links to signals you may not see: counted, never shown."
    )
    flags = serializers.ListField(child=flag_kind(), help_text="Evidence-quality flags.")
    unresolved_flags = serializers.ListField(
        child=flag_kind(), help_text="Flags not acknowledged: each blocks approval."
    )
    acknowledgement = FlagAcknowledgementSerializer(allow_null=True)
    open_challenges = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of open challenges of this factor."
    )


def judgment_data(view: JudgmentView) -> dict[str, Any]:
    judgment = view.judgment
    factor = judgment.factor
    acknowledgement = None
    if judgment.acknowledged_flags:
        acknowledgement = {
            "flags": list(judgment.acknowledged_flags),
            "note": judgment.acknowledgement_note,
            "by": _username(judgment.acknowledged_by),
            "at": judgment.acknowledged_at,
        }
    return {
        "id": judgment.pk,
        "factor": {"number": factor.number, "title": factor.title, "scope": factor.scope},
        "level": judgment.level,
        "level_label": judgment.get_level_display(),
        "confidence": judgment.confidence,
        "narrative": judgment.narrative,
        "indicators": [indicator.code for indicator in view.indicators],
        "evidence": [evidence_data(e, factor.number) for e in view.evidence],
        "evidence_withheld": view.withheld,
        "flags": sorted(view.flags),
        "unresolved_flags": sorted(view.unresolved),
        "acknowledgement": acknowledgement,
        "open_challenges": [challenge.pk for challenge in view.challenges],
    }


@extend_schema_serializer(component_name="CrimeRisk")
class CrimeRiskSerializer(serializers.Serializer):
    crime = enum("CrimeType", CrimeType.choices)
    label = serializers.CharField()
    level = RiskLevelSerializer()
    reason = serializers.CharField(help_text='In words: "High because factor 11 is high."')
    not_judged = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Factors that count for this crime but could not be judged.",
    )


@extend_schema_serializer(component_name="AssessmentRisk")
class RiskSerializer(serializers.Serializer):
    crimes = CrimeRiskSerializer(many=True)
    computed = RiskLevelSerializer()
    computed_reason = serializers.CharField()
    override = RiskLevelSerializer(allow_null=True)
    override_justification = serializers.CharField(allow_blank=True)
    overall = RiskLevelSerializer()
    not_judged = serializers.ListField(child=serializers.IntegerField())


@extend_schema_serializer(component_name="ChallengeNote")
class ChallengeNoteSerializer(serializers.Serializer):
    note = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="AssessmentChallenge")
class AssessmentChallengeSerializer(serializers.Serializer):
    """An open challenge of something this version uses; acknowledged or not for it."""

    id = serializers.IntegerField()
    target = serializers.ChoiceField(choices=["signal", "judgment"])
    signal = serializers.IntegerField(allow_null=True)
    factor_number = serializers.IntegerField(allow_null=True)
    reasoning = serializers.CharField(
        allow_null=True, help_text="Null when you may not see the challenged signal."
    )
    author = serializers.CharField()
    created_at = serializers.DateTimeField()
    acknowledgement = ChallengeNoteSerializer(
        allow_null=True, help_text="Set once acknowledged for this version."
    )


@extend_schema_serializer(component_name="AssessmentTransition")
class TransitionSerializer(serializers.Serializer):
    from_status = assessment_status()
    to_status = assessment_status()
    actor = serializers.CharField()
    at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="AssessmentDetail")
class AssessmentDetailSerializer(AssessmentSummarySerializer):
    overall_narrative = serializers.CharField(allow_blank=True)
    override_justification = serializers.CharField(allow_blank=True)
    risk = RiskSerializer()
    judgments = JudgmentSerializer(many=True)
    blockers = serializers.ListField(
        child=serializers.CharField(),
        help_text="What stops approval, in words; empty when it may be approved.",
    )
    challenges = AssessmentChallengeSerializer(many=True)
    transitions = TransitionSerializer(many=True)


def assessment_detail(view: AssessmentView) -> dict[str, Any]:
    """Everything an assessment shows, from selectors.assessment_view (no further queries)."""
    assessment = view.assessment
    visible_signals = {e.signal_id for j in view.judgments for e in j.evidence}
    challenges = []
    for challenge in view.challenges:
        ack = view.acknowledged.get(challenge.pk)
        hidden = challenge.signal_id is not None and challenge.signal_id not in visible_signals
        challenges.append(
            {
                "id": challenge.pk,
                "target": "signal" if challenge.signal_id else "judgment",
                "signal": challenge.signal_id,
                "factor_number": challenge.factor_number,
                "reasoning": None if hidden else challenge.reasoning,
                "author": challenge.author.username,
                "created_at": challenge.created_at,
                "acknowledgement": (
                    {"note": ack.note, "by": ack.by.username, "at": ack.at} if ack else None
                ),
            }
        )
    return {
        **assessment_summary(assessment),
        "overall_narrative": assessment.overall_narrative,
        "override_justification": assessment.override_justification,
        "risk": {
            "crimes": [
                {
                    "crime": crime,
                    "label": CrimeType(crime).label,
                    "level": risk_level(result.level),
                    "reason": result.reason,
                    "not_judged": list(result.not_judged),
                }
                for crime, result in view.risk.crimes.items()
            ],
            "computed": risk_level(assessment.computed_level),
            "computed_reason": view.risk.overall_reason,
            "override": risk_level(assessment.override_level),
            "override_justification": assessment.override_justification,
            "overall": risk_level(assessment.overall_level),
            "not_judged": list(view.risk.not_judged),
        },
        "judgments": [judgment_data(j) for j in view.judgments],
        "blockers": view.blockers,
        "challenges": challenges,
        "transitions": [
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "actor": t.actor.username,
                "at": t.at,
                "comment": t.comment,
            }
            for t in view.transitions
        ],
    }


# --- What changed between two versions --------------------------------------------------------


@extend_schema_serializer(component_name="AssessmentVersionRef")
class VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = assessment_status()


@extend_schema_serializer(component_name="LevelChange")
class LevelChangeSerializer(serializers.Serializer):
    name = serializers.ChoiceField(
        choices=["overall", "genocide", "crimes_against_humanity", "war_crimes"]
    )
    before = RiskLevelSerializer()
    after = RiskLevelSerializer()


@extend_schema_serializer(component_name="FactorLevelChange")
class FactorLevelChangeSerializer(serializers.Serializer):
    before = serializers.CharField(allow_blank=True)
    after = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="FactorChange")
class FactorChangeSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    level = FactorLevelChangeSerializer(allow_null=True)
    confidence = FactorLevelChangeSerializer(allow_null=True)
    indicators_added = serializers.ListField(child=serializers.CharField())
    indicators_removed = serializers.ListField(child=serializers.CharField())
    evidence_added = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of signals you may see."
    )
    evidence_removed = serializers.ListField(child=serializers.IntegerField())
    evidence_withheld = serializers.IntegerField(
        help_text="Evidence changes about signals you may not see: counted, never shown."
    )
    narrative_changed = serializers.BooleanField()


@extend_schema_serializer(component_name="AssessmentDiff")
class DiffSerializer(serializers.Serializer):
    older = VersionRefSerializer()
    newer = VersionRefSerializer()
    levels = LevelChangeSerializer(many=True, help_text="Only the levels that changed.")
    factors = FactorChangeSerializer(many=True, help_text="Only the factors that changed.")


def diff_data(diff: AssessmentDiff, visible_signals: set[int]) -> dict[str, Any]:
    def ref(a: Assessment) -> dict[str, Any]:
        return {"id": a.pk, "version": a.version, "status": a.status}

    def pair(values: tuple[str, str] | None) -> dict[str, str] | None:
        return {"before": values[0], "after": values[1]} if values else None

    factors = []
    for change in diff.changed_factors:
        moved = [*change.evidence_added, *change.evidence_removed]
        factors.append(
            {
                "number": change.number,
                "title": change.title,
                "level": pair(change.level),
                "confidence": pair(change.confidence),
                "indicators_added": change.indicators_added,
                "indicators_removed": change.indicators_removed,
                "evidence_added": [s for s in change.evidence_added if s in visible_signals],
                "evidence_removed": [s for s in change.evidence_removed if s in visible_signals],
                "evidence_withheld": sum(1 for s in moved if s not in visible_signals),
                "narrative_changed": change.narrative_changed,
            }
        )
    return {
        "older": ref(diff.older),
        "newer": ref(diff.newer),
        "levels": [
            {"name": name, "before": risk_level(before), "after": risk_level(after)}
            for name, (before, after) in diff.levels.items()
        ],
        "factors": factors,
    }


# --- Challenges -----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="SignalRef")
class SignalRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    headline = serializers.CharField()


@extend_schema_serializer(component_name="ChallengeAcknowledgement")
class ChallengeAcknowledgementSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    version = serializers.IntegerField()
    note = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Challenge")
class ChallengeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target = serializers.ChoiceField(choices=["signal", "judgment"])
    signal = SignalRefSerializer(allow_null=True, help_text="The challenged signal.")
    judgment = serializers.IntegerField(allow_null=True, help_text="The challenged judgment.")
    situation = SituationRefSerializer(allow_null=True, help_text="Of a challenged judgment.")
    factor_number = serializers.IntegerField(allow_null=True)
    assessment = VersionRefSerializer(
        allow_null=True, help_text="The version whose judgment was challenged."
    )
    reasoning = serializers.CharField()
    counter_evidence = SignalRefSerializer(many=True, help_text="Those you may see.")
    author = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = challenge_status()
    resolution_note = serializers.CharField(allow_blank=True)
    resolved_by = serializers.CharField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    acknowledgements = ChallengeAcknowledgementSerializer(
        many=True, help_text="By the versions you may see."
    )


@extend_schema_serializer(component_name="ChallengePage")
class ChallengePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ChallengeSerializer(many=True)


def challenge_data(challenge: Challenge) -> dict[str, Any]:
    """A challenge loaded by apis._challenges (visible counter-evidence and acknowledgements
    prefetched), so a page of them costs a fixed number of queries."""
    judgment = challenge.judgment
    return {
        "id": challenge.pk,
        "target": "signal" if challenge.signal_id else "judgment",
        "signal": (
            {"id": challenge.signal.pk, "headline": challenge.signal.headline}
            if challenge.signal_id
            else None
        ),
        "judgment": challenge.judgment_id,
        "situation": situation_ref(challenge.situation) if challenge.situation_id else None,
        "factor_number": challenge.factor_number,
        "assessment": (
            {
                "id": judgment.assessment.pk,
                "version": judgment.assessment.version,
                "status": judgment.assessment.status,
            }
            if judgment is not None
            else None
        ),
        "reasoning": challenge.reasoning,
        "counter_evidence": [
            {"id": s.pk, "headline": s.headline} for s in challenge.counter_evidence.all()
        ],
        "author": challenge.author.username,
        "created_at": challenge.created_at,
        "status": challenge.status,
        "resolution_note": challenge.resolution_note,
        "resolved_by": _username(challenge.resolved_by),
        "resolved_at": challenge.resolved_at,
        "acknowledgements": [
            {
                "assessment": ack.assessment_id,
                "version": ack.assessment.version,
                "note": ack.note,
                "by": ack.by.username,
                "at": ack.at,
            }
            for ack in challenge.acknowledgements.all()
        ],
    }


# --- Triggers -------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Trigger")
class TriggerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    situation = SituationRefSerializer()
    kind = trigger_kind()
    title = serializers.CharField()
    occurs_on = serializers.DateField()
    days_away = serializers.IntegerField(help_text="Days from today; negative once past.")
    description = serializers.CharField(allow_blank=True)
    remind_days_before = serializers.IntegerField(
        allow_null=True, help_text="Null: the configured default."
    )
    reminded_at = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="TriggerPage")
class TriggerPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TriggerSerializer(many=True)


def trigger_data(trigger: TriggerEvent, today: date) -> dict[str, Any]:
    return {
        "id": trigger.pk,
        "situation": situation_ref(trigger.situation),
        "kind": trigger.kind,
        "title": trigger.title,
        "occurs_on": trigger.occurs_on,
        "days_away": (trigger.occurs_on - today).days,
        "description": trigger.description,
        "remind_days_before": trigger.remind_days_before,
        "reminded_at": trigger.reminded_at,
        "created_by": trigger.created_by.username,
        "created_at": trigger.created_at,
    }


# --- Response options -----------------------------------------------------------------------------


@extend_schema_serializer(component_name="OptionInstrument")
class OptionInstrumentSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    pillar = enum("Pillar", Pillar.choices)


@extend_schema_serializer(component_name="ResponseOptionTransition")
class OptionTransitionSerializer(serializers.Serializer):
    from_status = option_status(allow_null=True, help_text="Null for the proposal itself.")
    to_status = option_status()
    actor = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="ResponseOption")
class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    situation = SituationRefSerializer()
    instrument = OptionInstrumentSerializer()
    rationale = serializers.CharField()
    factors = serializers.ListField(
        child=serializers.IntegerField(), help_text="The risk factors it addresses."
    )
    lead_actor = serializers.CharField()
    expected_effect = serializers.CharField(allow_blank=True)
    risks = serializers.CharField(allow_blank=True)
    feasibility = feasibility()
    status = option_status()
    adopted_by = serializers.CharField(allow_blank=True)
    adopted_on = serializers.DateField(allow_null=True)
    abandoned_reason = serializers.CharField(allow_blank=True)
    proposed_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    revision = serializers.IntegerField()
    transitions = OptionTransitionSerializer(many=True)


@extend_schema_serializer(component_name="ResponseOptionPage")
class OptionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OptionSerializer(many=True)


def option_data(option: ResponseOption) -> dict[str, Any]:
    """An option from selectors.option_list (factors and transitions prefetched)."""
    instrument: Instrument = option.instrument
    return {
        "id": option.pk,
        "situation": situation_ref(option.situation),
        "instrument": {"key": instrument.key, "name": instrument.name, "pillar": instrument.pillar},
        "rationale": option.rationale,
        "factors": sorted(f.number for f in option.factors.all()),
        "lead_actor": option.lead_actor,
        "expected_effect": option.expected_effect,
        "risks": option.risks,
        "feasibility": option.feasibility,
        "status": option.status,
        "adopted_by": option.adopted_by,
        "adopted_on": option.adopted_on,
        "abandoned_reason": option.abandoned_reason,
        "proposed_by": option.proposed_by.username,
        "created_at": option.created_at,
        "updated_at": option.updated_at,
        "revision": option.revision,
        "transitions": [
            {
                "from_status": t.from_status or None,
                "to_status": t.to_status,
                "actor": t.actor.username,
                "at": t.at,
                "note": t.note,
            }
            for t in sorted(option.transitions.all(), key=lambda t: (t.at, t.pk))
        ],
    }


# --- Trend, heat map, map ------------------------------------------------------------------------


@extend_schema_serializer(component_name="RiskTrendPoint")
class TrendPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the version was approved.")
    version = serializers.IntegerField()
    overall = RiskLevelSerializer()
    genocide = RiskLevelSerializer()
    crimes_against_humanity = RiskLevelSerializer()
    war_crimes = RiskLevelSerializer()


@extend_schema_serializer(component_name="RiskTrend")
class TrendSerializer(serializers.Serializer):
    situation = SituationRefSerializer()
    trend = serializers.ChoiceField(
        choices=["rising", "steady", "falling"],
        help_text="The last approved overall level against the one before.",
    )
    current = RiskLevelSerializer(allow_null=True)
    points = TrendPointSerializer(many=True, help_text="Approved versions, oldest first.")


@extend_schema_field(
    {
        "type": "array",
        "items": {"allOf": [{"$ref": "#/components/schemas/RiskLevelValue"}], "nullable": True},
    }
)
class LevelOrNullListField(serializers.ListField):
    """Risk levels, one per slot, null where there is none (documented as such)."""

    def __init__(self, **kwargs: Any):
        super().__init__(child=RiskLevelSerializer(allow_null=True), **kwargs)


@extend_schema_serializer(component_name="HeatmapRow")
class HeatmapRowSerializer(serializers.Serializer):
    situation = SituationRefSerializer()
    cells = LevelOrNullListField(
        help_text="One per month: the level in force at the month's end, null before any."
    )


@extend_schema_serializer(component_name="Heatmap")
class HeatmapSerializer(serializers.Serializer):
    months = serializers.ListField(
        child=serializers.DateField(), help_text="First day of each month, oldest first."
    )
    rows = HeatmapRowSerializer(many=True)


@extend_schema_serializer(component_name="CountryLevel")
class CountryLevelSerializer(serializers.Serializer):
    iso3 = serializers.CharField()
    name = serializers.CharField()
    level = RiskLevelSerializer(
        allow_null=True, help_text="The highest current level of its situations."
    )
    situations = SituationRefSerializer(many=True)
