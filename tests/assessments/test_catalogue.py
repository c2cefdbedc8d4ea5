"""The framework catalogue: 14 risk factors as the Framework of Analysis (2014) numbers and titles
them, their scopes, about 143 indicators numbered consecutively, and the versioning that keeps
an old assessment on the catalogue it was written against."""

from __future__ import annotations

from datetime import date

import pytest

from assessments import services
from assessments.models import Catalogue, Indicator, RiskFactor, Scope
from cases import services as cases_services
from r2p.errors import ApplicationValidationError
from r2p.models import Classification
from tests.assessments.conftest import judge

pytestmark = pytest.mark.django_db

# As listed in the domain notes (/work/shared/DOMAIN.md), which follow the Framework.
FRAMEWORK_FACTORS = {
    1: ("Situations of armed conflict or other forms of instability", Scope.COMMON),
    2: (
        "Record of serious violations of international human rights and humanitarian law",
        Scope.COMMON,
    ),
    3: ("Weakness of State structures", Scope.COMMON),
    4: ("Motives or incentives", Scope.COMMON),
    5: ("Capacity to commit atrocity crimes", Scope.COMMON),
    6: ("Absence of mitigating factors", Scope.COMMON),
    7: ("Enabling circumstances or preparatory action", Scope.COMMON),
    8: ("Triggering factors", Scope.COMMON),
    9: (
        "Intergroup tensions or patterns of discrimination against protected groups",
        Scope.GENOCIDE,
    ),
    10: ("Signs of an intent to destroy in whole or in part a protected group", Scope.GENOCIDE),
    11: (
        "Signs of a widespread or systematic attack against any civilian population",
        Scope.CRIMES_AGAINST_HUMANITY,
    ),
    12: (
        "Signs of a plan or policy to attack any civilian population",
        Scope.CRIMES_AGAINST_HUMANITY,
    ),
    13: (
        "Serious threats to those protected under international humanitarian law",
        Scope.WAR_CRIMES,
    ),
    14: ("Serious threats to humanitarian or peacekeeping operations", Scope.WAR_CRIMES),
}


@pytest.fixture
def first_catalogue() -> Catalogue:
    return Catalogue.objects.get(version=1)


@pytest.fixture
def revised_catalogue(first_catalogue) -> Catalogue:
    """A version 2 released later: every factor retitled, factor 7 with one indicator fewer and
    a reworded first statement, so nothing of it can be mistaken for version 1."""
    revised = Catalogue.objects.create(
        version=2, title="Framework of Analysis, revised", released_on=date(2030, 1, 1)
    )
    for factor in first_catalogue.factors.prefetch_related("indicators"):
        copy = RiskFactor.objects.create(
            catalogue=revised,
            number=factor.number,
            title=f"{factor.title} (revised)",
            scope=factor.scope,
            definition=factor.definition,
        )
        indicators = list(factor.indicators.all())
        if factor.number == 7:
            indicators = indicators[:-1]
        Indicator.objects.bulk_create(
            Indicator(
                factor=copy,
                code=indicator.code,
                position=indicator.position,
                statement=f"Revised: {indicator.statement}",
            )
            for indicator in indicators
        )
    return revised


def test_the_first_catalogue_is_the_2014_framework_with_its_14_factors(first_catalogue):
    assert first_catalogue.title == "Framework of Analysis for Atrocity Crimes (2014)"
    factors = {f.number: (f.title, f.scope) for f in first_catalogue.factors.all()}
    assert factors == FRAMEWORK_FACTORS


def test_the_scopes_are_common_1_to_8_then_two_factors_per_crime(first_catalogue):
    by_scope: dict[str, list[int]] = {}
    for factor in first_catalogue.factors.order_by("number"):
        by_scope.setdefault(factor.scope, []).append(factor.number)
    assert by_scope == {
        Scope.COMMON: [1, 2, 3, 4, 5, 6, 7, 8],
        Scope.GENOCIDE: [9, 10],
        Scope.CRIMES_AGAINST_HUMANITY: [11, 12],
        Scope.WAR_CRIMES: [13, 14],
    }


