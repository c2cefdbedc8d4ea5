"""The figures of an implementation report, checked against a world planted by hand.

Every expected number below was counted by hand from the records planted in this module; the
comment beside it names the records that make it up. The report is for Q3 2026 (1 July - 30
September), so the previous period is Q2 2026 (1 April - 30 June); a few records fall in Q1 or
Q4 and must count nowhere.

The world has three layers:
- public: situations S1-S8 in Africa, Europe, the Americas and no known region, and everything
  that hangs off them;
- confidential: the situation C1 in Asia (a region where nothing public exists), plus a few
  confidential records on public situations (CE2, K3, the assessment S7v1) and a public
  escalation of C1 (PE);
- strictly confidential: the situation X1 in Oceania, and XE2, a strictly confidential
  escalation on a public situation.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from assessments.models import (
    Assessment,
    Catalogue,
    Instrument,
    OptionTransition,
    ResponseOption,
)
from cases.models import (
    Decision,
    Escalation,
    EscalationTransition,
    InactionAlert,
    Referral,
    ReferralUpdate,
    RegionalArrangement,
    Signal,
    SignalSituationLink,
    Situation,
    Source,
)
from r2p.models import Classification
from reports.figures import (
    Count,
    Period,
    Table,
    figures_compute,
    last_complete_period,
    previous_period,
    table_disclose,
)

pytestmark = pytest.mark.django_db

PUBLIC = Classification.PUBLIC
CONFIDENTIAL = Classification.CONFIDENTIAL
STRICT = Classification.STRICTLY_CONFIDENTIAL

Q3 = Period(date(2026, 7, 1), date(2026, 9, 30))

FEWER = "fewer than 3"
WITHHELD = "withheld"
NOT_SHOWN = {
    "count": None,
    "count_text": "fewer than 3",
    "median": None,
    "p90": None,
    "median_text": "not shown",
    "p90_text": "not shown",
}

HOUR = 3600
DAY = 24 * HOUR


def t(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


EDITED_AFTER_CLOSING = t(11, 1)


# --- Planting records ---------------------------------------------------------------------------

# The statuses an escalation passes through, by action (return and withdraw leave from anywhere).
MOVES = {
    "submit": "in_review",
    "review": "reviewed",
    "endorse": "endorsed",
    "transmit": "at_desk",
    "decide": "decided",
    "urgent": "at_desk",
    "withdraw": "withdrawn",
    "return": "draft",
}


class Planter:
    """Creates records straight through the ORM and places them in time with update()."""

    def __init__(self, amina, bruno):
        self.amina = amina
        self.bruno = bruno
        self.catalogue = Catalogue.objects.order_by("-version").first()
        self.made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        return self.made[name]

    def situation(
        self,
        name: str,
        countries: list[str],
        regions: list[str],
        created: datetime,
        classification: int = PUBLIC,
        closed: datetime | None = None,
    ) -> Situation:
        situation = Situation.objects.create(
            reference=f"SIT-{name}",
            title=f"Situation {name}",
            countries=countries,
            regions=regions,
            lead_analyst=self.amina,
            classification=classification,
            status="closed" if closed else "active",
        )
        # A closed situation was edited again after it was closed (on 1 Nov 2026): the reports
        # go by when it was closed, not by its last change.
        Situation.objects.filter(pk=situation.pk).update(
            created_at=created,
            closed_at=closed,
            updated_at=EDITED_AFTER_CLOSING if closed else created,
        )
        self.made[name] = situation
        return situation

    def source(
        self, name: str, source_type: str, reliability: str, classification: int = PUBLIC
    ) -> Source:
        source = Source.objects.create(
            pseudonym=f"SRC-{name}",
            source_type=source_type,
            reliability=reliability,
            created_by=self.amina,
            classification=classification,
        )
        self.made[name] = source
        return source

    def signal(
        self,
        name: str,
        source: str,
        country: str,
        category: str,
        created: datetime,
        classification: int = PUBLIC,
        situation: str | None = None,
        **extra: Any,
    ) -> Signal:
        signal = Signal.objects.create(
            headline=f"Signal {name}",
            occurred_on=created.date() - timedelta(days=1),
            reported_at=created,
            country=country,
            category=category,
            source=self.made[source],
            credibility=2,
            origin="form",
            created_by=self.amina,
            classification=classification,
            **extra,
        )
        Signal.objects.filter(pk=signal.pk).update(created_at=created)
        if situation:
            SignalSituationLink.objects.create(
                signal=signal, situation=self.made[situation], linked_by=self.amina
            )
        self.made[name] = signal
        return signal

    def assessment(
        self,
        name: str,
        situation: str,
        version: int,
        level: int,
        approved: datetime | None,
        classification: int = PUBLIC,
    ) -> Assessment:
        assessment = Assessment.objects.create(
            situation=self.made[situation],
            version=version,
            catalogue=self.catalogue,
            status="approved" if approved else "draft",
            author=self.amina,
            genocide_level=level,
            crimes_against_humanity_level=level,
            war_crimes_level=level,
            computed_level=level,
            overall_level=level,
            approved_by=self.bruno if approved else None,
            approved_at=approved,
            classification=classification,
        )
        self.made[name] = assessment
        return assessment

    def escalation(
        self,
        name: str,
        situation: str,
        *moves: tuple[str, datetime],
        classification: int = PUBLIC,
    ) -> Escalation:
        urgent = any(action == "urgent" for action, _ in moves)
        status = "draft"
        steps = []
        for action, at in moves:
            steps.append((action, status, MOVES[action], at))
            status = MOVES[action]
        escalation = Escalation.objects.create(
            reference=f"ESC-{name}",
            situation=self.made[situation],
            summary="Killings of civilians reported along the border",
            status=status,
            status_since=moves[-1][1],
            drafted_by=self.amina,
            classification=classification,
            urgent=urgent,
            urgent_justification="A massacre is expected within days" if urgent else "",
        )
        for action, from_status, to_status, at in steps:
            row = EscalationTransition.objects.create(
                escalation=escalation,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=self.amina,
            )
            EscalationTransition.objects.filter(pk=row.pk).update(at=at)
        self.made[name] = escalation
        return escalation

    def decision(self, name: str, escalation: str, outcome: str, at: datetime) -> Decision:
        decision = Decision.objects.create(
            escalation=self.made[escalation],
            outcome=outcome,
            rationale="The Secretary-General's reasons",
            decided_by=self.bruno,
        )
        Decision.objects.filter(pk=decision.pk).update(decided_at=at)
        self.made[name] = decision
        return decision

    def referral(
        self,
        name: str,
        decision: str,
        body: str,
        sent_on: date,
        *updates: tuple[str, datetime],
        arrangement: str | None = None,
        other_body: str = "",
    ) -> Referral:
        status = updates[-1][0] if updates else "sent"
        referral = Referral.objects.create(
            decision=self.made[decision],
            body=body,
            regional_arrangement=(
                RegionalArrangement.objects.get(acronym=arrangement) if arrangement else None
            ),
            other_body=other_body,
            legal_basis="Charter of the United Nations",
            rationale="The body best placed to act",
            sent_on=sent_on,
            status=status,
            action_taken="A resolution was adopted" if status == "action_taken" else "",
            follow_up_on=sent_on + timedelta(days=30),
        )
        for update_status, at in updates:
            row = ReferralUpdate.objects.create(
                referral=referral,
                status=update_status,
                follow_up_on=at.date() + timedelta(days=30),
                actor=self.amina,
            )
            ReferralUpdate.objects.filter(pk=row.pk).update(at=at)
        self.made[name] = referral
        return referral

    def option(
        self, name: str, situation: str, instrument: str, *moves: tuple[str, datetime]
    ) -> ResponseOption:
        status = moves[-1][0]
        adopted = [at for step, at in moves if step == "adopted"]
        option = ResponseOption.objects.create(
            situation=self.made[situation],
            instrument=Instrument.objects.get(key=instrument),
            rationale="It may prevent the worst",
            lead_actor="Special Adviser",
            feasibility="medium",
            status=status,
            adopted_by="Security Council" if adopted else "",
            adopted_on=adopted[0].date() if adopted else None,
            proposed_by=self.amina,
        )
        previous = ""
        for to_status, at in moves:
            row = OptionTransition.objects.create(
                option=option, from_status=previous, to_status=to_status, actor=self.amina
            )
            OptionTransition.objects.filter(pk=row.pk).update(at=at)
            previous = to_status
        self.made[name] = option
        return option

    def alert(
        self, name: str, situation: str, raised: datetime, closed: datetime | None = None
    ) -> InactionAlert:
        alert = InactionAlert.objects.create(
            situation=self.made[situation],
            level=3,
            high_since=raised - timedelta(days=30),
            closed_at=closed,
        )
        InactionAlert.objects.filter(pk=alert.pk).update(raised_at=raised)
        self.made[name] = alert
        return alert


def plant_public(p: Planter) -> None:
    # Situations. Monitored in Q3: S1 S2 S3 S7 S8; in Q2: S1 S2 S4 S8.
    p.situation("S1", ["NGA"], ["Africa"], t(1, 10))
    p.situation("S2", ["MLI"], ["Africa"], t(5, 10))
    p.situation("S3", ["UKR"], ["Europe"], t(8, 1))
    p.situation("S4", ["XKX"], ["Europe"], t(2, 1), closed=t(5, 20))  # closed during Q2
    p.situation("S5", ["COL"], ["Americas"], t(6, 1, year=2025), closed=t(3, 1))  # closed in Q1
    p.situation("S6", ["COL"], ["Americas"], t(10, 5))  # opened in Q4
    p.situation("S7", ["LBY", "ITA"], ["Africa", "Europe"], t(7, 20))  # two regions
    p.situation("S8", ["ZZZ"], [], t(1, 20))  # no known region

    # Sources: type and reliability.
    p.source("AAAA", "un_field_presence", "A")
    p.source("BBBB", "media", "C")
    p.source("CCCC", "civil_society", "B")
    p.source("EEEE", "media", "A")

    # Signals of Q3.
    p.signal("g1", "AAAA", "NGA", "violence_against_civilians", t(7, 5), situation="S1")
    p.signal("g2", "EEEE", "NGA", "violence_against_civilians", t(7, 20))
    p.signal("g3", "BBBB", "UKR", "armed_clash", t(8, 2), situation="S3")
    p.signal("g4", "CCCC", "UKR", "armed_clash", t(9, 30, 23))
    p.signal("g5", "CCCC", "ZZZ", "other", t(8, 10))
    p.signal(
        "g6",
        "AAAA",
        "NGA",
        "violence_against_civilians",
        t(7, 6),
        status="duplicate",
        duplicate_of=p["g1"],
    )
    p.signal(
        "g7",
        "AAAA",
        "MLI",
        "forced_displacement",
        t(7, 10),
        status="dismissed",
        dismissed_reason="Rumour",
    )
    # Signals of Q2.
    p.signal("h1", "AAAA", "MLI", "forced_displacement", t(5, 11, 12), situation="S2")
    p.signal("h2", "CCCC", "NGA", "violence_against_civilians", t(6, 30, 23, 59))
    p.signal("h3", "BBBB", "XKX", "armed_clash", t(4, 1, 0, 0))
    # Outside both periods.
    p.signal("o1", "AAAA", "NGA", "violence_against_civilians", t(3, 31, 12), situation="S1")
    p.signal("o2", "BBBB", "UKR", "armed_clash", t(10, 1, 0, 0))

    # Assessments (levels: 1 low, 2 moderate, 3 high, 4 very high).
    p.assessment("S1v1", "S1", 1, 2, t(2, 10))
    p.assessment("S1v2", "S1", 2, 3, t(8, 15, 12))
    p.assessment("S2v1", "S2", 1, 4, t(5, 20, 12))
    p.assessment("S2v2", "S2", 2, 1, None)  # a draft: never counts
    p.assessment("S3v1", "S3", 1, 1, t(9, 10))
    p.assessment("S3v2", "S3", 2, 4, t(10, 10))  # approved in Q4
    p.assessment("S4v1", "S4", 1, 3, t(3, 1))

    # Escalations. Stage times of those decided in Q3 (hours):
    #        review  endorsement  transmission  decision  whole
    #   E1     1        10            1            24        36
    #   E2     2        20            1            24        47
    #   E3     3        30            1            48        82
    #   E4     4        40            1            72       117
    #   E5     5        50            1           240       296   (escalated in Q2)
    #   U1     -         -            -             6         6   (urgent)
    p.escalation(
        "E1",
        "S1",
        ("submit", t(7, 6, 0)),
        ("review", t(7, 6, 1)),
        ("endorse", t(7, 6, 11)),
        ("transmit", t(7, 6, 12)),
        ("decide", t(7, 7, 12)),
    )
    p.decision("D-E1", "E1", "route", t(7, 7, 12))
    p.referral(
        "r1",
        "D-E1",
        "sc",
        date(2026, 7, 8),
        ("acknowledged", t(7, 20)),
        ("on_agenda", t(9, 15)),
    )
    p.referral(
        "r2",
        "D-E1",
        "regional",
        date(2026, 7, 8),
        ("acknowledged", t(8, 1)),
        ("action_taken", t(10, 5)),  # after the period's end
        arrangement="AU",
    )
    p.escalation(
        "E2",
        "S2",
        ("submit", t(7, 13, 0)),
        ("review", t(7, 13, 2)),
        ("endorse", t(7, 13, 22)),
        ("transmit", t(7, 13, 23)),
        ("decide", t(7, 14, 23)),
    )
    p.decision("D-E2", "E2", "route", t(7, 14, 23))
    p.referral("r3", "D-E2", "hrc", date(2026, 7, 15), ("action_taken", t(8, 10)))
    p.escalation(
        "E3",
        "S3",
        ("submit", t(8, 3, 0)),
        ("review", t(8, 3, 3)),
        ("endorse", t(8, 4, 9)),
        ("transmit", t(8, 4, 10)),
        ("decide", t(8, 6, 10)),
    )
    p.decision("D-E3", "E3", "hold", t(8, 6, 10))
    p.escalation(
        "E4",
        "S1",
        ("submit", t(9, 1, 0)),
        ("review", t(9, 1, 4)),
        ("endorse", t(9, 2, 20)),
        ("transmit", t(9, 2, 21)),
        ("decide", t(9, 5, 21)),
    )
    p.decision("D-E4", "E4", "route", t(9, 5, 21))
    p.referral("r4", "D-E4", "ga", date(2026, 9, 6))
    p.referral("r10", "D-E4", "ecosoc", date(2026, 9, 30))  # the period's last day
    p.escalation(
        "E5",
        "S2",
        ("submit", t(6, 25, 0)),
        ("review", t(6, 25, 5)),
        ("endorse", t(6, 27, 7)),
        ("transmit", t(6, 27, 8)),
        ("decide", t(7, 7, 8)),
    )
    p.decision("D-E5", "E5", "hold", t(7, 7, 8))
    p.escalation("U1", "S3", ("urgent", t(8, 20, 0)), ("decide", t(8, 20, 6)))
    p.decision("D-U1", "U1", "route", t(8, 20, 6))
    p.referral(
        "r5",
        "D-U1",
        "regional",
        date(2026, 8, 21),
        ("no_action", t(9, 30, 23)),
        arrangement="ECOWAS",
    )
    # Decided in Q2 (review 2 h, endorsement 4 h, transmission 1 h, decision 24 h, whole 31 h).
    p.escalation(
        "P1",
        "S2",
        ("submit", t(5, 1, 0)),
        ("review", t(5, 1, 2)),
        ("endorse", t(5, 1, 6)),
        ("transmit", t(5, 1, 7)),
        ("decide", t(5, 2, 7)),
    )
    p.decision("D-P1", "P1", "route", t(5, 2, 7))
    p.referral(
        "r6",
        "D-P1",
        "sc",
        date(2026, 5, 3),
        ("acknowledged", t(5, 10)),
        ("action_taken", t(7, 20, 0)),  # after the end of Q2
    )
    p.referral(
        "r8", "D-P1", "other", date(2026, 6, 30), other_body="International Court of Justice"
    )
    # At the desk in Q3, decided in Q4.
    p.escalation(
        "O1",
        "S1",
        ("submit", t(9, 28, 0)),
        ("review", t(9, 28, 1)),
        ("endorse", t(9, 29, 0)),
        ("transmit", t(9, 29, 1)),
        ("decide", t(10, 2, 0)),
    )
    p.decision("D-O1", "O1", "route", t(10, 2, 0))
    p.referral("r7", "D-O1", "sc", date(2026, 10, 3))
    p.escalation("W1", "S2", ("submit", t(8, 1, 0)), ("withdraw", t(8, 5, 0)))
    # First submitted in Q2, returned, submitted again in Q3.
    p.escalation(
        "R1", "S3", ("submit", t(6, 20, 0)), ("return", t(6, 22, 0)), ("submit", t(7, 3, 0))
    )
    # Sent back by the desk once.
    p.escalation(
        "SB1",
        "S1",
        ("submit", t(7, 1, 10)),
        ("review", t(7, 1, 12)),
        ("endorse", t(7, 1, 18)),
        ("transmit", t(7, 2, 0)),
        ("return", t(7, 10, 0)),
    )
    p.decision("D-SB1", "SB1", "send_back", t(7, 10, 0))
    # Endorsed in Q3, not yet transmitted.
    p.escalation("EN1", "S3", ("submit", t(9, 20)), ("review", t(9, 21)), ("endorse", t(9, 22)))
    # All in Q1.
    p.escalation("Q1E", "S4", ("submit", t(2, 1)), ("withdraw", t(2, 2)))

    # Response options (instrument pillars: public-statement I, good-offices II,
    # fact-finding III, sc-briefing III).
    p.option(
        "op1",
        "S1",
        "public-statement",
        ("proposed", t(6, 10)),
        ("adopted", t(7, 10)),
        ("implemented", t(8, 10)),
    )
    p.option(
        "op2",
        "S2",
        "good-offices",
        ("proposed", t(7, 5)),
        ("recommended", t(7, 6)),
        ("adopted", t(7, 20, 12)),
    )
    p.option("op3", "S3", "fact-finding", ("proposed", t(8, 5)))
    p.option(
        "op4",
        "S1",
        "sc-briefing",
        ("proposed", t(3, 1)),
        ("adopted", t(5, 1)),
        ("implemented", t(10, 5)),
    )
    p.option("op5", "S2", "public-statement", ("proposed", t(9, 30, 23, 59)))

    # Inaction alerts.
    p.alert("a1", "S1", t(7, 10), closed=t(8, 10))
    p.alert("a2", "S2", t(5, 25))
    p.alert("a3", "S3", t(9, 15), closed=t(10, 3))
    p.alert("a4", "S1", t(2, 1), closed=t(7, 5))
    p.alert("a5", "S4", t(1, 5), closed=t(3, 1))


def plant_confidential(p: Planter) -> None:
    p.situation("C1", ["MMR"], ["Asia"], t(3, 1), classification=CONFIDENTIAL)
    p.source("DDDD", "government", "D", classification=CONFIDENTIAL)
    p.signal(
        "k1", "DDDD", "MMR", "incitement", t(7, 15), classification=CONFIDENTIAL, situation="C1"
    )
    p.signal(
        "k2", "DDDD", "MMR", "incitement", t(5, 15), classification=CONFIDENTIAL, situation="C1"
    )
    # A confidential signal in a public country, filed in Q3.
    p.signal(
        "k3", "AAAA", "NGA", "violence_against_civilians", t(8, 20), classification=CONFIDENTIAL
    )
    p.assessment("C1v1", "C1", 1, 3, t(6, 10), classification=CONFIDENTIAL)
    # A confidential assessment of a public situation.
    p.assessment("S7v1", "S7", 1, 4, t(9, 1), classification=CONFIDENTIAL)
    # Decided in Q2: review, endorsement, transmission 24 h each, decision 7 days.
    p.escalation(
        "CE1",
        "C1",
        ("submit", t(6, 1)),
        ("review", t(6, 2)),
        ("endorse", t(6, 3)),
        ("transmit", t(6, 4)),
        ("decide", t(6, 11)),
        classification=CONFIDENTIAL,
    )
    p.decision("D-CE1", "CE1", "hold", t(6, 11))
    p.escalation(
        "CE3",
        "C1",
        ("submit", t(7, 20)),
        ("review", t(7, 21)),
        ("endorse", t(7, 22)),
        ("transmit", t(7, 23)),
        ("decide", t(7, 30)),
        classification=CONFIDENTIAL,
    )
    p.decision("D-CE3", "CE3", "route", t(7, 30))
    p.referral("rc", "D-CE3", "regional", date(2026, 7, 31), arrangement="ASEAN")
    # A confidential escalation of a public situation, and a public one of C1.
    p.escalation("CE2", "S2", ("urgent", t(8, 10)), classification=CONFIDENTIAL)
    p.escalation("PE", "C1", ("submit", t(8, 20)))
    p.option("opc", "C1", "special-envoy", ("proposed", t(7, 25)), ("adopted", t(8, 25)))
    p.alert("ac", "C1", t(6, 15))


def plant_strict(p: Planter) -> None:
    p.situation("X1", ["FJI"], ["Oceania"], t(3, 1), classification=STRICT)
    p.signal(
        "x1", "DDDD", "FJI", "sexual_violence", t(7, 25), classification=STRICT, situation="X1"
    )
    p.assessment("X1v1", "X1", 1, 4, t(6, 1), classification=STRICT)
    p.escalation(
        "XE1",
        "X1",
        ("submit", t(7, 2)),
        ("review", t(7, 3)),
        ("endorse", t(7, 4)),
        ("transmit", t(7, 5)),
        ("decide", t(7, 6)),
        classification=STRICT,
    )
    p.decision("D-XE1", "XE1", "route", t(7, 6))
    p.referral("rx", "D-XE1", "regional", date(2026, 7, 7), arrangement="PIF")
    # A strictly confidential escalation of a public situation.
    p.escalation("XE2", "S1", ("urgent", t(9, 10)), classification=STRICT)
    p.option("opx", "X1", "sanctions", ("proposed", t(7, 10)))
    p.alert("ax", "X1", t(7, 1))


@pytest.fixture
def planter(analyst, senior_analyst) -> Planter:
    return Planter(analyst, senior_analyst)


@pytest.fixture
def world(planter) -> Planter:
    """The whole planted world: public, confidential and strictly confidential layers."""
    plant_public(planter)
    plant_confidential(planter)
    plant_strict(planter)
    return planter


# --- Reading the figures ------------------------------------------------------------------------


def figures(audience: int) -> dict[str, Any]:
    return figures_compute(period=Q3, audience=audience)


def table(figs: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in figs["tables"] if t["key"] == key)


def shown(cell: dict[str, Any]) -> int | str:
    """The number, or the words that stand in for it."""
    return cell["text"] if cell["value"] is None else cell["value"]


def rows(figs: dict[str, Any], key: str) -> list[tuple[str, list[int | str]]]:
    return [(r["label"], [shown(c) for c in r["cells"]]) for r in table(figs, key)["rows"]]


def nonzero_rows(figs: dict[str, Any], key: str) -> dict[str, list[int | str]]:
    return {label: cells for label, cells in rows(figs, key) if any(cells)}


def total(figs: dict[str, Any], key: str) -> list[int | str]:
    return [shown(c) for c in table(figs, key)["total"]["cells"]]


def durations(figs: dict[str, Any], key: str) -> dict[str, list[tuple]]:
    return {
        r["label"]: [(c["count"], c["median"], c["p90"]) for c in r["cells"]]
        for r in table(figs, key)["rows"]
    }


ALL_TABLES = [
    "situations_by_region",
    "situations_by_risk",
    "signals_by_category",
    "signals_by_region",
    "signals_by_source_type",
    "signals_by_reliability",
    "assessments_approved",
    "escalations",
    "escalation_times",
    "referrals_by_body",
    "referrals_by_status",
    "options_by_pillar",
    "options_by_instrument",
    "warning_response_gap",
    "inaction_alerts",
]

CATEGORY_LABELS = [
    "Violence against civilians",
    "Armed clash",
    "Incitement and hate speech",
    "Arbitrary detention and disappearance",
    "Forced displacement",
    "Sexual violence",
    "Attacks on humanitarian or UN personnel",
    "Restrictions on civic space",
    "Armed mobilisation",
    "Election-related violence",
    "Other",
]


# --- Every figure, for a public audience -------------------------------------------------------


def test_the_figures_name_the_period_the_previous_period_the_audience_and_every_table(world):
    figs = figures(PUBLIC)
    assert figs["period"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert figs["previous"] == {"start": "2026-04-01", "end": "2026-06-30"}
    assert figs["audience"] == "PUBLIC"
    assert [t["key"] for t in figs["tables"]] == ALL_TABLES


def test_situations_monitored_are_those_open_at_some_time_in_each_period(world):
    # Q3: S1 S2 S3 S7 S8 (S4 closed in Q2, S5 in Q1, S6 opened in Q4);
    # Q2: S1 S2 S4 S8 (S3 and S7 opened in Q3). S7 spans two regions but counts once.
    assert total(figures(PUBLIC), "situations_by_region") == [5, 4]


def test_situations_by_region_count_a_two_region_situation_in_each_and_list_no_empty_region(
    world,
):
    assert rows(figures(PUBLIC), "situations_by_region") == [
        ("Africa", [3, 2]),  # Q3: S1 S2 S7; Q2: S1 S2
        ("Europe", [2, 1]),  # Q3: S3 S7; Q2: S4
        ("Region unknown", [1, 1]),  # S8, which has no region
    ]  # the Americas (S5 closed in Q1, S6 opened in Q4) do not appear


def test_situations_by_risk_read_the_latest_approved_assessment_before_each_moment(world):
    figs = figures(PUBLIC)
    assert table(figs, "situations_by_risk")["columns"] == [
        "Start of the previous period (1 Apr 2026)",
        "Start of this period (1 Jul 2026)",
        "End of this period (30 Sep 2026)",
    ]
    # 1 Apr: S1 (v1 moderate), S4 (high), S8. 1 Jul: S1 (v1 moderate), S2 (very high), S8.
    # 1 Oct: S1 (v2 high), S2, S3 (v1 low; v2 is approved in Q4), S7 and S8 unassessed.
    assert rows(figs, "situations_by_risk") == [
        ("Very high", [0, 1, 1]),  # - | S2 | S2
        ("High", [1, 0, 1]),  # S4 | - | S1
        ("Moderate", [1, 1, 0]),  # S1 | S1 | -
        ("Low", [0, 0, 1]),  # - | - | S3
        ("Not yet assessed", [1, 1, 2]),  # S8 | S8 | S7 S8
    ]
    assert total(figs, "situations_by_risk") == [3, 3, 5]


def test_new_signals_by_category_leave_out_duplicates_but_keep_dismissed_signals(world):
    figs = figures(PUBLIC)
    assert nonzero_rows(figs, "signals_by_category") == {
        "Violence against civilians": [2, 1],  # Q3: g1 g2 (g6 is a duplicate); Q2: h2
        "Armed clash": [2, 1],  # g3 g4; h3 (o2 is filed in Q4)
        "Forced displacement": [1, 1],  # g7 (dismissed); h1
        "Other": [1, 0],  # g5
    }
    assert [label for label, _ in rows(figs, "signals_by_category")] == CATEGORY_LABELS
    assert total(figs, "signals_by_category") == [6, 3]


def test_new_signals_by_region_take_the_region_from_the_signals_country(world):
    figs = figures(PUBLIC)
    assert rows(figs, "signals_by_region") == [
        ("Africa", [3, 2]),  # NGA g1 g2, MLI g7; MLI h1, NGA h2
        ("Europe", [2, 1]),  # UKR g3 g4; XKX h3
        ("Region unknown", [1, 0]),  # ZZZ g5
    ]
    assert total(figs, "signals_by_region") == [6, 3]


def test_new_signals_by_type_of_source(world):
    figs = figures(PUBLIC)
    assert nonzero_rows(figs, "signals_by_source_type") == {
        "UN field presence": [2, 1],  # AAAA: g1 g7; h1
        "Civil society": [2, 1],  # CCCC: g4 g5; h2
        "Media": [2, 1],  # EEEE g2, BBBB g3; BBBB h3
    }
    assert total(figs, "signals_by_source_type") == [6, 3]


def test_new_signals_by_reliability_of_the_source(world):
    figs = figures(PUBLIC)
    assert rows(figs, "signals_by_reliability") == [
        ("A: Completely reliable", [3, 1]),  # AAAA g1 g7, EEEE g2; AAAA h1
        ("B: Usually reliable", [2, 1]),  # CCCC g4 g5; h2
        ("C: Fairly reliable", [1, 1]),  # BBBB g3; h3
        ("D: Not usually reliable", [0, 0]),
        ("E: Unreliable", [0, 0]),
        ("F: Reliability cannot be judged", [0, 0]),
    ]
    assert total(figs, "signals_by_reliability") == [6, 3]


def test_assessments_approved_by_overall_risk(world):
    figs = figures(PUBLIC)
    assert rows(figs, "assessments_approved") == [
        ("Very high", [0, 1]),  # -; S2v1 (S3v2 is approved in Q4)
        ("High", [1, 0]),  # S1v2; - (S4v1 is approved in Q1)
        ("Moderate", [0, 0]),  # S1v1 is approved in Q1
        ("Low", [1, 0]),  # S3v1 (S2v2 is a draft)
    ]
    assert total(figs, "assessments_approved") == [2, 1]


def test_escalations_count_each_escalation_once_per_row_when_the_step_first_happened(world):
    assert rows(figures(PUBLIC), "escalations") == [
        # Q3: E1 E2 E3 E4 U1 O1 W1 SB1 EN1; Q2: E5 P1 R1 (R1 is submitted again in Q3)
        ("Escalated by the joint office", [9, 3]),
        ("of which sent as urgent by a Special Adviser", [1, 0]),  # U1
        # Q3: E1 E2 E3 E4 U1 O1 SB1 EN1; Q2: E5 P1
        ("Endorsed by a Special Adviser", [8, 2]),
        # Q3: E1 E2 E3 E4 U1 O1 SB1; Q2: E5 P1
        ("Reached the Secretary-General's desk", [7, 2]),
        # Q3: E1 E2 E4 U1; Q2: P1 (O1 is decided in Q4)
        ("Decision: route to one or more bodies", [4, 1]),
        ("Decision: hold and keep monitoring", [2, 0]),  # E3 E5
        ("Decision: send back to the joint office for more information", [1, 0]),  # SB1
        ("Withdrawn", [1, 0]),  # W1 (Q1E is withdrawn in Q1)
    ]


def test_escalation_times_give_the_median_and_90th_percentile_of_each_stage(world):
    figs = figures(PUBLIC)
    # Escalations decided in Q3: E1-E5 and the urgent U1 (hours in the table above plant_public).
    # 90th percentile of n sorted values: linear interpolation at position 0.9 * (n - 1).
    assert durations(figs, "escalation_times") == {
        # [1 2 3 4 5] h: median 3 h; p90 at 3.6 = 4 + 0.6 = 4.6 h
        "Review by a second analyst": [(5, 3 * HOUR, 16560), (1, 2 * HOUR, 2 * HOUR)],
        # [10 20 30 40 50] h: median 30 h; p90 = 40 + 0.6 * 10 = 46 h
        "Endorsement by a Special Adviser": [(5, 30 * HOUR, 46 * HOUR), (1, 4 * HOUR, 4 * HOUR)],
        "Transmission to the desk": [(5, HOUR, HOUR), (1, HOUR, HOUR)],
        # [6 24 24 48 72 240] h: median (24 + 48) / 2 = 36 h; p90 at 4.5 = 72 + 0.5 * 168 = 156 h
        "Decision at the desk": [(6, 36 * HOUR, 156 * HOUR), (1, 24 * HOUR, 24 * HOUR)],
        # [6 36 47 82 117 296] h: median 64.5 h; p90 at 4.5 = 117 + 0.5 * 179 = 206.5 h
        "From escalation to decision": [(6, 232200, 743400), (1, 31 * HOUR, 31 * HOUR)],
    }  # the previous column is P1 alone


def test_escalation_times_are_written_in_hours_or_days(world):
    cells = {r["label"]: r["cells"][0] for r in table(figures(PUBLIC), "escalation_times")["rows"]}
    assert (
        cells["Review by a second analyst"]["median_text"],
        cells["Review by a second analyst"]["p90_text"],
    ) == ("3.0 hours", "4.6 hours")
    assert cells["Decision at the desk"]["median_text"] == "36.0 hours"
    assert cells["Decision at the desk"]["p90_text"] == "6.5 days"  # 156 h
    assert cells["From escalation to decision"]["median_text"] == "2.7 days"  # 64.5 h
    assert cells["From escalation to decision"]["count_text"] == "6"


def test_referrals_by_body_name_the_regional_arrangement(world):
    figs = figures(PUBLIC)
    assert rows(figs, "referrals_by_body") == [
        ("General Assembly", [1, 0]),  # r4
        ("Security Council", [1, 1]),  # r1; r6 (r7 is sent in Q4)
        ("Human Rights Council", [1, 0]),  # r3
        ("Economic and Social Council", [1, 0]),  # r10, sent on the period's last day
        ("Peacebuilding Commission", [0, 0]),
        ("Regional arrangement: AU", [1, 0]),  # r2
        ("Regional arrangement: ECOWAS", [1, 0]),  # r5
        ("Other body", [0, 1]),  # r8
    ]
    assert total(figs, "referrals_by_body") == [6, 2]


def test_referrals_by_status_read_the_latest_update_before_the_end_of_each_period(world):
    figs = figures(PUBLIC)
    assert rows(figs, "referrals_by_status") == [
        ("Sent", [2, 1]),  # r4 r10 (no update); r8
        # r2 (its action taken is in Q4); r6 (its action taken is in Q3, after Q2's end)
        ("Acknowledged", [1, 1]),
        ("On the agenda", [1, 0]),  # r1
        ("Action taken", [1, 0]),  # r3
        ("No action", [1, 0]),  # r5, an hour before the end
    ]
    assert total(figs, "referrals_by_status") == [6, 2]


OPTION_COLUMNS = [
    "Proposed, this period",
    "Adopted, this period",
    "Implemented, this period",
    "Proposed, previous period",
    "Adopted, previous period",
    "Implemented, previous period",
]


def test_response_options_by_pillar(world):
    figs = figures(PUBLIC)
    assert table(figs, "options_by_pillar")["columns"] == OPTION_COLUMNS
    assert rows(figs, "options_by_pillar") == [
        # op5 proposed, op1 adopted and implemented; op1 proposed in Q2
        ("Pillar I: the State's own responsibility", [1, 1, 1, 1, 0, 0]),
        # op2 proposed and adopted (its "recommended" step is not counted)
        ("Pillar II: international assistance and capacity-building", [1, 1, 0, 0, 0, 0]),
        # op3 proposed; op4 adopted in Q2 (proposed in Q1, implemented in Q4)
        ("Pillar III: timely and decisive collective response", [1, 0, 0, 0, 1, 0]),
    ]
    assert total(figs, "options_by_pillar") == [3, 2, 1, 1, 1, 0]


def test_response_options_by_instrument(world):
    figs = figures(PUBLIC)
    assert len(table(figs, "options_by_instrument")["rows"]) == 14  # every instrument
    assert nonzero_rows(figs, "options_by_instrument") == {
        "Good offices and preventive diplomacy (pillar II)": [1, 1, 0, 0, 0, 0],  # op2
        "Public statement by the Secretary-General or Special Advisers (pillar I)": [
            1,  # op5
            1,  # op1
            1,  # op1
            1,  # op1
            0,
            0,
        ],
        "Fact-finding mission (pillar III)": [1, 0, 0, 0, 0, 0],  # op3
        "Security Council briefing (pillar III)": [0, 0, 0, 0, 1, 0],  # op4
    }
    assert total(figs, "options_by_instrument") == [3, 2, 1, 1, 1, 0]


def test_the_warning_response_gap_times_each_step_from_the_one_before(world):
    # Each situation's steps, the first time (public records only):
    #   S1: first signal o1 31 Mar 12:00, high risk S1v2 15 Aug 12:00, escalated SB1 1 Jul
    #       10:00, endorsed SB1 1 Jul 18:00, decided E1 7 Jul 12:00, referred r1/r2 8 Jul,
    #       acted on r2 5 Oct, response adopted op4 1 May.
    #   S2: h1 11 May 12:00, S2v1 20 May 12:00, P1 1 May 00:00, P1 1 May 06:00, P1 2 May 07:00,
    #       r6 3 May, r6 20 Jul 00:00, op2 20 Jul 12:00.
    #   S3: g3 2 Aug, S3v2 10 Oct, R1 20 Jun 00:00, E3 4 Aug 09:00, E3 6 Aug 10:00, r5 21 Aug.
    # A step is counted in the period in which it was reached, when it came after the one before.
    assert durations(figures(PUBLIC), "warning_response_gap") == {
        # S1: 137 days; S2: 9 days
        "First signal → First assessment at high or above": [
            (1, 137 * DAY, 137 * DAY),
            (1, 9 * DAY, 9 * DAY),
        ],
        # every situation was escalated before it was assessed at high: nothing counts
        "First assessment at high or above → Escalated": [(0, None, None), (0, None, None)],
        # S1: 8 h, S3: 45 days 9 h = 3,920,400 s; S2: 6 h.
        # median (28,800 + 3,920,400) / 2; p90 = 28,800 + 0.9 * 3,891,600
        "Escalated → Endorsed": [(2, 1974600, 3531240), (1, 6 * HOUR, 6 * HOUR)],
        # S3: 49 h, S1: 138 h; S2: 25 h. p90 = 176,400 + 0.9 * 320,400
        "Endorsed → Decided": [(2, 336600, 464760), (1, 25 * HOUR, 25 * HOUR)],
        # S1: 12 h, S3: 350 h; S2: 17 h. p90 = 43,200 + 0.9 * 1,216,800
        "Decided → Referred to a body": [(2, 651600, 1138320), (1, 17 * HOUR, 17 * HOUR)],
        # S2: 3 May to 20 Jul, 78 days (S1's action is in Q4)
        "Referred to a body → Action by the body": [(1, 78 * DAY, 78 * DAY), (0, None, None)],
        # S2: 12 h (S1's adoption came before its action)
        "Action by the body → Response option adopted": [
            (1, 12 * HOUR, 12 * HOUR),
            (0, None, None),
        ],
    }


def test_inaction_alerts_raised_closed_and_still_open(world):
    assert rows(figures(PUBLIC), "inaction_alerts") == [
        ("Inaction alerts raised", [2, 1]),  # a1 a3; a2 (a4 and a5 are raised in Q1)
        ("Closed by a response adopted", [2, 0]),  # a1 a4 (a3 closes in Q4, a5 in Q1)
        ("Still open at the end of the period", [2, 2]),  # a2 a3; a2 a4
    ]


# --- The previous period -------------------------------------------------------------------------


def test_a_record_moved_from_q2_into_q3_changes_both_columns_by_one(world):
    # h2 (civil society CCCC, reliability B, NGA, violence against civilians) moves into Q3,
    # and S2v1 (very high) is approved in Q3 instead of Q2.
    Signal.objects.filter(pk=world["h2"].pk).update(created_at=t(7, 2))
    Assessment.objects.filter(pk=world["S2v1"].pk).update(approved_at=t(7, 2))
    figs = figures(PUBLIC)
    assert rows(figs, "signals_by_category")[0] == ("Violence against civilians", [3, 0])
    assert rows(figs, "signals_by_region")[0] == ("Africa", [4, 1])
    assert nonzero_rows(figs, "signals_by_source_type")["Civil society"] == [3, 0]
    assert rows(figs, "signals_by_reliability")[1] == ("B: Usually reliable", [3, 0])
    assert total(figs, "signals_by_category") == [7, 2]
    assert rows(figs, "assessments_approved")[0] == ("Very high", [1, 0])
    assert total(figs, "assessments_approved") == [3, 0]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # a quarter, across a year's end
        (
            Period(date(2026, 1, 1), date(2026, 3, 31)),
            Period(date(2025, 10, 1), date(2025, 12, 31)),
        ),
        (Q3, Period(date(2026, 4, 1), date(2026, 6, 30))),
        # a year
        (
            Period(date(2026, 1, 1), date(2026, 12, 31)),
            Period(date(2025, 1, 1), date(2025, 12, 31)),
        ),
        # a leap-year February, and the month after it
        (Period(date(2028, 2, 1), date(2028, 2, 29)), Period(date(2028, 1, 1), date(2028, 1, 31))),
        (Period(date(2028, 3, 1), date(2028, 3, 31)), Period(date(2028, 2, 1), date(2028, 2, 29))),
        # a custom period of 10 days: the 10 days before
        (Period(date(2026, 7, 11), date(2026, 7, 20)), Period(date(2026, 7, 1), date(2026, 7, 10))),
        # 10 days ending on a month's last day are still 10 days, not a month
        (
            Period(date(2028, 2, 20), date(2028, 2, 29)),
            Period(date(2028, 2, 10), date(2028, 2, 19)),
        ),
    ],
)
def test_the_previous_period_is_as_long_as_the_period(period, expected):
    assert previous_period(period) == expected


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        ("quarterly", date(2026, 10, 15), Period(date(2026, 7, 1), date(2026, 9, 30))),
        # on the first day of a quarter, the quarter that ended yesterday
        ("quarterly", date(2026, 7, 1), Period(date(2026, 4, 1), date(2026, 6, 30))),
        ("quarterly", date(2027, 1, 10), Period(date(2026, 10, 1), date(2026, 12, 31))),
        ("annual", date(2027, 1, 1), Period(date(2026, 1, 1), date(2026, 12, 31))),
        ("annual", date(2026, 12, 31), Period(date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_the_last_complete_period_ended_before_today(kind, today, expected):
    assert last_complete_period(kind, today) == expected


# --- Disclosure control with planted records ---------------------------------------------------


def test_a_public_report_counts_no_confidential_or_strictly_confidential_record(planter):
    plant_public(planter)
    before = figures(PUBLIC)
    plant_confidential(planter)
    plant_strict(planter)
    after = figures(PUBLIC)
    assert after == before
    text = json.dumps(after)
    # C1 is the only situation in Asia and X1 the only one in Oceania; rc went to ASEAN and rx
    # to PIF: none of them may even appear.
    for secret in ("Asia", "Oceania", "ASEAN", "PIF", FEWER, WITHHELD, "not shown"):
        assert secret not in text


def test_a_confidential_report_leaves_out_strictly_confidential_records(world):
    figs = figures(CONFIDENTIAL)
    assert figs["audience"] == "CONFIDENTIAL"
    # Q3: S1 S2 S3 S7 S8 C1; Q2: S1 S2 S4 S8 C1 (X1 would make 7 and 6)
    assert total(figs, "situations_by_region") == [6, 5]
    assert [label for label, _ in rows(figs, "situations_by_region")] == [
        "Africa",
        "Asia",
        "Europe",
        "Region unknown",
    ]  # no Oceania
    assert rows(figs, "signals_by_category")[5] == ("Sexual violence", [0, 0])  # not x1
    assert "Regional arrangement: PIF" not in json.dumps(figs)  # not rx
    # raised: a1 a3 (not ax); still open at the end: a2 a3 ac (not ax)
    assert rows(figs, "inaction_alerts")[0][1][0] == 2
    assert rows(figs, "inaction_alerts")[2][1][0] == 3


def test_small_counts_with_a_confidential_record_read_fewer_than_3(world):
    assert rows(figures(CONFIDENTIAL), "escalations") == [
        # Q3: the 9 public ones, CE3, CE2, PE; Q2: E5 P1 R1, CE1
        ("Escalated by the joint office", [12, 4]),
        # U1 and the confidential CE2 (the strictly confidential XE2 would make 3)
        ("of which sent as urgent by a Special Adviser", [FEWER, 0]),
        # Q2: E5 P1 and CE1: three records, one of them confidential, show as 3
        ("Endorsed by a Special Adviser", [10, 3]),
        ("Reached the Secretary-General's desk", [9, 3]),
        # Q2: P1 alone, a public record, shows as 1
        ("Decision: route to one or more bodies", [5, 1]),
        ("Decision: hold and keep monitoring", [2, FEWER]),  # Q2: CE1 alone
        # SB1 alone, public
        ("Decision: send back to the joint office for more information", [1, 0]),
        ("Withdrawn", [1, 0]),
    ]


def test_a_public_record_of_a_confidential_situation_counts_as_sensitive(world):
    figs = figures(CONFIDENTIAL)
    # opc has no classification of its own, but its situation C1 is confidential
    assert nonzero_rows(figs, "options_by_instrument")["Special envoy (pillar II)"] == [
        FEWER,
        FEWER,
        0,
        0,
        0,
        0,
    ]
    # raised in Q2: a2 (public) and ac (of C1)
    assert rows(figs, "inaction_alerts")[0] == ("Inaction alerts raised", [2, FEWER])


def test_three_records_of_confidential_situations_show_as_3(world):
    # Two more confidential situations in Asia, monitored in both periods, join C1.
    world.situation("C2", ["THA"], ["Asia"], t(1, 15), classification=CONFIDENTIAL)
    world.situation("C3", ["KHM"], ["Asia"], t(2, 15), classification=CONFIDENTIAL)
    assert rows(figures(CONFIDENTIAL), "situations_by_region")[1] == ("Asia", [3, 3])


def test_a_lone_small_cell_in_a_column_with_a_total_withholds_the_smallest_other_cell(world):
    figs = figures(CONFIDENTIAL)
    assert rows(figs, "assessments_approved") == [
        # Q3: S7v1 (confidential); Q2: S2v1 (public, shown)
        ("Very high", [FEWER, 1]),
        # Q3: S1v2, 1 like S3v1 but first: withheld, else 3 - 1 - 1 gives S7v1 away; Q2: C1v1
        ("High", [WITHHELD, FEWER]),
        ("Moderate", [0, 0]),
        ("Low", [1, 0]),  # S3v1
    ]
    # Q3: S1v2 S3v1 S7v1. Q2: S2v1 C1v1, itself small and sensitive, so nothing more to hide.
    assert total(figs, "assessments_approved") == [3, FEWER]


def test_complementary_suppression_never_withholds_a_zero_and_skips_columns_with_two_small_cells(
    world,
):
    figs = figures(CONFIDENTIAL)
    assert rows(figs, "situations_by_risk") == [
        # 1 Apr: - | 1 Jul: S2, withheld for C1 below | 1 Oct: S2, S7 by S7v1
        ("Very high", [0, WITHHELD, FEWER]),
        # 1 Apr: S4, withheld for C1 below | 1 Jul: C1 | 1 Oct: S1, C1
        ("High", [WITHHELD, FEWER, FEWER]),
        ("Moderate", [1, 1, 0]),  # S1 | S1 | -
        ("Low", [0, 0, 1]),  # - | - | S3
        ("Not yet assessed", [FEWER, 1, 1]),  # S8, C1 | S8 | S8
    ]
    assert total(figs, "situations_by_risk") == [4, 4, 6]
    assert rows(figs, "options_by_pillar") == [
        # proposed op5 and adopted op1 are withheld: the only other non-zero cells
        ("Pillar I: the State's own responsibility", [WITHHELD, WITHHELD, 1, 1, 0, 0]),
        # op2 and opc of C1
        (
            "Pillar II: international assistance and capacity-building",
            [FEWER, FEWER, 0, 0, 0, 0],
        ),
        ("Pillar III: timely and decisive collective response", [1, 0, 0, 0, 1, 0]),
    ]
    assert total(figs, "options_by_pillar") == [4, 3, 1, 1, 1, 0]


def test_confidential_signals_and_referrals_are_suppressed_with_their_complement(world):
    figs = figures(CONFIDENTIAL)
    assert nonzero_rows(figs, "signals_by_category") == {
        # g1 g2 and the confidential k3: three show as 3; Q2: h2, withheld for k2 below
        "Violence against civilians": [3, WITHHELD],
        "Armed clash": [2, 1],
        "Incitement and hate speech": [FEWER, FEWER],  # k1; k2
        # g7, as small as g5 and before it: withheld for k1 above
        "Forced displacement": [WITHHELD, 1],
        "Other": [1, 0],
    }
    assert total(figs, "signals_by_category") == [8, 4]
    assert rows(figs, "referrals_by_body") == [
        ("General Assembly", [WITHHELD, 0]),  # r4: the first of the 1s, withheld for rc
        ("Security Council", [1, 1]),
        ("Human Rights Council", [1, 0]),
        ("Economic and Social Council", [1, 0]),
        ("Peacebuilding Commission", [0, 0]),
        ("Regional arrangement: ASEAN", [FEWER, 0]),  # rc, of C1
        ("Regional arrangement: AU", [1, 0]),
        ("Regional arrangement: ECOWAS", [1, 0]),
        ("Other body", [0, 1]),
    ]
    assert total(figs, "referrals_by_body") == [7, 2]


def test_durations_of_one_or_two_cases_with_a_confidential_one_are_not_shown(world):
    figs = figures(CONFIDENTIAL)
    times = table(figs, "escalation_times")
    for row in times["rows"]:
        assert row["cells"][1] == NOT_SHOWN  # Q2: P1 and the confidential CE1
    # Q3: the six public ones and CE3 (review 24 h): [1 2 3 4 5 24] h, median 3.5 h,
    # p90 at 4.5 = 5 + 0.5 * 19 = 14.5 h. The decision counts E1-E5, U1, CE3.
    assert durations(figs, "escalation_times")["Review by a second analyst"][0] == (
        6,
        12600,
        52200,
    )
    assert durations(figs, "escalation_times")["Decision at the desk"][0][0] == 7


def test_the_stored_figures_never_hold_a_suppressed_number(world):
    figs = figures(CONFIDENTIAL)
    suppressed = 0
    for tbl in figs["tables"]:
        for row in [*tbl["rows"], *([tbl["total"]] if tbl["total"] else [])]:
            for cell in row["cells"]:
                if tbl["kind"] == "duration":
                    if cell["count"] is None:
                        assert cell == NOT_SHOWN
                        suppressed += 1
                elif cell["value"] is None:
                    assert cell in (
                        {"value": None, "text": FEWER},
                        {"value": None, "text": WITHHELD},
                    )
                    suppressed += 1
    assert suppressed >= 20
    # The Asia row, C1 alone in both periods, holds no number at all.
    asia = next(r for r in table(figs, "situations_by_region")["rows"] if r["label"] == "Asia")
    assert json.dumps(asia) == json.dumps(
        {"label": "Asia", "cells": [{"value": None, "text": FEWER}] * 2}
    )


def test_the_number_of_situations_cannot_be_used_to_work_out_a_hidden_region(world):
    """The total of situations (6 and 5 at CONFIDENTIAL) minus the regions shown would give
    Asia's hidden count away: the smallest other region of each column is withheld too."""
    figs = figures(CONFIDENTIAL)
    assert total(figs, "situations_by_region") == [6, 5]
    assert rows(figs, "situations_by_region") == [
        ("Africa", [3, 2]),
        ("Asia", [FEWER, FEWER]),
        ("Europe", [2, WITHHELD]),  # Q2: Europe (1) and Region unknown (1) tie; first withheld
        ("Region unknown", [WITHHELD, 1]),  # Q3: the smallest other figure, 1
    ]


