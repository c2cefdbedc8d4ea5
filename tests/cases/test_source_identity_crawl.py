"""A source's identity appears only where it is permitted: checked by visiting everything.

An unmistakable name is planted in a source's identity; then every GET page and API endpoint of
the application is visited as every role, with every object id that fits the route, and the
name (and the other identity fields) must appear only for the source's handler and the
source-protection officer. The audit trail and the logs are searched too.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cases import services
from cases.models import Category, ImportJob, ImportRowError, Origin
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "Zephyrine Obuya-Castellano"
ORGANISATION = "Quillmarsh Listening Collective"
CONTACT = "zephyrine.quillmarsh@example.org"
SECRETS = (NAME, ORGANISATION, CONTACT, "Obuya-Castellano", "Quillmarsh")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _paths(ids: dict[str, list[int]], usernames: list[str]) -> list[str]:
    """Concrete GET paths for every route, each parameter filled with fitting ids."""
    paths: set[str] = set()
    for route, entry in _patterns(get_resolver()):
        # /readyz answers 503 without a worker, and says nothing of sources anyway.
        if route.startswith(("admin/", "static/", "readyz")) or "<path:" in route:
            continue
        params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        name = (entry.name or "").lower() + " " + route.lower()
        if not params:
            paths.add("/" + route.lstrip("^").rstrip("$"))
            continue
        kind = next((k for k in ("signal", "situation", "source", "import") if k in name), None)
        candidates = ids.get(kind) if kind else sorted({i for v in ids.values() for i in v})
        for value in candidates or []:
            path = route
            for converter, param in params:
                fill = usernames[0] if param == "username" else str(value)
                path = re.sub(rf"<(?:{converter}:)?{param}>", fill, path, count=1)
            paths.add("/" + path)
    return sorted(paths)


@pytest.fixture
def world(analyst, senior_analyst, password):
    """A source with an unmistakable identity, and everything that can show it."""
    protect = Permission.objects.get(content_type__app_label="cases", codename="protect_sources")
    senior_analyst.user_permissions.add(protect)
    source = services.source_create(
        created_by=analyst,
        source_type="civil_society",
        reliability="C",
        classification=Classification.CONFIDENTIAL,
        name=NAME,
        organisation=ORGANISATION,
        contact=CONTACT,
        handling_notes=f"Meet {NAME} only in person.",
    )
    situation = services.situation_create(
        created_by=analyst,
        title="Crawl situation",
        countries=["SDN"],
        classification=Classification.CONFIDENTIAL,
    )
    signals = []
    for n, level in enumerate(
        [Classification.PUBLIC, Classification.CONFIDENTIAL, Classification.CONFIDENTIAL]
    ):
        signal = services.signal_create(
            actor=analyst,
            origin=Origin.FORM,
            data={
                "headline": f"Crawl signal {n}: houses burned near the river",
                "occurred_on": date.today() - timedelta(days=n),
                "country": "SDN",
                "category": Category.VIOLENCE_AGAINST_CIVILIANS,
                "source": source,
                "credibility": 2,
                "classification": level,
            },
        )
        signals.append(signal)
    services.signal_link(signal=signals[1], situation=situation, actor=analyst)
    services.source_reliability_change(
        source=source, reliability="B", reason="Two reports confirmed", changed_by=analyst
    )
    job = ImportJob.objects.create(
        format="acled",
        source=source,
        file="imports/crawl.csv",
        original_filename="crawl.csv",
        file_sha256="0" * 64,
        created_by=analyst,
        status=ImportJob.Status.DONE,
    )
    ImportRowError.objects.create(
        job=job, row=3, field="latitude", problem="91 is outside -90 to 90"
    )
    other_analyst = UserFactory(
        username="nadia", role="analyst", clearance=Classification.STRICTLY_CONFIDENTIAL
    )
    return {
        "source": source,
        "ids": {
            "signal": [s.pk for s in signals],
            "situation": [situation.pk],
            "source": [source.pk],
            "import": [job.pk],
        },
        "other_analyst": other_analyst,
    }


def _crawl(client: Client, paths: list[str]) -> dict[str, str]:
    bodies = {}
    for path in paths:
        response = client.get(path)
        if response.streaming:
            body = b"".join(response.streaming_content).decode("utf-8", "replace")
        else:
            body = response.content.decode("utf-8", "replace")
        bodies[path] = body
        assert response.status_code < 500, f"{path} -> {response.status_code}"
    return bodies


def _leaks(bodies: dict[str, str]) -> list[str]:
    return [
        f"{path}: {secret}" for path, body in bodies.items() for secret in SECRETS if secret in body
    ]


def test_the_identity_shows_only_to_its_handler_and_the_protection_officer(
    world, request, analyst, senior_analyst, caplog
):
    caplog.set_level(logging.DEBUG)
    paths = _paths(world["ids"], ["amina"])
    assert len(paths) > 10  # the crawl really visits the application
    people = [
        "special_adviser",
        "sg_office",
        "liaison",
        "partner",
        "auditor",
        "administrator",
        "outsider",
    ]
    for person in [*people, "other_analyst"]:
        user = (
            world["other_analyst"] if person == "other_analyst" else request.getfixturevalue(person)
        )
        client = Client()
        client.force_login(user)
        leaks = _leaks(_crawl(client, paths))
        assert leaks == [], f"{person} saw the identity: {leaks[:5]}"
    anonymous = _leaks(_crawl(Client(), paths))
    assert anonymous == []

    for permitted in (analyst, senior_analyst):
        client = Client()
        client.force_login(permitted)
        bodies = _crawl(client, paths)
        assert any(NAME in body for body in bodies.values()), permitted.username

    summaries = " ".join(str(e.summary) for e in AuditEvent.objects.all())
    assert not any(secret in summaries for secret in SECRETS)
    assert not any(secret in caplog.text for secret in SECRETS)
    # The handler's reads of the identity were themselves recorded.
    assert AuditEvent.objects.filter(action="source.identity_read", actor=analyst).exists()
