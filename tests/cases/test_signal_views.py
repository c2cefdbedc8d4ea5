"""The signal pages: the browser form for one signal, and a signal's own page with its triage."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from cases import services
from cases.models import DuplicateDecision, Origin, Signal, SignalStatus
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


FORM_ORDER = (
    "headline",
    "category",
    "description",
    "occurred_on",
    "country",
    "latitude",
    "perpetrators",
    "fatalities_best",
    "source",
    "credibility",
    "classification",
)


def valid_form(chosen_source, **changes) -> dict:
    form = {
        "headline": "Militia burns homesteads outside Tessit",
        "category": "violence_against_civilians",
        "description": "Survivors describe an attack at dawn.",
        "occurred_on": (date.today() - timedelta(days=3)).isoformat(),
        "occurred_precision": "day",
        "country": "MLI",
        "admin1": "Gao",
        "place_name": "Tessit",
        "latitude": "15.93",
        "longitude": "0.49",
        "perpetrators": "Unidentified armed group",
        "targeted_group": "Daoussahak herders",
        "targeted_group_kind": "ethnic",
        "fatalities_best": "7",
        "fatalities_low": "5",
        "fatalities_high": "11",
        "source": chosen_source.pk,
        "credibility": "2",
        "original_source_text": "Radio Tessit, morning bulletin",
        "classification": "1",
        "language": "fr",
    }
    form.update(changes)
    return form


# --- The form ---------------------------------------------------------------------------------


def test_an_analyst_files_a_signal_through_the_form_and_lands_on_its_page(client, analyst, source):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:signal-create")))
    # Labels above fields, in the order a report is told.
    order = [page.index(f'for="id_{name}"') for name in FORM_ORDER]
    assert order == sorted(order)
    response = client.post(reverse("cases:signal-create"), valid_form(source))
    signal = Signal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:signal-detail", args=[signal.pk])
    assert signal.origin == Origin.FORM and signal.created_by == analyst
    assert signal.status == SignalStatus.NEW
    assert (signal.latitude, signal.longitude) == (15.93, 0.49)
    assert (signal.fatalities_low, signal.fatalities_best, signal.fatalities_high) == (5, 7, 11)
    assert signal.targeted_group_kind == "ethnic" and signal.language == "fr"
    assert signal.classification == Classification.CONFIDENTIAL
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert f"Signal #{signal.pk} is filed" in page_of(landing)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"occurred_on": (date.today() + timedelta(days=3)).isoformat()},
            "occurred_on",
            "is in the future",
        ),
        ({"occurred_on": "14/03/2026"}, "occurred_on", "Give the date as YYYY-MM-DD"),
        ({"latitude": "91"}, "latitude", "Latitude 91 is outside -90 to 90."),
        ({"longitude": ""}, "longitude", "Give both latitude and longitude, or neither."),
        ({"fatalities_best": "-3"}, "fatalities_best", "a count cannot be negative"),
        ({"fatalities_low": "9"}, "fatalities_low", "The low estimate is above the best estimate."),
        ({"country": "XYZ"}, "country", "XYZ is not a known ISO 3166-1 alpha-3 country code."),
        ({"headline": "  "}, "headline", "A headline is required"),
        ({"source": ""}, "source", "Choose the source of this report from the list."),
        ({"category": ""}, "category", "Choose the kind of event from the list."),
        ({"category": "massacre"}, "category", "Choose a category: violence_against_civilians"),
        ({"country": ""}, "country", "Choose the country where it happened."),
        ({"occurred_on": ""}, "occurred_on", "Give the date of the event."),
        ({"source": "999999"}, "source", "Choose a source from the list."),
        ({"credibility": "7"}, "credibility", "Credibility is a grade from 1"),
        ({"classification": "2"}, "classification", "You are cleared up to CONFIDENTIAL"),
    ],
)
def test_each_bad_input_is_named_beside_its_field_and_nothing_is_saved(
    client, analyst, source, change, field, message
):
    client.force_login(analyst)
    response = client.post(reverse("cases:signal-create"), valid_form(source, **change))
    assert response.status_code == 400
    page = page_of(response)
    assert message in field_error(page, field)
    assert 'class="field field--invalid"' in page
    assert f'aria-describedby="id_{field}_error' in page
    # Only that field is marked, and what was typed is kept.
    assert page.count('class="field-error"') == 1
    assert 'value="Tessit"' in page
    assert not Signal.objects.exists()
    assert not AuditEvent.objects.filter(action="signal.create").exists()


def test_several_problems_are_all_reported_at_once(client, analyst, source):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:signal-create"),
        valid_form(source, headline="", occurred_on="yesterday", latitude="91"),
    )
    page = page_of(response)
    for field in ("headline", "occurred_on", "latitude"):
        assert field_error(page, field), field
    # The summary at the top links to each field, in the order of the form.
    links = re.findall(r'<li><a href="#id_(\w+)">', page)
    assert links == ["headline", "occurred_on", "latitude"]


def test_the_form_offers_sources_by_pseudonym_and_levels_up_to_the_clearance(
    client, analyst, source
):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:signal-create")))
    assert f"{source.pseudonym} · B (Usually reliable)" in page
    assert "Field officer in Gao" not in page
    assert ">CONFIDENTIAL</option>" in page and "STRICTLY CONFIDENTIAL</option>" not in page
    assert "2 — Probably true" in page


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider", "partner", "special_adviser"])
def test_people_who_cannot_file_signals_get_404_on_the_form(client, person, request, source):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("cases:signal-create")).status_code == 404
    assert client.post(reverse("cases:signal-create"), valid_form(source)).status_code == 404
    assert not Signal.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_from_the_signal_pages(client, make_signal):
    signal = make_signal()
    for url in (reverse("cases:signal-create"), reverse("cases:signal-detail", args=[signal.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- The signal page --------------------------------------------------------------------------


def test_the_signal_page_shows_provenance_grades_cluster_situations_and_history(
    client, analyst, make_signal, other_source, source, situation
):
    signal = make_signal(
        external_id="ML-2291",
        original_source_text="Radio Tessit, morning bulletin",
        credibility=3,
        fatalities_best=7,
    )
    other = make_signal(source=other_source, headline="Attack on Tessit market, 7 killed")
    services.duplicate_decide(signal=signal, candidate=other, same_event=True, actor=analyst)
    services.signal_link(signal=signal, situation=situation, actor=analyst)
    client.force_login(analyst)
    response = client.get(reverse("cases:signal-detail", args=[signal.pk]))
    assert response.status_code == 200
    page = page_of(response)
    # Provenance: the source by pseudonym and grade, never by name; origin, external id, filer.
    assert source.pseudonym in page and "Field officer in Gao" not in page
    assert "Browser form" in page and "ML-2291" in page
    assert "Radio Tessit, morning bulletin" in page
    assert "Amina Diallo" in page
    # The Admiralty pair with its meaning.
    assert 'title="Source B: Usually reliable. Information 3: Possibly true.">B3</abbr>' in page
    assert "the source: usually reliable" in page and "this information: possibly true" in page
    # The cluster: two independent sources report the event; the other report is listed.
    assert "<strong>2 independent sources</strong> report this event" in page
    assert "Attack on Tessit market, 7 killed" in page and other_source.pseudonym in page
    # Linked situations, and the audit history, newest first.
    assert situation.reference in page and "Central Sahel" in page
    history = re.findall(r"<td><code>([a-z_.]+)</code></td>", page)
    assert history == ["signal.status", "signal.link", "signal.duplicate_decision", "signal.create"]
    assert marking(page) == "PUBLIC"


def test_the_page_is_marked_with_the_signals_classification(client, analyst, make_signal):
    signal = make_signal(classification=Classification.CONFIDENTIAL)
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:signal-detail", args=[signal.pk])))
    assert marking(page) == "CONFIDENTIAL"


def test_reading_a_strictly_confidential_signal_leaves_an_audit_row(
    client, senior_analyst, make_signal
):
    signal = make_signal(actor=senior_analyst, classification=Classification.STRICTLY_CONFIDENTIAL)
    assign_perm("cases.view_signal", senior_analyst, signal)
    client.force_login(senior_analyst)
    page = page_of(client.get(reverse("cases:signal-detail", args=[signal.pk])))
    assert marking(page) == "STRICTLY CONFIDENTIAL"
    read = AuditEvent.objects.get(action="signal.read", object_id=str(signal.pk))
    assert read.actor == senior_analyst
    public = make_signal()
    client.get(reverse("cases:signal-detail", args=[public.pk]))
    assert not AuditEvent.objects.filter(action="signal.read", object_id=str(public.pk)).exists()


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider"])
def test_people_outside_the_joint_office_get_404_on_a_signal_and_its_actions(
    client, person, request, make_signal, situation
):
    signal = make_signal()
    client.force_login(request.getfixturevalue(person))
    response = client.get(reverse("cases:signal-detail", args=[signal.pk]))
    assert response.status_code == 404
    assert signal.headline not in page_of(response)
    actions = [
        (reverse("cases:signal-link", args=[signal.pk]), {"situation": situation.pk}),
        (reverse("cases:signal-dismiss", args=[signal.pk]), {"reason": "noise"}),
        (reverse("cases:signal-reopen", args=[signal.pk]), {}),
    ]
    for url, data in actions:
        assert client.post(url, data).status_code == 404
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW and not signal.situation_links.exists()


def test_an_analyst_off_the_need_to_know_gets_404(client, analyst, make_signal, situation):
    signal = make_signal(classification=Classification.CONFIDENTIAL)
    services.signal_link(signal=signal, situation=situation, actor=analyst)
    stranger = UserFactory(username="ines", role="analyst", clearance=Classification.CONFIDENTIAL)
    client.force_login(stranger)
    assert client.get(reverse("cases:signal-detail", args=[signal.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(signal.pk)).exists()


def test_linking_a_signal_from_its_page_triages_it(client, analyst, make_signal, situation):
    signal = make_signal()
    client.force_login(analyst)
    url = reverse("cases:signal-detail", args=[signal.pk])
    assert f"{situation.reference} · Central Sahel" in page_of(client.get(url))
    response = client.post(
        reverse("cases:signal-link", args=[signal.pk]), {"situation": situation.pk}
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == SignalStatus.TRIAGED
    assert signal.situation_links.get().linked_by == analyst
    page = page_of(client.get(url))
    assert f"Linked to {situation.reference}" in page
    # Already linked: no longer offered.
    assert f"{situation.reference} · Central Sahel</option>" not in page


def test_linking_to_a_situation_out_of_sight_is_refused_beside_the_field(
    client, analyst, make_signal, senior_analyst
):
    hidden = services.situation_create(
        created_by=senior_analyst, title="Closely held", countries=["SDN"]
    )
    signal = make_signal()
    client.force_login(analyst)
    response = client.post(reverse("cases:signal-link", args=[signal.pk]), {"situation": hidden.pk})
    assert response.status_code == 400
    assert "Choose a situation from the list." in field_error(page_of(response), "situation")
    assert not signal.situation_links.exists()


def test_dismissing_needs_a_reason_beside_the_field_then_reopening_brings_it_back(
    client, analyst, make_signal
):
    signal = make_signal()
    client.force_login(analyst)
    dismiss = reverse("cases:signal-dismiss", args=[signal.pk])
    response = client.post(dismiss, {"reason": " "})
    assert response.status_code == 400
    assert "Say why the signal is dismissed." in field_error(page_of(response), "reason")
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW

    response = client.post(dismiss, {"reason": "Report retracted by the outlet"}, follow=True)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.DISMISSED
    page = page_of(response)
    assert "Dismissed: Report retracted by the outlet" in page
    assert "Reopen it" in page

    client.post(reverse("cases:signal-reopen", args=[signal.pk]))
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW and signal.dismissed_reason == ""


def test_duplicate_suggestions_are_confirmed_or_rejected_from_the_page(
    client, analyst, make_signal, other_source
):
    signal = make_signal(headline="Gunmen attack weekly market near Tessit")
    same = make_signal(source=other_source, headline="Gunmen attack the weekly market at Tessit")
    different = make_signal(source=other_source, headline="Gunmen attack weekly market in Tessit")
    client.force_login(analyst)
    url = reverse("cases:signal-detail", args=[signal.pk])
    page = page_of(client.get(url))
    assert "Possible duplicates" in page
    for candidate in (same, different):
        assert reverse("cases:signal-duplicate-decide", args=[signal.pk, candidate.pk]) in page

    decide = "cases:signal-duplicate-decide"
    client.post(reverse(decide, args=[signal.pk, same.pk]), {"verdict": "same"})
    client.post(reverse(decide, args=[signal.pk, different.pk]), {"verdict": "different"})
    signal.refresh_from_db()
    same.refresh_from_db()
    assert signal.cluster_id and signal.cluster_id == same.cluster_id
    verdicts = dict(
        DuplicateDecision.objects.filter(signal=signal).values_list("candidate_id", "verdict")
    )
    assert verdicts == {same.pk: "confirmed", different.pk: "rejected"}
    page = page_of(client.get(url))
    assert "No likely duplicate" in page
    assert "<strong>2 independent sources</strong>" in page


def test_a_special_adviser_reads_a_signal_without_triage_forms(
    client, special_adviser, make_signal
):
    signal = make_signal()
    client.force_login(special_adviser)
    page = page_of(client.get(reverse("cases:signal-detail", args=[signal.pk])))
    assert signal.headline in page
    assert "Dismiss the signal" not in page and "Possible duplicates" not in page
    response = client.post(reverse("cases:signal-dismiss", args=[signal.pk]), {"reason": "x"})
    assert response.status_code == 404