def test_every_factor_has_a_definition_and_statements_for_its_indicators(first_catalogue):
    for factor in first_catalogue.factors.prefetch_related("indicators"):
        assert factor.definition.strip(), factor.number
        assert factor.indicators.all(), factor.number
        for indicator in factor.indicators.all():
            assert len(indicator.statement.strip()) > 20, indicator.code


def test_there_are_about_143_indicators_numbered_consecutively_within_each_factor(
    first_catalogue,
):
    indicators = Indicator.objects.filter(factor__catalogue=first_catalogue).select_related(
        "factor"
    )
    assert 138 <= indicators.count() <= 148
    codes: dict[int, list[tuple[int, str]]] = {}
    for indicator in indicators.order_by("factor__number", "position"):
        codes.setdefault(indicator.factor.number, []).append((indicator.position, indicator.code))
    assert sorted(codes) == list(range(1, 15))
    for number, listed in codes.items():
        expected = [(n, f"{number}.{n}") for n in range(1, len(listed) + 1)]
        assert listed == expected, f"factor {number} is not numbered {number}.1, {number}.2, ..."


def test_a_first_assessment_starts_on_the_newest_catalogue(
    revised_catalogue, analyst, senior_analyst
):
    situation = cases_services.situation_create(
        created_by=analyst,
        title="Lake Chad basin",
        countries=["TCD"],
        classification=Classification.CONFIDENTIAL,
    )
    assessment = services.assessment_start(situation=situation, actor=analyst)
    assert assessment.catalogue == revised_catalogue
    titles = set(assessment.judgments.values_list("factor__title", flat=True))
    assert all(title.endswith("(revised)") for title in titles) and len(titles) == 14


def test_a_new_catalogue_does_not_change_amina_s_draft_written_against_version_1(
    draft, analyst, first_catalogue
):
    judge(draft, analyst, 7, "low", indicators=["7.14"])
    revised = Catalogue.objects.create(
        version=2, title="Framework of Analysis, revised", released_on=date(2030, 1, 1)
    )
    RiskFactor.objects.create(
        catalogue=revised, number=7, title="Renamed factor", scope="common", definition="New."
    )
    draft.refresh_from_db()
    assert draft.catalogue == first_catalogue
    judgments = draft.judgments.select_related("factor__catalogue")
    assert {j.factor.catalogue.version for j in judgments} == {1}
    seventh = judgments.get(factor__number=7)
    assert seventh.factor.title == FRAMEWORK_FACTORS[7][0]
    assert [i.code for i in seventh.indicators.all()] == ["7.14"]
    assert seventh.indicators.get().factor.catalogue_id == first_catalogue.pk


def test_amina_s_draft_still_validates_indicators_against_version_1(
    draft, analyst, revised_catalogue
):
    # Version 2 dropped indicator 7.14; the draft on version 1 may still use it.
    judge(draft, analyst, 7, "low", indicators=["7.13", "7.14"])
    seventh = draft.judgments.get(factor__number=7)
    assert {i.factor.catalogue.version for i in seventh.indicators.select_related("factor")} == {1}
    with pytest.raises(ApplicationValidationError) as refused:
        judge(draft, analyst, 7, "low", indicators=["7.15"])
    assert "7.1 to 7.14" in refused.value.fields["indicators"][0]


def test_the_copy_of_an_approved_version_1_assessment_stays_on_version_1(
    draft, situation, analyst, senior_analyst, first_catalogue, revised_catalogue
):
    judge(draft, analyst, 1, "low", indicators=["1.1"])
    services.assessment_submit(assessment=draft, actor=analyst)
    services.assessment_approve(assessment=draft, actor=senior_analyst)

    second = services.assessment_start(situation=situation, actor=analyst)

    assert second.catalogue == first_catalogue
    factors = second.judgments.select_related("factor__catalogue")
    assert {j.factor.catalogue_id for j in factors} == {first_catalogue.pk}
    first = factors.get(factor__number=1)
    assert first.factor.title == FRAMEWORK_FACTORS[1][0]
    assert [(i.code, i.factor.catalogue_id) for i in first.indicators.select_related("factor")] == [
        ("1.1", first_catalogue.pk)
    ]
    draft.refresh_from_db()
    assert draft.catalogue == first_catalogue