def test_a_small_number_reached_only_through_a_confidential_record_reads_fewer_than_3_in_the_gap(
    world,
):
    # A public situation, assessed at high in public, escalated in confidence: at CONFIDENTIAL
    # the step "high risk → escalated" is reached in Q3 by S9 alone, through CE9 alone.
    world.situation("S9", ["GHA"], ["Africa"], t(1, 5))
    world.assessment("S9v1", "S9", 1, 3, t(7, 1))
    world.escalation("CE9", "S9", ("submit", t(8, 1)), classification=CONFIDENTIAL)
    gap = table(figures(CONFIDENTIAL), "warning_response_gap")
    step = next(r for r in gap["rows"] if r["label"].startswith("First assessment"))
    assert step["cells"][0] == NOT_SHOWN


def test_an_escalation_sent_back_twice_counts_once_in_the_send_back_row(world):
    world.escalation(
        "SB2",
        "S2",
        ("submit", t(8, 1, 1)),
        ("review", t(8, 1, 2)),
        ("endorse", t(8, 1, 3)),
        ("transmit", t(8, 1, 4)),
        ("return", t(8, 10)),
        ("submit", t(8, 11)),
        ("review", t(8, 11, 1)),
        ("endorse", t(8, 11, 2)),
        ("transmit", t(8, 12)),
        ("return", t(8, 20)),
    )
    world.decision("D-SB2a", "SB2", "send_back", t(8, 10))
    world.decision("D-SB2b", "SB2", "send_back", t(8, 20))
    assert rows(figures(PUBLIC), "escalations")[6] == (
        "Decision: send back to the joint office for more information",
        [2, 0],  # SB1 and SB2, once each
    )


