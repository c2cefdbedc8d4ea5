"""The assessment pages through HTTP: a situation's versions, the assessment page and its
forms, four eyes, stale and bad input, the evidence as the reader may see it, what changed
between two versions, and a query count that does not grow with the assessment."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, AssessmentStatus, FactorJudgment, RiskLevel
from cases import services as cases_services
from r2p.models import Classification
from tests.assessments.conftest import judge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    """Ines: an analyst on no team."""
    return UserFactory(
        username="ines",
        first_name="Ines",
        last_name="Moreau",
        role="analyst",
        clearance=Classification.CONFIDENTIAL,
    )


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field_id: str) -> str:
    """The words shown beside one field (empty when it has none)."""
    match = re.search(rf'<p class="field-error" id="{field_id}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


def detail_url(assessment: Assessment) -> str:
    return reverse("assessments:assessment-detail", args=[assessment.pk])


def judgment_of(assessment: Assessment, number: int) -> FactorJudgment:
    return assessment.judgments.select_related("factor").get(factor__number=number)


def factor_post(assessment: Assessment, number: int, **fields) -> dict:
    """What the factor form sends: every field, as a browser would."""
    assessment.refresh_from_db()
    judgment = judgment_of(assessment, number)
    prefix = f"factor-{number}"
    data = {
        f"{prefix}-revision": assessment.revision,
        f"{prefix}-level": judgment.level,
        f"{prefix}-confidence": judgment.confidence,
        f"{prefix}-narrative": judgment.narrative,
        f"{prefix}-indicators": [i.code for i in judgment.indicators.all()],
    }
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return data


def submitted(assessment: Assessment, author) -> Assessment:
    return services.assessment_submit(assessment=assessment, actor=author)


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["outsider", "liaison"])
def test_oscar_and_elena_get_404_on_every_assessment_page_and_action(
    client, person, request, draft, situation, analyst, make_signal
):
    judgment = judgment_of(draft, 7)
    evidence = services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    client.force_login(request.getfixturevalue(person))
    pages = [
        reverse("assessments:situation-assessments", args=[situation.pk]),
        detail_url(draft),
        reverse("assessments:assessment-diff", args=[draft.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Central Sahel" not in page_of(response)
    actions = [
        reverse("assessments:assessment-start", args=[situation.pk]),
        reverse("assessments:assessment-update", args=[draft.pk]),
        reverse("assessments:assessment-submit", args=[draft.pk]),
        reverse("assessments:assessment-approve", args=[draft.pk]),
        reverse("assessments:assessment-return", args=[draft.pk]),
        reverse("assessments:judgment-update", args=[judgment.pk]),
        reverse("assessments:evidence-add", args=[judgment.pk]),
        reverse("assessments:evidence-remove", args=[evidence.pk]),
        reverse("assessments:flags-acknowledge", args=[judgment.pk]),
        reverse("assessments:judgment-challenge", args=[judgment.pk]),
    ]
    for url in actions:
        assert client.post(url, {"factor-7-level": "high"}).status_code == 404, url
    assert judgment_of(draft, 7).level == "insufficient"


def test_an_analyst_off_the_team_gets_404_for_a_confidential_situations_assessment(
    client, colleague, draft, situation
):
    client.force_login(colleague)
    assert client.get(detail_url(draft)).status_code == 404
    assert (
        client.get(reverse("assessments:situation-assessments", args=[situation.pk])).status_code
        == 404
    )


def test_an_analyst_off_the_team_reads_a_public_assessment_but_gets_403_writing_it(
    client, colleague, analyst
):
    situation = cases_services.situation_create(
        created_by=analyst, title="Lake Chad basin", countries=["TCD"], classification=0
    )
    assessment = services.assessment_start(situation=situation, actor=analyst)
    client.force_login(colleague)
    page = page_of(client.get(detail_url(assessment)))
    assert "Lake Chad basin" in page
    url = reverse("assessments:judgment-update", args=[judgment_of(assessment, 7).pk])
    assert f'action="{url}"' not in page
    response = client.post(
        reverse("assessments:judgment-update", args=[judgment_of(assessment, 7).pk]),
        factor_post(assessment, 7, level="high"),
    )
    assert response.status_code == 403
    assert "Only the situation&#x27;s lead analyst and team write" in page_of(response)
    assert judgment_of(assessment, 7).level == "insufficient"


# --- The page ---------------------------------------------------------------------------------


def test_amina_sees_her_draft_with_the_risk_explained_and_a_summary_of_what_is_filled(
    client, analyst, draft
):
    judge(draft, analyst, 11, "high", narrative="Attacks on markets spread east.")
    judge(draft, analyst, 1, "moderate")
    client.force_login(analyst)
    response = client.get(detail_url(draft))
    page = page_of(response)
    assert response.status_code == 200
    assert marking(page) == "CONFIDENTIAL"
    assert "Central Sahel: assessment, version 1" in page
    assert "2 of 14 factors judged" in page
    assert "High because the risk of crimes against humanity is high." in page
    assert "High because factor 11 is high." in page
    assert '<span class="risk risk--3">High</span>' in page
    assert page.count('<section class="panel factor" id="factor-') == 14
    assert "Attacks on markets spread east." in page
    # Writers get the forms, each carrying the revision they edit.
    assert f'name="factor-11-revision" value="{draft.revision + 2}"' in page
    assert reverse("assessments:assessment-submit", args=[draft.pk]) in page
    # The factor with no evidence is flagged in words.
    assert "No evidence" in page


def test_an_override_is_shown_with_the_computed_level_and_the_justification_beside_it(
    client, analyst, draft
):
    judge(draft, analyst, 11, "high")
    services.assessment_update(
        assessment=draft,
        actor=analyst,
        data={"override_level": RiskLevel.VERY_HIGH, "override_justification": "Mass graves."},
    )
    client.force_login(analyst)
    page = page_of(client.get(detail_url(draft)))
    text = re.sub(r"<[^>]+>", "", page)
    assert "Very high (analyst's override; computed: High)" in text.replace("&#x27;", "'")
    assert "Mass graves." in page


def test_evidence_shows_the_sources_pseudonym_and_grade_never_its_name(
    client, analyst, senior_analyst, draft, make_signal, field_office
):
    judgment = judgment_of(draft, 11)
    signal = make_signal()
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk, note="Market")
    for person in (analyst, senior_analyst):
        client.force_login(person)
        page = page_of(client.get(detail_url(draft)))
        assert "Field officer in Gao" not in page
        assert field_office.pseudonym in page
        assert ">B2</abbr>" in page
        assert f'href="/signals/{signal.pk}/"' in page


def test_evidence_amina_may_not_see_is_counted_never_shown(
    client, analyst, senior_analyst, draft, make_signal
):
    secret = make_signal(
        actor=senior_analyst,
        headline="Named informant reports a militia list",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    services.evidence_add(
        judgment=judgment_of(draft, 12), actor=senior_analyst, signal_id=secret.pk
    )
    client.force_login(analyst)
    page = page_of(client.get(detail_url(draft)))
    assert "Named informant" not in page
    assert f"#{secret.pk}" not in page
    assert "1 evidence item you are not cleared to see." in page
    client.force_login(senior_analyst)
    page = page_of(client.get(detail_url(draft)))
    assert "Named informant reports a militia list" in page
    assert marking(page) == "STRICTLY CONFIDENTIAL"


# --- Writing ----------------------------------------------------------------------------------


def test_amina_judges_a_factor_and_lands_back_on_its_section(client, analyst, draft):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:judgment-update", args=[judgment_of(draft, 7).pk]),
        factor_post(
            draft,
            7,
            level="high",
            confidence="medium",
            narrative="Militias are stockpiling weapons.",
            indicators=["7.1", "7.3"],
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft) + "#factor-7"
    judgment = judgment_of(draft, 7)
    assert (judgment.level, judgment.confidence) == ("high", "medium")
    assert sorted(i.code for i in judgment.indicators.all()) == ["7.1", "7.3"]
    page = page_of(client.get(response["Location"]))
    assert "Factor 7 is saved." in page


def test_an_unknown_indicator_code_comes_back_beside_the_field_and_focused(client, analyst, draft):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:judgment-update", args=[judgment_of(draft, 7).pk]),
        factor_post(draft, 7, level="high", indicators=["7.1", "7.99"]),
    )
    page = page_of(response)
    assert response.status_code == 400
    assert "Factor 7 has no indicator 7.99" in field_error(page, "id_factor-7-indicators")
    assert page.count("autofocus") == 1  # the first box of the group, and nothing else
    first = page.index("autofocus")
    assert 'name="factor-7-indicators"' in page[page.rfind("<input", 0, first) : first]
    assert judgment_of(draft, 7).level == "insufficient"


def test_an_unknown_level_gets_the_services_words(client, analyst, draft):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:judgment-update", args=[judgment_of(draft, 3).pk]),
        factor_post(draft, 3, level="catastrophic"),
    )
    assert response.status_code == 400
    assert "Choose one of: absent, low, moderate, high" in field_error(
        page_of(response), "id_factor-3-level"
    )


def test_a_stale_revision_gets_409_with_the_message_what_was_typed_and_a_reload_link(
    client, analyst, senior_analyst, draft
):
    stale = factor_post(draft, 7, level="high", narrative="My careful paragraph on arms.")
    judge(draft, senior_analyst, 7, "moderate")  # Bruno saves first
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:judgment-update", args=[judgment_of(draft, 7).pk]), stale
    )
    page = page_of(response)
    assert response.status_code == 409
    assert "Someone changed this since you opened it." in page
    assert "My careful paragraph on arms." in page
    assert f'href="{detail_url(draft)}#factor-7"' in page
    assert judgment_of(draft, 7).level == "moderate"


def test_an_override_without_justification_gets_400_beside_the_justification(
    client, analyst, draft
):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:assessment-update", args=[draft.pk]),
        {
            "overall-revision": draft.revision,
            "overall-overall_narrative": "Worsening.",
            "overall-override_level": "4",
            "overall-override_justification": "",
            "overall-classification": "1",
        },
    )
    page = page_of(response)
    assert response.status_code == 400
    assert field_error(page, "id_overall-override_justification") == (
        "Explain why the overall level differs from the computed one."
    )
    assert re.search(r'<textarea name="overall-override_justification"[^>]*autofocus', page)
    draft.refresh_from_db()
    assert draft.override_level is None and draft.overall_narrative == ""


def test_amina_overrides_the_overall_level_with_a_justification(client, analyst, draft):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:assessment-update", args=[draft.pk]),
        {
            "overall-revision": draft.revision,
            "overall-overall_narrative": "Worsening.",
            "overall-override_level": "3",
            "overall-override_justification": "Hate speech on state radio.",
            "overall-classification": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#overall")
    draft.refresh_from_db()
    assert draft.overall_level == RiskLevel.HIGH
    assert draft.override_justification == "Hate speech on state radio."


def test_amina_adds_evidence_by_number_and_removes_it(client, analyst, draft, make_signal):
    signal = make_signal()
    judgment = judgment_of(draft, 1)
    client.force_login(analyst)
    page = page_of(client.get(detail_url(draft)))
    assert f'<option value="{signal.pk}">#{signal.pk} Armed men attack' in page
    response = client.post(
        reverse("assessments:evidence-add", args=[judgment.pk]),
        {
            "evidence-1-revision": draft.revision,
            "evidence-1-signal": f"#{signal.pk}",
            "evidence-1-note": "Fighting near Tessit",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#factor-1")
    evidence = judgment.evidence.get()
    assert (evidence.signal_id, evidence.note) == (signal.pk, "Fighting near Tessit")
    draft.refresh_from_db()
    response = client.post(
        reverse("assessments:evidence-remove", args=[evidence.pk]),
        {"remove-revision": draft.revision},
    )
    assert response.status_code == 302
    assert not judgment.evidence.exists()


def test_evidence_that_is_not_a_signal_number_or_not_visible_gets_400(client, analyst, draft):
    judgment = judgment_of(draft, 1)
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:evidence-add", args=[judgment.pk]),
        {"evidence-1-revision": draft.revision, "evidence-1-signal": "Tessit"},
    )
    assert response.status_code == 400
    assert "is not a signal number" in field_error(page_of(response), "id_evidence-1-signal")
    response = client.post(
        reverse("assessments:evidence-add", args=[judgment.pk]),
        {"evidence-1-revision": draft.revision, "evidence-1-signal": "999999"},
    )
    assert response.status_code == 400
    assert field_error(page_of(response), "id_evidence-1-signal") == (
        "No signal #999999 that you may see."
    )


def test_amina_acknowledges_a_flag_with_a_note_and_it_stops_blocking(
    client, analyst, draft, make_signal
):
    judge(draft, analyst, 1, "moderate")
    judgment = judgment_of(draft, 1)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    client.force_login(analyst)
    page = page_of(client.get(detail_url(draft)))
    assert "Factor 1 (moderate): evidence from a single source only." in page
    draft.refresh_from_db()
    empty = client.post(
        reverse("assessments:flags-acknowledge", args=[judgment.pk]),
        {"flags-1-revision": draft.revision, "flags-1-note": "  "},
    )
    assert empty.status_code == 400
    assert field_error(page_of(empty), "id_flags-1-note") == "This field is required."
    response = client.post(
        reverse("assessments:flags-acknowledge", args=[judgment.pk]),
        {"flags-1-revision": draft.revision, "flags-1-note": "The field office saw it."},
    )
    assert response.status_code == 302
    page = page_of(client.get(detail_url(draft)))
    assert "Before this version can be approved" not in page
    assert "The field office saw it." in page
    assert "Acknowledged:</span> Evidence from a single source only" in page


# --- Four eyes --------------------------------------------------------------------------------


def test_amina_submits_and_as_the_author_sees_no_approve_button_and_cannot_approve(
    client, analyst, draft
):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:assessment-submit", args=[draft.pk]),
        {"submit-revision": draft.revision},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.SUBMITTED
    page = page_of(client.get(detail_url(draft)))
    assert "Four eyes: another reviewer must approve" in page
    assert reverse("assessments:assessment-approve", args=[draft.pk]) not in page
    url = reverse("assessments:judgment-update", args=[judgment_of(draft, 1).pk])
    assert f'action="{url}"' not in page
    response = client.post(
        reverse("assessments:assessment-approve", args=[draft.pk]),
        {"approve-revision": draft.revision},
    )
    assert response.status_code == 403
    assert "Your role cannot make this move." in page_of(response)
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.SUBMITTED


def test_bruno_senior_analyst_who_wrote_a_version_sees_four_eyes_not_buttons(
    client, senior_analyst, situation
):
    his = services.assessment_start(situation=situation, actor=senior_analyst)
    submitted(his, senior_analyst)
    client.force_login(senior_analyst)
    page = page_of(client.get(detail_url(his)))
    assert "Four eyes: another reviewer must approve" in page
    assert reverse("assessments:assessment-approve", args=[his.pk]) not in page
    his.refresh_from_db()
    response = client.post(
        reverse("assessments:assessment-approve", args=[his.pk]),
        {"approve-revision": his.revision},
    )
    assert response.status_code == 403
    assert "Four eyes: someone other than the author must review" in page_of(response)
    his.refresh_from_db()
    assert his.status == AssessmentStatus.SUBMITTED


def test_bruno_approves_by_post_and_the_version_no_longer_changes(
    client, analyst, senior_analyst, draft
):
    submitted(draft, analyst)
    draft.refresh_from_db()
    client.force_login(senior_analyst)
    page = page_of(client.get(detail_url(draft)))
    assert reverse("assessments:assessment-approve", args=[draft.pk]) in page
    response = client.post(
        reverse("assessments:assessment-approve", args=[draft.pk]),
        {"approve-revision": draft.revision, "approve-comment": "Sound."},
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft) + "#workflow"
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (AssessmentStatus.APPROVED, senior_analyst)
    page = page_of(client.get(detail_url(draft)))
    assert "Version 1 is approved; it no longer changes." in page
    assert "Submitted for review → Approved" in page
    assert "Sound." in page
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:judgment-update", args=[judgment_of(draft, 7).pk]),
        factor_post(draft, 7, level="high"),
    )
    assert response.status_code == 409
    assert "Version 1 is approved and can no longer be edited." in page_of(response)


def test_approving_with_a_blocker_gets_400_listing_it(client, analyst, senior_analyst, draft):
    judge(draft, analyst, 10, "high")
    submitted(draft, analyst)
    draft.refresh_from_db()
    client.force_login(senior_analyst)
    response = client.post(
        reverse("assessments:assessment-approve", args=[draft.pk]),
        {"approve-revision": draft.revision},
    )
    assert response.status_code == 400
    assert "Factor 10 (high): no evidence. Add evidence or acknowledge the flag." in page_of(
        response
    )
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.SUBMITTED


def test_returning_without_a_comment_gets_400_and_with_one_goes_back_to_amina(
    client, analyst, senior_analyst, draft
):
    submitted(draft, analyst)
    draft.refresh_from_db()
    client.force_login(senior_analyst)
    url = reverse("assessments:assessment-return", args=[draft.pk])
    response = client.post(url, {"return-revision": draft.revision, "return-comment": ""})
    assert response.status_code == 400
    assert field_error(page_of(response), "id_return-comment") == "Say what must change."
    response = client.post(
        url, {"return-revision": draft.revision, "return-comment": "Back factor 11."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.RETURNED
    client.force_login(analyst)
    page = page_of(client.get(detail_url(draft)))
    assert "Back factor 11." in page
    assert reverse("assessments:assessment-submit", args=[draft.pk]) in page


def test_a_stale_approval_gets_409(client, analyst, senior_analyst, draft):
    submitted(draft, analyst)
    client.force_login(senior_analyst)
    response = client.post(
        reverse("assessments:assessment-approve", args=[draft.pk]), {"approve-revision": "1"}
    )
    assert response.status_code == 409
    assert "Reload" in page_of(response)


# --- Versions ---------------------------------------------------------------------------------


def test_the_versions_page_offers_to_continue_the_open_one_then_to_start_the_next(
    client, analyst, senior_analyst, draft, situation
):
    url = reverse("assessments:situation-assessments", args=[situation.pk])
    client.force_login(analyst)
    page = page_of(client.get(url))
    assert "Continue version 1" in page
    assert reverse("assessments:assessment-start", args=[situation.pk]) not in page
    submitted(draft, analyst)
    services.assessment_approve(assessment=draft, actor=senior_analyst)
    page = page_of(client.get(url))
    assert "Start version 2" in page
    assert "Bruno Okafor" in page  # the approver
    response = client.post(reverse("assessments:assessment-start", args=[situation.pk]))
    second = Assessment.objects.get(situation=situation, version=2)
    assert response.status_code == 302
    assert response["Location"] == detail_url(second)
    assert second.based_on == draft
    page = page_of(client.get(url))
    assert "Continue version 2" in page
    assert reverse("assessments:assessment-diff", args=[second.pk]) in page
    again = client.post(reverse("assessments:assessment-start", args=[situation.pk]))
    assert again.status_code == 409
    assert "Version 2 is still draft" in page_of(again)


# --- What changed -----------------------------------------------------------------------------


def test_the_diff_page_shows_levels_indicators_and_evidence_that_changed(
    client, analyst, senior_analyst, draft, situation, make_signal, wire
):
    kept, dropped = make_signal(), make_signal(wire, headline="Convoy ambushed on the N16")
    judge(draft, analyst, 11, "high", indicators=["11.1"])
    eleven = judgment_of(draft, 11)
    for signal in (kept, dropped):
        services.evidence_add(judgment=eleven, actor=analyst, signal_id=signal.pk)
    submitted(draft, analyst)
    services.assessment_approve(assessment=draft, actor=senior_analyst)
    second = services.assessment_start(situation=situation, actor=analyst)
    judge(second, analyst, 11, "moderate", indicators=["11.1", "11.3"])
    services.evidence_remove(
        evidence=judgment_of(second, 11).evidence.get(signal=dropped), actor=analyst
    )
    secret = make_signal(
        actor=senior_analyst,
        headline="Named informant reports a militia list",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    services.evidence_add(
        judgment=judgment_of(second, 12), actor=senior_analyst, signal_id=secret.pk
    )

    client.force_login(analyst)
    response = client.get(reverse("assessments:assessment-diff", args=[second.pk]))
    page = page_of(response)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert response.status_code == 200
    assert "from version 1 to version 2" in text
    assert "Crimes against humanity High → Moderate" in text
    assert "Overall High → Moderate" in text
    assert "Level High → becomes Moderate" in text
    assert "Indicators added 11.3 Violent acts against civilians" in text
    assert f"#{dropped.pk} Convoy ambushed on the N16" in text
    assert "Evidence removed" in text
    assert "a signal you are not cleared to see" in text
    assert "Named informant" not in page
    assert "Unchanged: factors 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13 and 14." in text

    explicit = client.get(
        reverse("assessments:assessment-diff", args=[second.pk]), {"from": draft.pk}
    )
    assert explicit.status_code == 200


def test_the_diff_refuses_a_version_of_another_situation_or_an_invisible_one(
    client, analyst, draft
):
    elsewhere = cases_services.situation_create(
        created_by=analyst, title="Kivu", countries=["COD"], classification=1
    )
    other = services.assessment_start(situation=elsewhere, actor=analyst)
    client.force_login(analyst)
    url = reverse("assessments:assessment-diff", args=[draft.pk])
    assert client.get(url, {"from": other.pk}).status_code == 404
    assert client.get(url, {"from": "abc"}).status_code == 404
    assert client.get(url, {"from": 999999}).status_code == 404
    assert client.get(url).status_code == 200  # the first version: nothing to compare


# --- Speed ------------------------------------------------------------------------------------


def _queries_for_page(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_assessment_page_queries_do_not_grow_with_evidence_indicators_or_factors_filled(
    client, analyst, senior_analyst, draft, make_signal, wire, rumour_mill
):
    judge(draft, analyst, 1, "moderate", indicators=["1.1"])
    services.evidence_add(judgment=judgment_of(draft, 1), actor=analyst, signal_id=make_signal().pk)
    client.force_login(analyst)
    url = detail_url(draft)
    client.get(url)  # warm caches (content types, permissions)
    small = _queries_for_page(client, url)

    for number in range(2, 15):
        judge(
            draft,
            analyst,
            number,
            "high",
            indicators=[f"{number}.1", f"{number}.2", f"{number}.3"],
            narrative=f"Factor {number} is worsening.",
        )
        judgment = judgment_of(draft, number)
        for source in (None, wire, rumour_mill):
            signal = make_signal(source, headline=f"Report for factor {number}")
            services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
    services.challenge_raise(
        actor=senior_analyst, reasoning="Overstated", judgment=judgment_of(draft, 9)
    )
    large = _queries_for_page(client, url)
    assert large == small, f"{small} queries with one factor, {large} with fourteen"
