"""Intake fixtures: a graded source, a situation with Amina on its team, and a signal maker."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases import services
from cases.models import Category, Origin
from r2p.models import Classification


@pytest.fixture
def source(analyst):
    return services.source_create(
        created_by=analyst,
        source_type="un_field_presence",
        reliability="B",
        classification=Classification.CONFIDENTIAL,
        name="Field officer in Gao",
    )


@pytest.fixture
def other_source(analyst):
    return services.source_create(
        created_by=analyst,
        source_type="media",
        reliability="C",
        classification=Classification.PUBLIC,
        name="Wire service",
    )


@pytest.fixture
def situation(analyst):
    return services.situation_create(
        created_by=analyst,
        title="Central Sahel",
        countries=["MLI", "BFA"],
        classification=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def make_signal(analyst, source):
    """File a valid signal through the service; keyword arguments override its fields."""

    def make(actor=None, origin=Origin.FORM, **overrides):
        data = {
            "headline": "Armed men attack a weekly market near Tessit",
            "description": "Traders were shot as the market opened.",
            "occurred_on": date.today() - timedelta(days=2),
            "country": "MLI",
            "category": Category.VIOLENCE_AGAINST_CIVILIANS,
            "source": source,
            "credibility": 2,
            "classification": Classification.PUBLIC,
        }
        data.update(overrides)
        return services.signal_create(actor=actor or analyst, data=data, origin=origin)

    return make
