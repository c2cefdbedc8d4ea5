"""Response options through HTTP: the situation's list and the proposal form, an option's page
with its history, the lifecycle moved by the team (recommend, adopt by whom and when,
implement, abandon with a reason), editing, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import OptionStatus, OptionTransition, ResponseOption
from cases import services as cases_services
from r2p.models import Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENVOY = {
    "instrument": "special-envoy",
    "rationale": "A known interlocutor can keep the talks in Niamey alive.",
    "factors": ["1", "8", "13"],
    "lead_actor": "African Union Commission",
    "expected_effect": "Fewer clashes around the election.",
    "risks": "The government may read it as interference.",
    "feasibility": "medium",
}


@pytest.fixture
def colleague(db):
    """Ines: an analyst on no team of Amina's."""
    return UserFactory(
        username="ines",
        first_name="Ines",
        last_name="Moreau",
        role="analyst",
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def open_situation(analyst):
    """A PUBLIC situation led by Amina: every staff member sees it, only her team writes."""
    return cases_services.situation_create(
        created_by=analyst,
        title="Lake Chad basin",
        countries=["TCD", "NER"],
        classification=Classification.PUBLIC,
    )


@pytest.fixture
def option(situation, analyst):
    """Amina proposes a special envoy for Central Sahel."""
    return services.option_propose(situation=situation, actor=analyst, data=ENVOY)


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


def history(page: str) -> list[list[str]]:
    """The rows of the history table: when, who, step, note (tags stripped)."""
    table = re.search(
        r'<table class="table table--compact option-history">(.*?)</table>', page, re.S
    )
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


def ticked(page: str) -> list[str]:
    """The risk factors ticked in the option form."""
    return re.findall(r'<input type="checkbox" name="factors" value="(\d+)"[^>]* checked>', page)


def move(client, option, to, **fields):
    data = {"to": to, f"{to}-revision": ResponseOption.objects.get(pk=option.pk).revision}
    data.update({f"{to}-{name}": value for name, value in fields.items()})
    return client.post(reverse("assessments:option-transition", args=[option.pk]), data)


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["outsider", "liaison"])
def test_oscar_and_elena_find_no_option_page(client, person, request, situation, option):
    client.force_login(request.getfixturevalue(person))
    for method, url in [
        ("get", reverse("assessments:situation-options", args=[situation.pk])),
        ("post", reverse("assessments:situation-options", args=[situation.pk])),
        ("get", reverse("assessments:option-detail", args=[option.pk])),
        ("get", reverse("assessments:option-edit", args=[option.pk])),
        ("post", reverse("assessments:option-edit", args=[option.pk])),
        ("post", reverse("assessments:option-transition", args=[option.pk])),
    ]:
        response = getattr(client, method)(url, {"to": "abandoned"} if method == "post" else None)
        assert response.status_code == 404, (method, url)
    option.refresh_from_db()
    assert option.status == OptionStatus.PROPOSED


def test_ines_off_the_team_finds_no_option_of_a_confidential_situation(
    client, colleague, situation, option
):
    client.force_login(colleague)
    assert client.get(reverse("assessments:option-detail", args=[option.pk])).status_code == 404
    assert (
        client.get(reverse("assessments:situation-options", args=[situation.pk])).status_code == 404
    )


def test_ines_reads_a_public_situations_options_but_only_its_team_proposes_and_moves_them(
    client, colleague, open_situation, analyst
):
    option = services.option_propose(situation=open_situation, actor=analyst, data=ENVOY)
    client.force_login(colleague)
    listing = page_of(
        client.get(reverse("assessments:situation-options", args=[open_situation.pk]))
    )
    assert "Special envoy" in listing and "Propose an option" not in listing
    detail = page_of(client.get(reverse("assessments:option-detail", args=[option.pk])))
    assert "The situation's team moves the option along" in detail
    response = client.post(
        reverse("assessments:situation-options", args=[open_situation.pk]), ENVOY
    )
    assert response.status_code == 403
    assert "Only the situation&#x27;s lead analyst and team" in page_of(response)
    assert move(client, option, "recommended").status_code == 403
    assert client.get(reverse("assessments:option-edit", args=[option.pk])).status_code == 403
    assert ResponseOption.objects.count() == 1
    option.refresh_from_db()
    assert option.status == OptionStatus.PROPOSED


def test_chens_role_cannot_propose_options(client, special_adviser, open_situation):
    client.force_login(special_adviser)
    response = client.post(
        reverse("assessments:situation-options", args=[open_situation.pk]), ENVOY
    )
    assert response.status_code == 403
    assert "Your role cannot write assessments." in page_of(response)


# --- Proposing --------------------------------------------------------------------------------