def test_an_escalation_that_goes_round_twice_counts_once_when_first_escalated_and_at_the_desk(
    world,
):
    world.escalation(
        "SB2",
        "S2",
        ("submit", t(8, 1, 1)),
        ("review", t(8, 1, 2)),
        ("endorse", t(8, 1, 3)),
        ("transmit", t(8, 1, 4)),
        ("return", t(8, 10)),
        ("submit", t(8, 11)),
        ("review", t(8, 11, 1)),
        ("endorse", t(8, 11, 2)),
        ("transmit", t(8, 12)),
    )
    escalations = dict(rows(figures(PUBLIC), "escalations"))
    assert escalations["Escalated by the joint office"] == [10, 3]  # 9 + SB2
    assert escalations["Endorsed by a Special Adviser"] == [9, 2]  # 8 + SB2
    assert escalations["Reached the Secretary-General's desk"] == [8, 2]  # 7 + SB2


# --- table_disclose on hand-made tables -------------------------------------------------------


def make_table(rows: list[tuple[str, list[tuple[int, int]]]], total: bool = True) -> Table:
    columns = [f"column {i}" for i in range(len(rows[0][1]))]
    return Table(
        "t",
        "A table",
        columns,
        [(label, [Count(v, s) for v, s in cells]) for label, cells in rows],
        total=total,
    )


