"""Demo sources, situations and signals for `make run`'s first start, through the real services.

Everything here is invented for training and demonstration: the places are real countries so the
maps and filters make sense, the events and people are not. Each description says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases import services
from cases.models import Category, Classification, Origin, Situation, Source
from r2p.models import User

DEMO_NOTE = "Demo record written for training; it does not describe a real event."

SOURCES = [
    # key, type, reliability, classification, name, organisation
    (
        "field",
        "un_field_presence",
        "B",
        Classification.CONFIDENTIAL,
        "Demo field officer Lena Varga",
        "UN field office (demo)",
    ),
    (
        "hrm",
        "human_rights_mechanism",
        "A",
        Classification.CONFIDENTIAL,
        "Demo rapporteur's team",
        "Human-rights mechanism (demo)",
    ),
    (
        "csos",
        "civil_society",
        "C",
        Classification.STRICTLY_CONFIDENTIAL,
        "Demo community monitor Ibrahim Sow",
        "Community network (demo)",
    ),
    ("media", "media", "C", Classification.PUBLIC, "Demo wire service", "Press agency (demo)"),
    (
        "social",
        "social_media",
        "E",
        Classification.PUBLIC,
        "Demo social-media monitoring",
        "Open sources (demo)",
    ),
    (
        "acled",
        "event_dataset",
        "B",
        Classification.PUBLIC,
        "ACLED (Armed Conflict Location & Event Data)",
        "ACLED",
    ),
    (
        "relay",
        "partner_system",
        "B",
        Classification.PUBLIC,
        "Regional Early Warning Centre monitors",
        "Regional Early Warning Centre (demo)",
    ),
]

SITUATIONS = [
    (
        "sahel",
        "Central Sahel tri-border area",
        ["MLI", "BFA", "NER"],
        ["Ménaka", "Sahel region", "Tillabéri"],
        Classification.CONFIDENTIAL,
    ),
    (
        "lakes",
        "Eastern provinces, Great Lakes",
        ["COD"],
        ["North Kivu", "Ituri"],
        Classification.CONFIDENTIAL,
    ),
    (
        "coast",
        "Northern coastal townships",
        ["MMR"],
        ["Rakhine"],
        Classification.STRICTLY_CONFIDENTIAL,
    ),
]

# situation key or None (the shared inbox), source key, days ago, category, headline, place,
# country, admin1, lat, lon, fatalities, credibility, classification
SIGNALS = [
    (
        "sahel",
        "field",
        3,
        Category.VIOLENCE_AGAINST_CIVILIANS,
        "Armed men on motorbikes attack a weekly market, killing traders",
        "Tessit",
        "MLI",
        "Gao",
        15.2,
        0.98,
        12,
        2,
        Classification.CONFIDENTIAL,
    ),
    (
        None,
        "media",
        3,
        Category.VIOLENCE_AGAINST_CIVILIANS,
        "Gunmen on motorbikes attack weekly market near Tessit, traders killed",
        "Tessit",
        "MLI",
        "Gao",
        15.21,
        0.97,
        9,
        3,
        Classification.PUBLIC,
    ),
    (
        None,
        "social",
        2,
        Category.INCITEMENT,
        "Videos circulating call for 'cleansing' of herder communities",
        "",
        "BFA",
        "Sahel",
        None,
        None,
        None,
        4,
        Classification.PUBLIC,
    ),
    (
        "sahel",
        "hrm",
        10,
        Category.DETENTION_DISAPPEARANCE,
        "Dozens of men detained at checkpoint, families without news",
        "Djibo",
        "BFA",
        "Sahel",
        14.1,
        -1.63,
        None,
        2,
        Classification.CONFIDENTIAL,
    ),
    (
        None,
        "csos",
        1,
        Category.ARMED_MOBILISATION,
        "Self-defence militia recruiting openly in three villages",
        "",
        "BFA",
        "Nord",
        None,
        None,
        None,
        3,
        Classification.STRICTLY_CONFIDENTIAL,
    ),
    (
        "lakes",
        "field",
        5,
        Category.FORCED_DISPLACEMENT,
        "Thousands flee villages after night raids on displacement sites",
        "Djugu",
        "COD",
        "Ituri",
        1.92,
        30.5,
        4,
        2,
        Classification.CONFIDENTIAL,
    ),
    (
        None,
        "media",
        4,
        Category.ATTACK_ON_HUMANITARIANS,
        "Aid convoy ambushed on the road north of Bunia",
        "Bunia",
        "COD",
        "Ituri",
        1.57,
        30.25,
        2,
        2,
        Classification.PUBLIC,
    ),
    (
        "lakes",
        "hrm",
        20,
        Category.SEXUAL_VIOLENCE,
        "Pattern of sexual violence reported during village raids",
        "",
        "COD",
        "North Kivu",
        None,
        None,
        None,
        2,
        Classification.CONFIDENTIAL,
    ),
    (
        None,
        "social",
        0,
        Category.INCITEMENT,
        "Local radio host broadcasts calls to expel 'foreigners' from the province",
        "Goma",
        "COD",
        "North Kivu",
        -1.68,
        29.22,
        None,
        4,
        Classification.PUBLIC,
    ),
    (
        "coast",
        "csos",
        7,
        Category.CIVIC_SPACE,
        "Internet shutdown extended across the townships for a further month",
        "",
        "MMR",
        "Rakhine",
        None,
        None,
        None,
        1,
        Classification.CONFIDENTIAL,
    ),
    (
        None,
        "field",
        2,
        Category.ELECTION_VIOLENCE,
        "Opposition candidates' offices set on fire before the vote",
        "",
        "MMR",
        "Rakhine",
        None,
        None,
        0,
        3,
        Classification.CONFIDENTIAL,
    ),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


@transaction.atomic
def demo_intake_load(*, shared_data: Path | None = None) -> dict[str, int]:
    """Load the demo intake once; return what was created. Does nothing if sources exist."""
    if Source.objects.exists():
        return {}
    amina, bruno = _user("amina"), _user("bruno")
    if amina is None or bruno is None:
        return {}
    sources = {
        key: services.source_create(
            created_by=bruno if level == Classification.STRICTLY_CONFIDENTIAL else amina,
            source_type=kind,
            reliability=grade,
            classification=level,
            name=name,
            organisation=org,
            handling_notes=DEMO_NOTE,
        )
        for key, kind, grade, level, name, org in SOURCES
    }
    situations: dict[str, Situation] = {}
    for key, title, countries, areas, level in SITUATIONS:
        lead = bruno if level == Classification.STRICTLY_CONFIDENTIAL else amina
        situations[key] = services.situation_create(
            created_by=lead,
            title=title,
            countries=countries,
            subnational_areas=areas,
            summary=f"{DEMO_NOTE} Monitored for patterns of violence against civilians.",
            classification=level,
            lead_analyst=lead,
        )
    services.situation_member_add(situation=situations["lakes"], user=bruno, actor=amina)
    # Bruno is the demo's source-protection officer; the partner system reports as "relay".
    bruno.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="protect_sources")
    )
    relay = _user("relay")
    if relay is not None:
        services.source_use_grant(source=sources["relay"], partner=relay, granted_by=amina)
    now = timezone.now()
    count = 0
    for (
        situation,
        source,
        days,
        category,
        headline,
        place,
        country,
        admin1,
        lat,
        lon,
        deaths,
        credibility,
        level,
    ) in SIGNALS:
        actor = bruno if level == Classification.STRICTLY_CONFIDENTIAL else amina
        signal = services.signal_create(
            actor=actor,
            origin=Origin.DEMO,
            data={
                "headline": headline,
                "description": DEMO_NOTE,
                "occurred_on": date.today() - timedelta(days=days),
                "reported_at": now - timedelta(days=max(days - 1, 0), hours=3),
                "country": country,
                "admin1": admin1,
                "place_name": place,
                "latitude": lat,
                "longitude": lon,
                "category": category,
                "fatalities_best": deaths,
                "source": sources[source],
                "credibility": credibility,
                "classification": level,
                "external_id": f"demo-{count + 1}",
            },
        )
        if level == Classification.STRICTLY_CONFIDENTIAL:
            assign_perm("cases.view_signal", bruno, signal)
        if situation:
            services.signal_link(signal=signal, situation=situations[situation], actor=actor)
        count += 1
    result = {"sources": len(sources), "situations": len(situations), "signals": count}
    acled_file = shared_data / "acled_2020_global_sample_RPanlilio.csv" if shared_data else None
    if acled_file and acled_file.exists():
        from cases.importers import import_job_create

        job = import_job_create(
            actor=amina,
            file=acled_file,
            format="acled",
            source=sources["acled"],
            classification=Classification.PUBLIC,
        )
        result["acled_import_job"] = job.pk
    return result
