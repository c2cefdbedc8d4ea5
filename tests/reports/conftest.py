"""Reports in each state of their life, made through the services (the worker's part run in
the test process: report_compile is what compile_report_task calls), and the periods and
narrative the report tests share."""

from __future__ import annotations

from datetime import date

import pytest

from r2p.models import Classification
from reports import services
from reports.figures import Period
from reports.models import Report

PUBLIC, CONFIDENTIAL, STRICT = (
    Classification.PUBLIC,
    Classification.CONFIDENTIAL,
    Classification.STRICTLY_CONFIDENTIAL,
)
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
Q3 = Period(date(2026, 7, 1), date(2026, 9, 30))
NARRATIVE = {
    "executive_summary": "Early warning reached the desk faster this quarter.",
    "progress_by_pillar": "Pillar II assistance grew; pillar III responses were adopted twice.",
    "recommendations": "The Assembly is invited to fund the joint office's field analysts.",
}


def compiled(actor, period: Period = Q3, audience: int = PUBLIC) -> Report:
    report, _ = services.report_request(
        kind="quarterly", period=period, audience=audience, actor=actor
    )
    return services.report_compile(report_id=report.pk)


def in_review(actor, period: Period = Q3, audience: int = PUBLIC) -> Report:
    report = compiled(actor, period, audience)
    services.report_narrative_update(report=report, actor=actor, data=NARRATIVE)
    return services.report_transition(report=report, actor=actor, action="submit")


def published(actor, *, period: Period = Q3, audience: int = PUBLIC) -> Report:
    report = in_review(actor, period, audience)
    return services.report_transition(report=report, actor=actor, action="publish")


@pytest.fixture
def draft(sg_office) -> Report:
    return compiled(sg_office)


@pytest.fixture
def public_report(sg_office) -> Report:
    return published(sg_office)