def disclosed(tbl: Table) -> tuple[list[tuple[str, list]], list | None]:
    out = table_disclose(tbl)
    body = [(r["label"], [shown(c) for c in r["cells"]]) for r in out["rows"]]
    return body, ([shown(c) for c in out["total"]["cells"]] if out["total"] else None)


def test_table_disclose_hides_only_small_counts_that_include_a_sensitive_record():
    body, totals = disclosed(
        make_table(
            [
                ("one sensitive", [(1, 1)]),
                ("two, one sensitive", [(2, 1)]),
                ("one public", [(1, 0)]),
                ("three sensitive", [(3, 3)]),
                ("none", [(0, 0)]),
            ],
            total=False,
        )
    )
    assert body == [
        ("one sensitive", [FEWER]),
        ("two, one sensitive", [FEWER]),
        ("one public", [1]),
        ("three sensitive", [3]),
        ("none", [0]),
    ]
    assert totals is None  # two small cells, no total row: nothing else to withhold


def test_table_disclose_withholds_the_smallest_other_non_zero_cell_of_that_column_only():
    body, totals = disclosed(
        make_table(
            [
                ("a", [(5, 0), (1, 1)]),
                ("b", [(1, 1), (0, 0)]),
                ("c", [(0, 0), (4, 0)]),
                ("d", [(2, 0), (2, 0)]),
                ("e", [(2, 0), (7, 0)]),
            ]
        )
    )
    assert body == [
        ("a", [5, FEWER]),
        ("b", [FEWER, 0]),  # the zero in column 1 is never chosen
        ("c", [0, 4]),
        ("d", [WITHHELD, WITHHELD]),  # the smallest non-zero; in column 0 the first of two 2s
        ("e", [2, 7]),
    ]
    assert totals == [10, 14]


