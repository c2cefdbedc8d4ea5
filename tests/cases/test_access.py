"""Who sees which signal: the rules of cases.access against each classification and role."""

import pytest
from guardian.shortcuts import assign_perm

from cases import access, services
from r2p.errors import NotFoundError
from r2p.models import Classification

pytestmark = pytest.mark.django_db
PUBLIC, CONF, STRICT = (
    Classification.PUBLIC,
    Classification.CONFIDENTIAL,
    Classification.STRICTLY_CONFIDENTIAL,
)


def visible(user):
    return set(access.signals_visible(user).values_list("headline", flat=True))


@pytest.fixture
def signals(make_signal, senior_analyst, situation, analyst):
    public = make_signal(headline="public")
    untriaged = make_signal(headline="confidential untriaged", classification=CONF)
    on_team = make_signal(headline="confidential on Amina's team", classification=CONF)
    services.signal_link(signal=on_team, situation=situation, actor=analyst)
    strict = make_signal(
        actor=senior_analyst, headline="strictly confidential", classification=STRICT
    )
    return {"public": public, "untriaged": untriaged, "on_team": on_team, "strict": strict}


def test_amina_sees_public_untriaged_and_her_teams_signals(signals, analyst):
    assert visible(analyst) == {"public", "confidential untriaged", "confidential on Amina's team"}


def test_bruno_off_the_team_sees_untriaged_but_not_the_teams_triaged_signal(
    signals, senior_analyst
):
    # He also sees the strictly confidential signal he filed himself, and nothing else above.
    assert visible(senior_analyst) == {"public", "confidential untriaged", "strictly confidential"}


def test_joining_the_team_gives_need_to_know(signals, senior_analyst, situation, analyst):
    services.situation_member_add(situation=situation, user=senior_analyst, actor=analyst)
    assert "confidential on Amina's team" in visible(senior_analyst)
    services.situation_member_remove(situation=situation, user=senior_analyst, actor=analyst)
    assert "confidential on Amina's team" not in visible(senior_analyst)


def test_strictly_confidential_signals_reach_only_named_people(
    signals, senior_analyst, sg_office, special_adviser
):
    assert "strictly confidential" in visible(senior_analyst)  # he filed it
    assert "strictly confidential" not in visible(sg_office)
    assign_perm("cases.view_signal", sg_office, signals["strict"])
    assert "strictly confidential" in visible(sg_office)
    assert "strictly confidential" not in visible(special_adviser)


def test_a_dismissed_confidential_signal_stays_in_the_shared_pool(signals, senior_analyst, analyst):
    services.signal_dismiss(signal=signals["untriaged"], actor=analyst, reason="Rumour")
    assert "confidential untriaged" in visible(senior_analyst)


def test_liaisons_auditors_and_outsiders_see_no_signals(signals, liaison, auditor, outsider):
    for person in (liaison, auditor, outsider):
        assert visible(person) == set()
        with pytest.raises(NotFoundError):
            access.access_signal(person, signals["public"].pk)


def test_a_partner_sees_only_what_it_sent(signals, partner, analyst, source):
    services.source_use_grant(source=source, partner=partner, granted_by=analyst)
    from cases.models import Origin

    mine = services.signal_create(
        actor=partner,
        origin=Origin.API,
        data={
            **{
                k: getattr(signals["public"], k)
                for k in ("headline", "occurred_on", "country", "category", "credibility")
            },
            "source": source,
            "classification": PUBLIC,
            "headline": "from the partner",
        },
    )
    assert visible(partner) == {"from the partner"}
    assert access.access_signal(partner, mine.pk) == mine
    with pytest.raises(NotFoundError):
        access.access_signal(partner, signals["public"].pk)


def test_the_identity_is_for_the_handler_and_the_protection_officer(
    source, analyst, senior_analyst
):
    from django.contrib.auth.models import Permission

    assert access.source_identity_get(analyst, source).name == "Field officer in Gao"
    assert access.source_identity_get(senior_analyst, source) is None
    senior_analyst.user_permissions.add(Permission.objects.get(codename="protect_sources"))
    senior_analyst = type(senior_analyst).objects.get(pk=senior_analyst.pk)  # fresh perm cache
    assert access.source_identity_get(senior_analyst, source) is not None


def test_a_protection_officer_shares_an_identity_only_with_cleared_people(
    source, senior_analyst, liaison, analyst
):
    from django.contrib.auth.models import Permission

    from r2p.errors import ApplicationValidationError

    senior_analyst.user_permissions.add(Permission.objects.get(codename="protect_sources"))
    senior_analyst = type(senior_analyst).objects.get(pk=senior_analyst.pk)
    with pytest.raises(ApplicationValidationError, match="Some fields"):
        services.source_identity_grant(source=source, user=liaison, granted_by=senior_analyst)
    with pytest.raises(ApplicationValidationError):
        services.source_identity_grant(source=source, user=senior_analyst, granted_by=analyst)
