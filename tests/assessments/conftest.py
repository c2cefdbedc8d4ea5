"""Assessment fixtures: the Central Sahel situation with Amina (analyst) and Bruno (senior
analyst) on its team, graded sources, and signals to use as evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assessments import services
from cases import services as cases_services
from cases.models import Category
from r2p.models import Classification


@pytest.fixture
def situation(analyst, senior_analyst):
    situation = cases_services.situation_create(
        created_by=analyst,
        title="Central Sahel",
        countries=["MLI", "BFA"],
        classification=Classification.CONFIDENTIAL,
    )
    cases_services.situation_member_add(situation=situation, user=senior_analyst, actor=analyst)
    return situation


@pytest.fixture
def field_office(analyst):
    """A reliable source (B)."""
    return cases_services.source_create(
        created_by=analyst,
        source_type="un_field_presence",
        reliability="B",
        classification=Classification.CONFIDENTIAL,
        name="Field officer in Gao",
    )


@pytest.fixture
def wire(analyst):
    """Another reliable source (B), independent of the field office."""
    return cases_services.source_create(
        created_by=analyst,
        source_type="media",
        reliability="B",
        classification=Classification.PUBLIC,
        name="Wire service",
    )


@pytest.fixture
def rumour_mill(analyst):
    """An unreliable source (E)."""
    return cases_services.source_create(
        created_by=analyst,
        source_type="social_media",
        reliability="E",
        classification=Classification.PUBLIC,
        name="Anonymous channel",
    )


@pytest.fixture
def make_signal(analyst, field_office, situation):
    """File a public signal linked to the situation; keyword arguments override its fields."""

    def make(source=None, actor=None, link=True, **overrides):
        data = {
            "headline": "Armed men attack a weekly market near Tessit",
            "description": "Traders were shot as the market opened.",
            "occurred_on": date.today() - timedelta(days=2),
            "country": "MLI",
            "category": Category.VIOLENCE_AGAINST_CIVILIANS,
            "source": source or field_office,
            "credibility": 2,
            "classification": Classification.PUBLIC,
        }
        data.update(overrides)
        signal = cases_services.signal_create(actor=actor or analyst, data=data)
        if link:
            cases_services.signal_link(signal=signal, situation=situation, actor=actor or analyst)
        return signal

    return make


@pytest.fixture
def draft(situation, analyst):
    """Version 1 of the Central Sahel assessment, drafted by Amina: every factor not judged."""
    return services.assessment_start(situation=situation, actor=analyst)


def judge(assessment, actor, number, level, **fields):
    """Set factor `number` of `assessment` to `level` through the service."""
    judgment = assessment.judgments.get(factor__number=number)
    return services.judgment_update(judgment=judgment, actor=actor, data={"level": level, **fields})


@pytest.fixture
def second_reviewer(db):
    """Sofia, a senior analyst who is not on the Central Sahel team."""
    from tests.factories import UserFactory

    return UserFactory(
        username="sofia",
        first_name="Sofia",
        last_name="Ramos",
        role="senior-analyst",
        clearance=Classification.STRICTLY_CONFIDENTIAL,
    )