def test_the_proposal_form_groups_instruments_by_pillar_and_names_the_factors(
    client, analyst, situation
):
    client.force_login(analyst)
    response = client.get(reverse("assessments:situation-options", args=[situation.pk]))
    page = page_of(response)
    assert response.status_code == 200
    assert "No option is proposed yet." in page
    groups = re.findall(r'<optgroup label="([^"]+)">', page)
    assert groups == [
        "Pillar I: the State&#x27;s own responsibility",
        "Pillar II: international assistance and capacity-building",
        "Pillar III: timely and decisive collective response",
    ]
    assert '<option value="icc-referral">Referral to the International Criminal Court' in page
    assert "Typical actor:</span> Secretary-General or a regional organisation" in page
    boxes = re.findall(r'<input type="checkbox" name="factors" value="(\d+)"', page)
    assert boxes == [str(n) for n in range(1, 15)]
    assert "10. Signs of an intent to destroy in whole or in part a protected group" in page
    assert marking(page) == "CONFIDENTIAL"


def test_amina_proposes_a_special_envoy_and_lands_on_its_page(client, analyst, situation):
    client.force_login(analyst)
    response = client.post(reverse("assessments:situation-options", args=[situation.pk]), ENVOY)
    option = ResponseOption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:option-detail", args=[option.pk])
    assert sorted(f.number for f in option.factors.all()) == [1, 8, 13]
    page = page_of(client.get(response["Location"]))
    for text in [
        "Special envoy",
        "African Union Commission",
        "A known interlocutor can keep the talks in Niamey alive.",
        "Fewer clashes around the election.",
        "The government may read it as interference.",
        "Medium",
        "13. Serious threats to those protected under international humanitarian law",
        "Pillar II: international assistance and capacity-building",
    ]:
        assert text in page, text
    assert history(page) == [[history(page)[0][0], "Amina Diallo", "Proposed", "—"]]
    listing = page_of(client.get(reverse("assessments:situation-options", args=[situation.pk])))
    assert "(1, 1 in play)" in listing


def test_a_proposal_with_bad_fields_is_refused_with_a_message_beside_each(
    client, analyst, situation
):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:situation-options", args=[situation.pk]),
        {
            "instrument": "drone-strike",
            "rationale": "  ",
            "factors": ["3", "15"],
            "lead_actor": "",
            "feasibility": "certain",
            "risks": "Escalation.",
        },
    )
    assert response.status_code == 400
    page = page_of(response)
    assert field_error(page, "instrument") == "Choose an instrument from the catalogue."
    assert field_error(page, "rationale") == "This field is required."
    assert field_error(page, "factors") == "Risk factors are numbered 1 to 14."
    assert field_error(page, "lead_actor") == "This field is required."
    assert field_error(page, "feasibility") == "Choose one of: low, medium, high."
    assert ticked(page) == ["3"]
    assert "Escalation." in page  # what she typed stays
    assert not ResponseOption.objects.exists()


# --- The lifecycle ----------------------------------------------------------------------------


def test_the_team_moves_an_option_from_proposed_to_implemented_and_every_step_is_recorded(
    client, analyst, senior_analyst, option
):
    client.force_login(analyst)
    detail = reverse("assessments:option-detail", args=[option.pk])
    page = page_of(client.get(detail))
    assert "Recommend it" in page and "Abandon it" in page and "Record its adoption" not in page

    assert move(client, option, "recommended", note="Both advisers agree.").status_code == 302
    client.force_login(senior_analyst)
    page = page_of(client.get(detail))
    assert "Record its adoption" in page and "Recommend it" not in page

    refused = move(client, option, "adopted", adopted_by="", adopted_on="")
    assert refused.status_code == 400
    refused_page = page_of(refused)
    assert field_error(refused_page, "adopted-adopted_by") == (
        "Name the body or person that adopted it."
    )
    assert field_error(refused_page, "adopted-adopted_on") == (
        "Enter the date of adoption as YYYY-MM-DD."
    )
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = move(client, option, "adopted", adopted_by="Security Council", adopted_on=tomorrow)
    assert field_error(page_of(future), "adopted-adopted_on") == (
        "The date of adoption cannot be in the future."
    )
    option.refresh_from_db()
    assert option.status == OptionStatus.RECOMMENDED

    adopted_on = (timezone.localdate() - timedelta(days=2)).isoformat()
    adopted = move(client, option, "adopted", adopted_by="Security Council", adopted_on=adopted_on)
    assert adopted.status_code == 302
    assert move(client, option, "implemented", note="Envoy named on Monday.").status_code == 302

    option.refresh_from_db()
    assert option.status == OptionStatus.IMPLEMENTED
    assert (option.adopted_by, option.adopted_on.isoformat()) == ("Security Council", adopted_on)
    page = page_of(client.get(detail))
    steps = history(page)
    assert [row[1:] for row in steps] == [
        ["Amina Diallo", "Proposed", "—"],
        ["Amina Diallo", "Proposed → Recommended", "Both advisers agree."],
        ["Bruno Okafor", "Recommended → Adopted", "—"],
        ["Bruno Okafor", "Adopted → Implemented", "Envoy named on Monday."],
    ]
    assert all(row[0].endswith("UTC") for row in steps)
    assert "Security Council" in page and "its record is closed" in page
    assert 'name="to"' not in page
    assert OptionTransition.objects.filter(option=option).count() == 4


