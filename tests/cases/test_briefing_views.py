"""Briefing pages: the team and the desk read it, the SG Office releases a version, and a
liaison reads only what was released to their member state, each reading recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import ReleasableBriefing
from r2p.models import AuditEvent
from tests.cases.test_briefings import (  # noqa: F401 - fixtures
    ABOVE_PUBLIC,
    IDENTITIES,
    assessment,
    at_desk,
    endorsed,
    escalation,
    frozen,
    move,
    signals,
    situation,
    sources,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


def test_the_team_reads_the_working_briefing_while_in_review(client, escalation, analyst):  # noqa: F811
    moved = move(escalation, analyst, "submit")
    page = get(client, analyst, "cases:briefing", moved.pk)
    assert page.status_code == 200
    text = page.content.decode()
    assert moved.reference in text and "Working copy" in text
    assert not any(name in text for name in IDENTITIES)


def test_the_desk_reads_the_frozen_briefing_and_downloads_its_pdf(client, at_desk, sg_office):  # noqa: F811
    page = get(client, sg_office, "cases:briefing", at_desk.pk)
    assert page.status_code == 200 and "Frozen at endorsement" in page.content.decode()
    pdf = get(client, sg_office, "cases:briefing-pdf", at_desk.pk)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # strictly confidential briefings leave a trace of every read
    assert AuditEvent.objects.filter(action="briefing.read", actor=sg_office).count() == 2


def test_outsiders_and_liaisons_get_no_briefing(client, at_desk, outsider, liaison):  # noqa: F811
    for person in (outsider, liaison):
        assert get(client, person, "cases:briefing", at_desk.pk).status_code == 404
        assert get(client, person, "cases:briefing-pdf", at_desk.pk).status_code == 404


def test_the_sg_office_releases_a_public_version_that_elena_reads_and_nobody_else(
    client,
    at_desk,  # noqa: F811
    sg_office,
    liaison,
    analyst,
):
    client.force_login(sg_office)
    response = client.post(
        reverse("cases:briefing-release", args=[at_desk.pk]),
        {"level": "PUBLIC", "shared_with": "NOR"},
    )
    release = ReleasableBriefing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:release-detail", args=[release.pk])

    listing = get(client, liaison, "cases:release-list").content.decode()
    assert at_desk.reference in listing
    page = get(client, liaison, "cases:release-detail", release.pk)
    assert page.status_code == 200
    text = page.content.decode()
    assert "withheld" in text and not any(mark in text for mark in ABOVE_PUBLIC)
    pdf = get(client, liaison, "cases:release-pdf", release.pk)
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="briefing.release_read", actor=liaison).count() == 2

    brazil = UserFactory(username="bea", role="liaison", member_state="BRA")
    assert get(client, brazil, "cases:release-detail", release.pk).status_code == 404
    assert at_desk.reference not in get(client, brazil, "cases:release-list").content.decode()
    assert get(client, analyst, "cases:release-detail", release.pk).status_code == 404


def test_only_the_sg_office_may_release(client, at_desk, special_adviser):  # noqa: F811
    client.force_login(special_adviser)
    client.post(
        reverse("cases:briefing-release", args=[at_desk.pk]),
        {"level": "PUBLIC", "shared_with": "NOR"},
    )
    assert not ReleasableBriefing.objects.exists()


def test_amina_cleared_below_the_briefing_reads_it_without_what_is_above_her(
    client,
    at_desk,  # noqa: F811
    analyst,
    tmp_path,
):
    from tests.cases.test_briefings import STRICT_MARK, pdf_pages

    assert at_desk.briefings.get(superseded_at__isnull=True, status="frozen").classification == 2
    page = get(client, analyst, "cases:briefing", at_desk.pk).content.decode()
    assert STRICT_MARK not in page
    assert "Your clearance does not cover all of this briefing" in page
    pdf = get(client, analyst, "cases:briefing-pdf", at_desk.pk).content
    text = "\n".join(pdf_pages(pdf, tmp_path))
    assert STRICT_MARK not in text and "STRICTLY CONFIDENTIAL" not in text
