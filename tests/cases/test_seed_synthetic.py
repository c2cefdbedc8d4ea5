"""`manage.py seed_synthetic`: realistic synthetic intake data, fast, idempotent per seed."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases import access, selectors, services
from cases.management.commands.seed_synthetic import COUNTRIES
from cases.models import (
    Origin,
    Signal,
    SignalSituationLink,
    SignalStatus,
    Situation,
    Source,
    SourceIdentity,
)
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

BOXES = {code: box for code, _, box, *_ in COUNTRIES}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_synthetic", *args, stdout=out)
    return out.getvalue()


def synthetic() -> object:
    return Signal.objects.filter(origin=Origin.SYNTHETIC)


def test_seeding_creates_the_sources_situations_and_signals_asked_for(analyst, senior_analyst):
    output = seed("--signals", "600", "--situations", "5", "--sources", "7", "--seed", "11")

    assert synthetic().count() == 600
    sources = Source.objects.filter(pseudonym__startswith="SRC-Y")
    assert sources.count() == 7
    assert SourceIdentity.objects.filter(source__in=sources).count() == 7
    assert all(s.grade_history.count() == 1 for s in sources)
    assert Situation.objects.count() == 5
    assert "Created 600 signals" in output
    assert set(synthetic().values_list("created_by__username", flat=True)) <= {"amina", "bruno"}


def test_one_audit_row_records_the_whole_seeding_without_identities(analyst):
    seed("--signals", "300", "--sources", "3", "--situations", "2", "--seed", "2")

    events = AuditEvent.objects.filter(action="synthetic.seed")
    assert events.count() == 1
    summary = events.get().summary
    assert summary["signals_created"] == 300 and summary["sources_created"] == 3
    assert "Synthetic source" not in str(summary)


def test_signals_follow_realistic_distributions(analyst):
    seed("--signals", "2000", "--situations", "8", "--sources", "10", "--seed", "5")
    rows = list(synthetic().values())
    statuses = Counter(r["status"] for r in rows)
    levels = Counter(r["classification"] for r in rows)
    countries = Counter(r["country"] for r in rows)

    assert statuses[SignalStatus.NEW] + statuses[SignalStatus.TRIAGED] > 0.75 * len(rows)
    assert statuses[SignalStatus.DISMISSED] and statuses[SignalStatus.DUPLICATE]
    assert levels[Classification.PUBLIC] + levels[Classification.CONFIDENTIAL] > 0.9 * len(rows)
    assert 0 < levels[Classification.STRICTLY_CONFIDENTIAL] < 0.1 * len(rows)
    # A few countries carry most of the traffic.
    assert sum(n for _, n in countries.most_common(5)) > 0.5 * len(rows)
    fatalities = sorted(r["fatalities_best"] for r in rows if r["fatalities_best"])
    assert fatalities[len(fatalities) // 2] < 10 < fatalities[-1]
    today = date.today()
    dates = [r["occurred_on"] for r in rows]
    assert today - timedelta(days=760) <= min(dates) and max(dates) <= today
    assert (max(dates) - min(dates)).days > 600
    for r in rows:
        if r["latitude"] is not None:
            lat_min, lat_max, lon_min, lon_max = BOXES[r["country"]]
            assert lat_min <= r["latitude"] <= lat_max and lon_min <= r["longitude"] <= lon_max


def test_every_synthetic_signal_passes_the_shared_validation(senior_analyst, analyst):
    seed("--signals", "200", "--situations", "3", "--sources", "4", "--seed", "6")

    for signal in synthetic().select_related("source"):
        data = {field: getattr(signal, field) for field in services.SIGNAL_FIELDS}
        _, errors = services.signal_validate(data, actor=senior_analyst)
        assert errors == {}, (signal.pk, errors)
    dismissed = synthetic().filter(status=SignalStatus.DISMISSED)
    assert not dismissed.filter(dismissed_reason="").exists()
    assert not synthetic().filter(status=SignalStatus.DUPLICATE, duplicate_of=None).exists()


def test_triaged_signals_are_linked_to_a_situation_of_their_country(analyst):
    seed("--signals", "1000", "--situations", "12", "--sources", "5", "--seed", "7")

    links = SignalSituationLink.objects.select_related("signal", "situation")
    assert links.exists()
    for link in links:
        assert link.signal.status == SignalStatus.TRIAGED
        assert link.signal.country in link.situation.countries
    covered = {code for s in Situation.objects.all() for code in s.countries}
    unlinked = synthetic().filter(
        status=SignalStatus.TRIAGED, country__in=covered, situation_links=None
    )
    assert not unlinked.exists()


def test_the_analysts_are_put_on_situation_teams_with_their_need_to_know(analyst, senior_analyst):
    seed("--signals", "100", "--situations", "9", "--sources", "3", "--seed", "8")

    for situation in Situation.objects.all():
        members = set(situation.members.values_list("user__username", flat=True))
        assert situation.lead_analyst.username in members
        for person in (analyst, senior_analyst):
            person = type(person).objects.get(pk=person.pk)  # a fresh permission cache
            on_team = person.username in members
            assert person.has_perm("cases.view_situation", situation) is on_team
            assert on_team <= (person.clearance >= situation.classification)
    confidential_mine = Situation.objects.filter(
        classification=Classification.CONFIDENTIAL, members__user=analyst
    )
    assert set(confidential_mine) <= set(access.situations_visible(analyst))


def test_full_text_search_finds_synthetic_signals_with_highlights(analyst):
    seed("--signals", "400", "--situations", "3", "--sources", "3", "--seed", "9")

    found = list(
        selectors.signal_list(
            user=analyst, filters=selectors.SignalFilters(q="fled", status="", sort="relevance")
        )[:20]
    )
    assert found
    assert all(selectors.MARK_START in s.headline_marked + s.description_marked for s in found)


def test_seeding_again_with_the_same_seed_adds_nothing(analyst):
    seed("--signals", "300", "--situations", "3", "--sources", "3", "--seed", "4")
    before = set(synthetic().values_list("external_id", flat=True))

    output = seed("--signals", "300", "--situations", "3", "--sources", "3", "--seed", "4")

    assert set(synthetic().values_list("external_id", flat=True)) == before
    assert "Created 0 signals (300 already present)" in output
    assert Source.objects.count() == 3 and Situation.objects.count() == 3
    assert AuditEvent.objects.filter(action="synthetic.seed").count() == 1


def test_a_larger_count_adds_only_the_missing_rows_and_another_seed_adds_its_own(analyst):
    seed("--signals", "250", "--situations", "3", "--sources", "3", "--seed", "4")

    seed("--signals", "400", "--situations", "3", "--sources", "3", "--seed", "4")
    assert synthetic().count() == 400
    assert synthetic().filter(external_id="syn-4-399").exists()

    seed("--signals", "100", "--situations", "2", "--sources", "2", "--seed", "5")
    assert synthetic().count() == 500
    assert Source.objects.count() == 5 and Situation.objects.count() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--signals", "-5"], "between 0 and"),
        (["--signals", "many"], "give a whole number"),
        (["--signals", "10", "--seed", "100000"], "between 0 and 99,999"),
        (["--signals", "10", "--as", "nobody"], "No active account is called 'nobody'"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(analyst, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_synthetic", *args, stdout=StringIO())
    assert not synthetic().exists()


def test_seeding_without_an_analyst_to_own_the_data_is_refused(outsider):
    with pytest.raises(CommandError, match="No analyst account"):
        call_command("seed_synthetic", "--signals", "10", stdout=StringIO())
    assert not synthetic().exists() and not Source.objects.exists()