def test_table_disclose_withholds_nothing_more_when_two_cells_are_hidden_or_the_total_is():
    body, totals = disclosed(
        make_table(
            [
                ("a", [(1, 1), (1, 1)]),
                ("b", [(2, 2), (0, 0)]),
                ("c", [(5, 0), (0, 0)]),
            ]
        )
    )
    assert body == [("a", [FEWER, FEWER]), ("b", [FEWER, 0]), ("c", [5, 0])]
    # column 0: two hidden cells; column 1: the total (1, sensitive) is itself fewer than 3
    assert totals == [8, FEWER]


def test_table_disclose_keeps_the_text_of_large_numbers_readable():
    out = table_disclose(make_table([("a", [(12345, 1)])], total=False))
    assert out["rows"][0]["cells"] == [{"value": 12345, "text": "12,345"}]
    assert out["kind"] == "count"


# --- Progress ------------------------------------------------------------------------------------


def test_figures_compute_reports_its_progress_step_by_step():
    calls = []
    figures_compute(
        period=Q3, audience=PUBLIC, progress=lambda done, of, step: calls.append((done, of, step))
    )
    assert calls == [
        (0, 10, "Situations monitored"),
        (1, 10, "Situations by risk level"),
        (2, 10, "New signals"),
        (3, 10, "Assessments approved"),
        (4, 10, "Escalations and outcomes"),
        (5, 10, "Time from escalation to decision"),
        (6, 10, "Referrals"),
        (7, 10, "Response options"),
        (8, 10, "Warning-response gap"),
        (9, 10, "Inaction alerts"),
        (10, 10, "Done"),
    ]