def test_abandoning_an_option_needs_a_reason_which_stays_on_its_page(client, analyst, option):
    client.force_login(analyst)
    refused = move(client, option, "abandoned", note="")
    assert refused.status_code == 400
    assert field_error(page_of(refused), "abandoned-note") == "Say why the option is abandoned."
    assert (
        move(client, option, "abandoned", note="The government expelled the envoy.").status_code
        == 302
    )
    page = page_of(client.get(reverse("assessments:option-detail", args=[option.pk])))
    assert "Abandoned because" in page and "The government expelled the envoy." in page


def test_a_move_the_workflow_does_not_allow_answers_409_and_an_unknown_one_400(
    client, analyst, option
):
    client.force_login(analyst)
    skipped = move(client, option, "implemented")
    assert skipped.status_code == 409
    assert "A proposed option cannot become implemented." in page_of(skipped)
    unknown = client.post(
        reverse("assessments:option-transition", args=[option.pk]), {"to": "vetoed"}
    )
    assert unknown.status_code == 400
    assert "Choose one of the moves offered below" in page_of(unknown)
    assert client.get(reverse("assessments:option-transition", args=[option.pk])).status_code == 405
    option.refresh_from_db()
    assert option.status == OptionStatus.PROPOSED


def test_a_move_made_on_a_stale_page_is_refused_with_409(client, analyst, senior_analyst, option):
    client.force_login(analyst)
    stale = option.revision
    services.option_transition(option=option, actor=senior_analyst, to="recommended")
    response = client.post(
        reverse("assessments:option-transition", args=[option.pk]),
        {"to": "abandoned", "abandoned-note": "No longer needed", "abandoned-revision": stale},
    )
    assert response.status_code == 409
    assert "Someone changed this since you opened it." in page_of(response)
    option.refresh_from_db()
    assert option.status == OptionStatus.RECOMMENDED


# --- Editing ----------------------------------------------------------------------------------


def test_amina_edits_her_option_and_keeps_its_status(client, analyst, option):
    client.force_login(analyst)
    url = reverse("assessments:option-edit", args=[option.pk])
    form = page_of(client.get(url))
    assert "African Union Commission" in form
    assert ticked(form) == ["1", "8", "13"]
    response = client.post(
        url,
        {**ENVOY, "lead_actor": "ECOWAS Commission", "factors": ["8"], "revision": option.revision},
    )
    assert response.status_code == 302
    option.refresh_from_db()
    assert option.lead_actor == "ECOWAS Commission" and option.status == OptionStatus.PROPOSED
    assert [f.number for f in option.factors.all()] == [8]


def test_an_edit_with_bad_fields_is_refused_with_messages(client, analyst, option):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:option-edit", args=[option.pk]),
        {**ENVOY, "rationale": "", "feasibility": "", "revision": option.revision},
    )
    assert response.status_code == 400
    page = page_of(response)
    assert field_error(page, "rationale") == "This field is required."
    assert field_error(page, "feasibility") == "Choose one of: low, medium, high."


def test_an_edit_over_someone_elses_change_keeps_the_text_and_answers_409(
    client, analyst, senior_analyst, option
):
    client.force_login(analyst)
    stale = option.revision
    services.option_update(option=option, actor=senior_analyst, data={"lead_actor": "OHCHR"})
    response = client.post(
        reverse("assessments:option-edit", args=[option.pk]),
        {**ENVOY, "lead_actor": "IGAD secretariat", "revision": stale},
    )
    assert response.status_code == 409
    page = page_of(response)
    assert "Someone else changed this option while you were editing it." in page
    assert 'value="IGAD secretariat"' in page
    assert f'name="revision" value="{stale + 1}"' in page
    option.refresh_from_db()
    assert option.lead_actor == "OHCHR"


def test_a_closed_option_cannot_be_edited(client, analyst, option):
    services.option_transition(option=option, actor=analyst, to="abandoned", note="Overtaken")
    client.force_login(analyst)
    url = reverse("assessments:option-edit", args=[option.pk])
    assert client.get(url).status_code == 409
    response = client.post(url, {**ENVOY, "lead_actor": "Anyone"})
    assert response.status_code == 409
    assert "its record is closed" in page_of(response)
    option.refresh_from_db()
    assert option.lead_actor == "African Union Commission"
