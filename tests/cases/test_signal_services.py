from datetime import date, timedelta

import pytest

from cases import services
from cases.models import DuplicateDecision, Origin, Signal, SignalStatus
from r2p.errors import ApplicationValidationError, ConflictError
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db


def problems(excinfo) -> dict:
    return excinfo.value.fields


def test_amina_files_a_signal_and_the_audit_row_names_only_the_pseudonym(make_signal, source):
    signal = make_signal(description="Witness Ahmed saw the attackers")
    assert signal.status == SignalStatus.NEW and signal.grade == "B2"
    event = AuditEvent.objects.get(action="signal.create")
    assert event.summary["source"] == source.pseudonym
    assert "Ahmed" not in str(event.summary) and "Field officer" not in str(event.summary)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"headline": "  "}, "headline", "A headline is required"),
        ({"occurred_on": date.today() + timedelta(days=3)}, "occurred_on", "is in the future"),
        ({"latitude": 91, "longitude": 10}, "latitude", "Latitude 91 is outside -90 to 90"),
        ({"longitude": 200, "latitude": 1}, "longitude", "outside -180 to 180"),
        ({"latitude": 12.5}, "longitude", "Give both latitude and longitude"),
        ({"fatalities_best": -1}, "fatalities_best", "cannot be negative"),
        ({"fatalities_best": 5, "fatalities_low": 9}, "fatalities_low", "above the best"),
        ({"fatalities_best": 5, "fatalities_high": 2}, "fatalities_high", "below the best"),
        ({"country": "ZZZ"}, "country", "ZZZ is not a known ISO 3166-1 alpha-3"),
        ({"country": "Mali"}, "country", "is not an ISO 3166-1 alpha-3 code"),
        ({"credibility": 7}, "credibility", "from 1 (confirmed) to 6"),
        ({"category": "massacre"}, "category", "Choose a category"),
        ({"source": None}, "source", "Name the source by its pseudonym"),
        ({"classification": "TOP SECRET"}, "classification", "unknown classification"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(
    make_signal, overrides, field, message
):
    with pytest.raises(ApplicationValidationError) as excinfo:
        make_signal(**overrides)
    assert message in " ".join(problems(excinfo)[field])
    assert not Signal.objects.exists()


def test_nobody_files_above_their_clearance(make_signal, liaison):
    with pytest.raises(ApplicationValidationError) as excinfo:
        make_signal(classification=Classification.STRICTLY_CONFIDENTIAL)
    assert "cleared up to CONFIDENTIAL" in problems(excinfo)["classification"][0]


def test_a_liaison_cannot_file_signals(make_signal, liaison):
    with pytest.raises(ApplicationValidationError, match="Some fields"):
        make_signal(actor=liaison)


def test_kosovo_is_accepted_as_xkx(make_signal):
    assert make_signal(country="xkx").country == "XKX"


def test_a_resent_external_id_is_recognised(make_signal):
    make_signal(origin=Origin.API, external_id="partner-77")
    with pytest.raises(ApplicationValidationError) as excinfo:
        make_signal(origin=Origin.API, external_id="partner-77")
    assert "partner-77" in problems(excinfo)["external_id"][0]
    assert Signal.objects.count() == 1


def test_many_signals_are_filed_all_or_nothing_with_errors_by_row(analyst, source):
    good = {
        "headline": "Village burned",
        "occurred_on": date.today(),
        "country": "SDN",
        "category": "violence_against_civilians",
        "source": source,
        "credibility": 3,
        "classification": Classification.PUBLIC,
    }
    rows = [
        dict(good, external_id="a"),
        dict(good, latitude=91, longitude=1),
        dict(good, external_id="a"),
    ]
    with pytest.raises(ApplicationValidationError) as excinfo:
        services.signals_create_many(actor=analyst, rows=rows)
    fields = problems(excinfo)
    assert set(fields) == {"rows[1].latitude", "rows[2].external_id"}
    assert not Signal.objects.exists()
    created = services.signals_create_many(actor=analyst, rows=[good, dict(good, external_id="b")])
    assert len(created) == 2 and Signal.objects.count() == 2
    assert AuditEvent.objects.get(action="signal.bulk_create").summary["count"] == 2


def test_an_update_on_a_stale_version_is_a_conflict(make_signal, analyst):
    signal = make_signal()
    services.signal_update(
        signal=signal, actor=analyst, expected_version=1, changes={"credibility": 1}
    )
    with pytest.raises(ConflictError):
        services.signal_update(
            signal=signal, actor=analyst, expected_version=1, changes={"credibility": 3}
        )
    signal.refresh_from_db()
    assert signal.credibility == 1 and signal.version == 2
    assert AuditEvent.objects.get(action="signal.change").summary["changed"] == ["credibility"]


def test_linking_triages_a_new_signal_once(make_signal, situation, analyst):
    signal = make_signal()
    services.signal_link(signal=signal, situation=situation, actor=analyst)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.TRIAGED
    with pytest.raises(ApplicationValidationError, match="Some fields"):
        services.signal_link(signal=signal, situation=situation, actor=analyst)


def test_a_dismissal_needs_a_reason_and_follows_the_workflow(make_signal, analyst):
    signal = make_signal()
    with pytest.raises(ApplicationValidationError):
        services.signal_dismiss(signal=signal, actor=analyst, reason=" ")
    services.signal_dismiss(signal=signal, actor=analyst, reason="Rumour already debunked")
    with pytest.raises(ConflictError, match="dismissed signal cannot become dismissed"):
        services.signal_dismiss(signal=signal, actor=analyst, reason="again")
    services.signal_reopen(signal=signal, actor=analyst)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW and signal.dismissed_reason == ""


def test_two_sources_reporting_one_event_corroborate_it(make_signal, other_source, analyst):
    from cases.selectors import signal_corroboration

    first = make_signal()
    second = make_signal(source=other_source, headline="Gunmen attack market near Tessit")
    services.duplicate_decide(signal=second, candidate=first, same_event=True, actor=analyst)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.cluster_id == second.cluster_id is not None
    assert signal_corroboration([first, second]) == {first.pk: 2, second.pk: 2}
    assert second.status == SignalStatus.NEW  # corroboration, not a duplicate


def test_the_same_source_reporting_twice_is_a_duplicate_not_corroboration(make_signal, analyst):
    from cases.selectors import signal_corroboration

    first = make_signal()
    again = make_signal(headline="Armed men attacked the weekly market near Tessit")
    services.duplicate_decide(signal=first, candidate=again, same_event=True, actor=analyst)
    again.refresh_from_db()
    assert again.status == SignalStatus.DUPLICATE and again.duplicate_of_id == first.pk
    assert signal_corroboration([first]) == {first.pk: 1}


def test_a_rejected_suggestion_is_kept_and_not_suggested_again(make_signal, other_source, analyst):
    from cases.selectors import signal_duplicate_candidates

    first = make_signal()
    second = make_signal(source=other_source, headline="Armed men attack weekly market, Tessit")
    assert signal_duplicate_candidates(signal=second, user=analyst) == [first]
    services.duplicate_decide(signal=second, candidate=first, same_event=False, actor=analyst)
    assert DuplicateDecision.objects.get().verdict == "rejected"
    assert signal_duplicate_candidates(signal=second, user=analyst) == []
    assert signal_duplicate_candidates(signal=first, user=analyst) == []


def test_merging_clusters_keeps_every_member(make_signal, other_source, analyst):
    a = make_signal()
    b = make_signal(source=other_source, headline="b")
    c = make_signal(source=other_source, headline="c")
    d = make_signal(headline="d")
    services.duplicate_decide(signal=a, candidate=b, same_event=True, actor=analyst)
    services.duplicate_decide(signal=c, candidate=d, same_event=True, actor=analyst)
    services.duplicate_decide(signal=b, candidate=c, same_event=True, actor=analyst)
    clusters = set(Signal.objects.values_list("cluster_id", flat=True))
    assert len(clusters) == 1 and None not in clusters
