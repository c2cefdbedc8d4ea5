"""Fill the database with realistic synthetic intake data, fast, for benchmarks and load tests.

    python manage.py seed_synthetic --signals 1000000 [--situations 40] [--sources 60] [--seed 1]

Sources (with identities), situations (with the existing analysts on their teams) and signals
with plausible distributions, written with PostgreSQL COPY in chunks of 50,000 rows. Everything
is written in one transaction with one audit row, so an interrupted run leaves nothing behind.

Reruns are idempotent per seed: row i of seed S always has origin "synthetic" and external id
`syn-S-i`, sources and situations have pseudonyms and references derived from (S, k), and rows
already present are skipped. Running again with the same seed and a larger --signals adds only
the missing rows; a different --seed adds an independent set.
"""

from __future__ import annotations

import io
import queue
import random
import threading
import time
from argparse import ArgumentTypeError
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases.models import (
    Category,
    GroupKind,
    MonitoringStatus,
    Origin,
    Reliability,
    Signal,
    SignalSituationLink,
    SignalStatus,
    Situation,
    SituationMember,
    SituationUserObjectPermission,
    Source,
    SourceIdentity,
    SourceReliabilityChange,
    SourceType,
    SourceUserObjectPermission,
)
from r2p.countries import country_name, country_region
from r2p.models import Classification, User
from r2p.roles import ROLES_BY_SLUG
from r2p.services import audit_record

CHUNK = 50_000
# psycopg2 reads the COPY payload in blocks and takes the GIL back for each one; with the row
# generator busy in its thread, 8 KB blocks (the default) spend more time waiting for the GIL
# than sending.
COPY_BLOCK = 1 << 20
SPAN_DAYS = 730  # about two years of history, ending today
MAX_SEED = 99_999
MAX_SOURCES = MAX_SITUATIONS = 99_999

# --- Distributions ----------------------------------------------------------------------------
# (ISO3, weight, (lat min, lat max, lon min, lon max), usual language, admin1 areas, places).
# A few countries carry most of the traffic, as in any real early-warning inbox.
# fmt: off
COUNTRIES: tuple[tuple[str, int, tuple[float, float, float, float], str, tuple, tuple], ...] = (
    ("SDN", 180, (9.5, 21.5, 22.5, 36.5), "ar",
     ("North Darfur", "South Darfur", "West Darfur", "Khartoum", "South Kordofan", "Blue Nile"),
     ("El Fasher", "Nyala", "Geneina", "Omdurman", "Kadugli", "Ed Damazin", "Tawila")),
    ("COD", 120, (-5.0, 3.5, 26.0, 30.5), "fr",
     ("North Kivu", "South Kivu", "Ituri", "Tanganyika"),
     ("Goma", "Beni", "Bunia", "Bukavu", "Rutshuru", "Kalemie", "Djugu")),
    ("MMR", 100, (16.0, 26.5, 92.5, 98.5), "en",
     ("Rakhine", "Kachin", "Shan", "Sagaing", "Chin"),
     ("Sittwe", "Maungdaw", "Myitkyina", "Lashio", "Monywa", "Hakha")),
    ("SSD", 70, (4.0, 10.0, 25.0, 34.0), "en",
     ("Jonglei", "Unity", "Upper Nile", "Central Equatoria"),
     ("Bor", "Bentiu", "Malakal", "Yei", "Pibor")),
    ("SYR", 60, (32.5, 37.0, 36.0, 42.0), "ar",
     ("Aleppo", "Idlib", "Deir ez-Zor", "Homs", "Daraa"),
     ("Aleppo", "Idlib", "Deir ez-Zor", "Homs", "Daraa", "Raqqa")),
    ("ETH", 55, (4.0, 14.5, 34.0, 44.0), "en",
     ("Tigray", "Amhara", "Oromia", "Afar"),
     ("Mekelle", "Gondar", "Bahir Dar", "Nekemte", "Shire")),
    ("YEM", 45, (12.8, 17.5, 43.0, 50.0), "ar",
     ("Taizz", "Al Hudaydah", "Marib", "Sanaa"),
     ("Taizz", "Hodeidah", "Marib", "Sanaa", "Aden")),
    ("BFA", 40, (10.0, 14.8, -5.0, 2.0), "fr",
     ("Sahel", "Centre-Nord", "Est", "Boucle du Mouhoun"),
     ("Djibo", "Kaya", "Fada N'Gourma", "Dedougou", "Dori")),
    ("MLI", 35, (11.0, 20.0, -11.0, 3.5), "fr",
     ("Mopti", "Gao", "Tombouctou", "Segou"),
     ("Mopti", "Gao", "Timbuktu", "Segou", "Bandiagara")),
    ("NGA", 35, (6.0, 13.5, 4.0, 14.0), "en",
     ("Borno", "Zamfara", "Plateau", "Benue", "Kaduna"),
     ("Maiduguri", "Gusau", "Jos", "Makurdi", "Kaduna")),
    ("AFG", 30, (30.0, 37.5, 61.5, 71.0), "en",
     ("Kabul", "Kandahar", "Nangarhar", "Herat"),
     ("Kabul", "Kandahar", "Jalalabad", "Herat", "Kunduz")),
    ("SOM", 25, (-1.0, 11.0, 42.0, 50.0), "en",
     ("Banadir", "Lower Shabelle", "Bay", "Gedo"),
     ("Mogadishu", "Baidoa", "Afgooye", "Beledweyne")),
    ("CAF", 22, (3.0, 10.0, 15.0, 26.0), "fr",
     ("Ouaka", "Haute-Kotto", "Bangui", "Nana-Grebizi"),
     ("Bambari", "Bria", "Bangui", "Kaga-Bandoro")),
    ("UKR", 20, (46.0, 51.0, 30.0, 39.5), "en",
     ("Donetsk", "Kharkiv", "Kherson", "Zaporizhzhia"),
     ("Kramatorsk", "Kharkiv", "Kherson", "Zaporizhzhia")),
    ("HTI", 18, (18.2, 19.9, -74.3, -71.8), "fr",
     ("Ouest", "Artibonite", "Centre"),
     ("Port-au-Prince", "Gonaives", "Saint-Marc", "Cite Soleil")),
    ("NER", 15, (12.0, 19.0, 1.0, 13.0), "fr",
     ("Tillaberi", "Diffa", "Tahoua"),
     ("Tillaberi", "Diffa", "Tahoua", "Ayorou")),
    ("CMR", 14, (3.5, 12.5, 9.0, 15.5), "fr",
     ("Far North", "North-West", "South-West"),
     ("Maroua", "Bamenda", "Buea", "Kolofata")),
    ("MOZ", 12, (-14.5, -10.5, 37.0, 40.5), "en",
     ("Cabo Delgado", "Niassa", "Nampula"),
     ("Pemba", "Mocimboa da Praia", "Palma", "Macomia")),
    ("IRQ", 10, (30.0, 37.0, 39.5, 47.5), "ar",
     ("Ninewa", "Anbar", "Kirkuk", "Baghdad"),
     ("Mosul", "Sinjar", "Ramadi", "Kirkuk")),
    ("PSE", 10, (31.25, 32.5, 34.25, 35.5), "ar",
     ("Gaza Strip", "West Bank"),
     ("Gaza City", "Khan Younis", "Rafah", "Jenin", "Nablus")),
    ("COL", 9, (1.0, 8.5, -77.5, -72.5), "es",
     ("Cauca", "Antioquia", "Norte de Santander", "Narino"),
     ("Popayan", "Medellin", "Cucuta", "Tumaco")),
    ("PAK", 8, (25.0, 35.5, 62.0, 74.0), "en",
     ("Khyber Pakhtunkhwa", "Balochistan", "Sindh"),
     ("Peshawar", "Quetta", "Karachi", "Bannu")),
    ("LBY", 6, (25.0, 32.8, 10.5, 24.5), "ar",
     ("Tripoli", "Benghazi", "Murzuq"),
     ("Tripoli", "Benghazi", "Sabha", "Murzuq")),
    ("TCD", 6, (8.0, 16.0, 14.0, 23.0), "fr",
     ("Ouaddai", "Lac", "Logone Oriental"),
     ("Abeche", "Adre", "Bol", "Goré")),
    ("MEX", 5, (16.5, 29.0, -110.0, -92.0), "es",
     ("Guerrero", "Michoacan", "Chihuahua"),
     ("Chilpancingo", "Apatzingan", "Ciudad Juarez")),
    ("BDI", 4, (-4.4, -2.4, 29.1, 30.8), "fr",
     ("Bujumbura Mairie", "Cibitoke", "Ngozi"),
     ("Bujumbura", "Cibitoke", "Ngozi")),
    ("IND", 4, (23.0, 34.5, 74.0, 95.0), "en",
     ("Manipur", "Jammu and Kashmir", "Chhattisgarh"),
     ("Imphal", "Srinagar", "Raipur", "Churachandpur")),
    ("BGD", 3, (20.8, 24.5, 88.5, 92.5), "en",
     ("Chittagong", "Dhaka"),
     ("Cox's Bazar", "Ukhia", "Teknaf", "Dhaka")),
    ("VEN", 3, (4.0, 11.0, -72.0, -61.0), "es",
     ("Zulia", "Bolivar", "Capital District"),
     ("Maracaibo", "Ciudad Bolivar", "Caracas")),
    ("NIC", 2, (11.0, 14.5, -87.0, -83.5), "es",
     ("Managua", "Masaya", "Leon"),
     ("Managua", "Masaya", "Leon")),
)
# fmt: on

CATEGORIES = (
    (Category.VIOLENCE_AGAINST_CIVILIANS, 25),
    (Category.ARMED_CLASH, 22),
    (Category.FORCED_DISPLACEMENT, 10),
    (Category.DETENTION_DISAPPEARANCE, 8),
    (Category.INCITEMENT, 8),
    (Category.CIVIC_SPACE, 7),
    (Category.ARMED_MOBILISATION, 6),
    (Category.ATTACK_ON_HUMANITARIANS, 4),
    (Category.SEXUAL_VIOLENCE, 4),
    (Category.ELECTION_VIOLENCE, 3),
    (Category.OTHER, 3),
)
VIOLENT = {
    Category.VIOLENCE_AGAINST_CIVILIANS,
    Category.ARMED_CLASH,
    Category.ATTACK_ON_HUMANITARIANS,
    Category.ELECTION_VIOLENCE,
    Category.SEXUAL_VIOLENCE,
}
# Mostly new or triaged; the inbox of a busy office.
STATUSES = (
    (SignalStatus.NEW, 45),
    (SignalStatus.TRIAGED, 40),
    (SignalStatus.DISMISSED, 10),
    (SignalStatus.DUPLICATE, 5),
)
CLASSIFICATIONS = (
    (Classification.PUBLIC, 55),
    (Classification.CONFIDENTIAL, 40),
    (Classification.STRICTLY_CONFIDENTIAL, 5),
)
CREDIBILITIES = ((1, 8), (2, 30), (3, 32), (4, 12), (5, 3), (6, 15))
PRECISIONS = (("day", 85), ("week", 8), ("month", 5), ("year", 2))
SOURCE_TYPES = (
    (SourceType.UN_FIELD_PRESENCE, 16),
    (SourceType.CIVIL_SOCIETY, 18),
    (SourceType.MEDIA, 18),
    (SourceType.HUMAN_RIGHTS_MECHANISM, 8),
    (SourceType.UN_AGENCY, 10),
    (SourceType.REGIONAL_ORGANISATION, 6),
    (SourceType.GOVERNMENT, 5),
    (SourceType.ACADEMIC, 4),
    (SourceType.SOCIAL_MEDIA, 8),
    (SourceType.PARTNER_SYSTEM, 4),
    (SourceType.EVENT_DATASET, 3),
)
RELIABILITIES = (
    (Reliability.A, 5),
    (Reliability.B, 35),
    (Reliability.C, 35),
    (Reliability.D, 10),
    (Reliability.E, 3),
    (Reliability.F, 12),
)

ACTORS = (
    "Armed militia",
    "Government forces",
    "Rebel fighters",
    "Unidentified gunmen",
    "A local self-defence group",
    "Police units",
    "Paramilitary forces",
    "Armed herders",
    "Insurgent fighters",
    "Security forces",
    "A youth militia",
    "Rapid support units",
    "Border guards",
    "An armed faction",
)
# (group, kind of group)
TARGETS = (
    ("displaced families", GroupKind.OTHER),
    ("ethnic minority villagers", GroupKind.ETHNIC),
    ("members of a minority clan", GroupKind.ETHNIC),
    ("religious leaders", GroupKind.RELIGIOUS),
    ("Christian worshippers", GroupKind.RELIGIOUS),
    ("Muslim traders", GroupKind.RELIGIOUS),
    ("opposition supporters", GroupKind.POLITICAL),
    ("student protesters", GroupKind.POLITICAL),
    ("journalists", GroupKind.OTHER),
    ("farming communities", GroupKind.OTHER),
    ("women and girls", GroupKind.OTHER),
    ("refugees from a neighbouring country", GroupKind.NATIONAL),
    ("migrant workers", GroupKind.NATIONAL),
    ("pastoralist communities", GroupKind.ETHNIC),
)
HEADLINES: dict[str, tuple[str, ...]] = {
    Category.VIOLENCE_AGAINST_CIVILIANS: (
        "{actor} attack {target} in {place}",
        "{actor} raid village near {place}, killing civilians",
        "Massacre of {target} reported in {admin1}",
        "Civilians shot at checkpoint outside {place}",
        "Market in {place} shelled; {target} among the dead",
    ),
    Category.ARMED_CLASH: (
        "Heavy fighting between {actor_l} and rival forces near {place}",
        "Clashes around {place} as {actor_l} advance in {admin1}",
        "Artillery exchange on the outskirts of {place}",
        "{actor} ambush convoy on the road to {place}",
    ),
    Category.FORCED_DISPLACEMENT: (
        "Thousands flee {place} after threats against {target}",
        "{target_c} expelled from {admin1} villages",
        "Camp near {place} swells as families flee fighting",
        "Homes of {target} burned; residents forced out of {place}",
    ),
    Category.DETENTION_DISAPPEARANCE: (
        "{actor} detain dozens of {target} in {place}",
        "Activists disappeared after arrest in {place}",
        "Mass arrests of {target} reported in {admin1}",
        "Families report relatives missing after raids in {place}",
    ),
    Category.INCITEMENT: (
        "Radio broadcasts in {admin1} call for violence against {target}",
        "Hate speech targeting {target} spreads on social media",
        "Leaflets in {place} describe {target} as enemies",
        "Local leader urges followers to 'cleanse' {place}",
    ),
    Category.CIVIC_SPACE: (
        "Newspaper closed and editor arrested in {place}",
        "Internet shutdown imposed across {admin1}",
        "Protest in {place} dispersed with tear gas",
        "NGOs ordered to suspend work in {admin1}",
    ),
    Category.ARMED_MOBILISATION: (
        "{actor} recruit fighters in {admin1}",
        "Weapons distributed to militias near {place}",
        "Troop build-up reported along the road to {place}",
        "Training camps for armed youth observed in {admin1}",
    ),
    Category.ATTACK_ON_HUMANITARIANS: (
        "Aid convoy looted near {place}",
        "UN compound in {place} hit by gunfire",
        "Health workers abducted in {admin1}",
        "Humanitarian warehouse in {place} set on fire",
    ),
    Category.SEXUAL_VIOLENCE: (
        "Sexual violence against {target} reported in {admin1}",
        "Survivors describe systematic rape near {place}",
        "Clinic in {place} treats survivors of sexual violence",
    ),
    Category.ELECTION_VIOLENCE: (
        "Polling station attacked in {place}",
        "Candidate's supporters clash with police in {place}",
        "Post-election violence erupts in {admin1}",
    ),
    Category.OTHER: (
        "Tensions rise in {place} over land dispute",
        "Curfew declared in {admin1} after unrest",
        "Food prices spike in {place} amid blockade",
    ),
}
SENTENCES_OPENING = (
    "Witnesses said {actor_l} arrived at dawn and surrounded the {settlement}.",
    "According to local monitors, the incident began after a dispute at a water point.",
    "Residents described gunfire lasting several hours around the {settlement}.",
    "A community leader reached by telephone confirmed the account.",
    "The report was received from a field team working in {admin1}.",
    "Satellite imagery reviewed by analysts shows burned structures near {place}.",
)
SENTENCES_DETAIL = (
    "Houses, grain stores and a school were burned.",
    "Several people are reported missing, including children.",
    "Survivors fled towards {place} on foot.",
    "Humanitarian access to the area has been restricted for weeks.",
    "The victims were reportedly singled out because they belonged to {target}.",
    "Armed men were seen going house to house with lists of names.",
    "The local hospital reported being overwhelmed with wounded.",
    "Mobile networks were cut shortly before the attack.",
    "Leaders of {target} say threats had been made for months.",
    "Fighters reportedly used a checkpoint to screen travellers by ethnicity.",
    "Displaced people are sheltering in a church and a mosque.",
)
SENTENCES_CLOSING = (
    "The figures could not be independently verified.",
    "Further reports are expected from the field team.",
    "The information is consistent with earlier reports from the same area.",
    "Authorities have not commented.",
    "Observers fear further reprisals in the coming days.",
)
SETTLEMENTS = ("village", "market", "camp", "town", "settlement", "neighbourhood")
OUTLETS = (
    "Field monitor network",
    "UN field office situation report",
    "Local radio",
    "Human rights monitor",
    "Community leader (telephone)",
    "Regional newspaper",
    "Humanitarian flash update",
    "Social media post (verified)",
)
DISMISSAL_REASONS = (
    "Outside the mandate: ordinary criminality.",
    "Could not be verified; the source withdrew the claim.",
    "Repeats an event already reported last month.",
    "Insufficient detail to act on.",
)
SITUATION_THEMES = (
    "attacks on civilians",
    "intercommunal violence",
    "hate speech and incitement",
    "displacement crisis",
    "armed group expansion",
    "post-election tensions",
)


def _copy_safe(*tables: Any) -> None:
    """COPY's text format needs tabs, newlines and backslashes escaped; the word lists have none."""
    for table in tables:
        for text in table.values() if isinstance(table, dict) else table:
            if isinstance(text, tuple | list | dict):
                _copy_safe(text)
            elif isinstance(text, str) and any(c in text for c in "\t\n\r\\"):
                raise RuntimeError(f"{text!r} cannot go into COPY unescaped")


def _cum(weights: tuple[tuple[Any, int], ...]) -> tuple[list[Any], list[int]]:
    values, total, cum = [], 0, []
    for value, weight in weights:
        values.append(value)
        total += weight
        cum.append(total)
    return values, cum


_copy_safe(
    COUNTRIES,
    ACTORS,
    TARGETS,
    HEADLINES,
    SENTENCES_OPENING,
    SENTENCES_DETAIL,
    SENTENCES_CLOSING,
    SETTLEMENTS,
    OUTLETS,
    DISMISSAL_REASONS,
)
_COUNTRY_IDX, _COUNTRY_CUM = _cum(tuple((i, c[1]) for i, c in enumerate(COUNTRIES)))
_CATEGORY_VALUES, _CATEGORY_CUM = _cum(CATEGORIES)
_STATUS_VALUES, _STATUS_CUM = _cum(STATUSES)
_CLASS_VALUES, _CLASS_CUM = _cum(CLASSIFICATIONS)
_CRED_VALUES, _CRED_CUM = _cum(CREDIBILITIES)
_PRECISION_VALUES, _PRECISION_CUM = _cum(PRECISIONS)


def _base36(number: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out.rjust(width, "0")


def synthetic_pseudonym(seed: int, k: int) -> str:
    """SRC-Y + 7 characters: never equal to a service-made pseudonym, which has 4."""
    return "SRC-Y" + _base36(seed * 100_000 + k, 7)


def synthetic_reference(seed: int, m: int) -> str:
    return "SIT-Y" + _base36(seed * 100_000 + m, 7)


def synthetic_external_id(seed: int, index: int) -> str:
    return f"syn-{seed}-{index}"


# --- Row generation ---------------------------------------------------------------------------

# Columns written by COPY, in order. `search_vector` is GENERATED and must not be written.
SIGNAL_COLUMNS = (
    "id",
    "duplicate_of_id",
    "classification",
    "headline",
    "description",
    "occurred_on",
    "occurred_precision",
    "reported_at",
    "country",
    "admin1",
    "place_name",
    "latitude",
    "longitude",
    "category",
    "perpetrators",
    "targeted_group",
    "targeted_group_kind",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "source_id",
    "credibility",
    "origin",
    "external_id",
    "original_source_text",
    "language",
    "status",
    "dismissed_reason",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
)
LINK_COLUMNS = ("signal_id", "situation_id", "linked_by_id", "linked_at")


@dataclass(slots=True)
class SyntheticRow:
    """One generated signal; `duplicate_of` is the index of an earlier row in the same chunk."""

    index: int
    external_id: str
    duplicate_of: int | None
    classification: int
    headline: str
    description: str
    occurred_on: date
    occurred_precision: str
    reported_at: datetime
    country: str
    admin1: str
    place_name: str
    latitude: float | None
    longitude: float | None
    category: str
    perpetrators: str
    targeted_group: str
    targeted_group_kind: str
    fatalities_best: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    source: int  # index into the sources list
    credibility: int
    original_source_text: str
    language: str
    status: str
    dismissed_reason: str
    links: list[int] = field(default_factory=list)  # indexes into the situations list


def _fatalities(rng: random.Random, category: str) -> tuple[int | None, int | None, int | None]:
    if category in VIOLENT:
        if rng.random() < 0.1:
            return None, None, None
        if rng.random() < 0.45:
            return 0, None, None
        # Pareto: most events kill a handful, a few kill hundreds.
        best = min(int(rng.paretovariate(1.1)), 5000)
    else:
        draw = rng.random()
        if draw < 0.6:
            return None, None, None
        if draw < 0.95:
            return 0, None, None
        best = min(int(rng.paretovariate(1.6)), 200)
    if rng.random() < 0.3:
        low = best - rng.randint(0, best // 2)
        high = best + rng.randint(0, best)
        return best, low, high
    return best, None, None


def synthetic_rows(
    *,
    seed: int,
    start: int,
    count: int,
    total: int,
    source_count: int,
    situations_by_country: dict[str, list[int]],
    today: date,
) -> list[SyntheticRow]:
    """Rows start..start+count-1 of a seeding of `total`; the same arguments give the same rows.

    Dates run from about two years ago (row 0) to today (the last row), so ids and dates grow
    together as they do in a real inbox.
    """
    rng = random.Random(f"r2p-synthetic:{seed}:{start}")
    country_idx = rng.choices(_COUNTRY_IDX, cum_weights=_COUNTRY_CUM, k=count)
    categories = rng.choices(_CATEGORY_VALUES, cum_weights=_CATEGORY_CUM, k=count)
    statuses = rng.choices(_STATUS_VALUES, cum_weights=_STATUS_CUM, k=count)
    classifications = rng.choices(_CLASS_VALUES, cum_weights=_CLASS_CUM, k=count)
    credibilities = rng.choices(_CRED_VALUES, cum_weights=_CRED_CUM, k=count)
    precisions = rng.choices(_PRECISION_VALUES, cum_weights=_PRECISION_CUM, k=count)
    # Zipf-like: a few sources send most reports.
    source_cum = list(_cum(tuple((k, max(1, int(1000 / (k + 1)))) for k in range(source_count)))[1])
    sources = rng.choices(range(source_count), cum_weights=source_cum, k=count)
    first_day = today.toordinal() - SPAN_DAYS
    now = timezone.now()
    rows: list[SyntheticRow] = []
    for j in range(count):
        i = start + j
        code, _, box, usual_language, admin1s, places = COUNTRIES[country_idx[j]]
        category = categories[j]
        status = statuses[j]
        duplicate_of = None
        if status == SignalStatus.DUPLICATE:
            if j == 0:
                status = SignalStatus.NEW
            else:
                duplicate_of = j - rng.randint(1, min(j, 200))
        admin1 = rng.choice(admin1s)
        place = rng.choice(places)
        actor = rng.choice(ACTORS)
        target, kind = rng.choice(TARGETS)
        values = {
            "actor": actor,
            "actor_l": actor[0].lower() + actor[1:],
            "target": target,
            "target_c": target[0].upper() + target[1:],
            "place": place,
            "admin1": admin1,
            "settlement": rng.choice(SETTLEMENTS),
        }
        headline = rng.choice(HEADLINES[category]).format(**values)
        sentences = [rng.choice(SENTENCES_OPENING)]
        sentences.extend(rng.sample(SENTENCES_DETAIL, rng.randint(1, 3)))
        if rng.random() < 0.6:
            sentences.append(rng.choice(SENTENCES_CLOSING))
        description = " ".join(sentences).format(**values)
        day = first_day + int(SPAN_DAYS * i / max(total, 1)) - rng.randint(0, 20)
        occurred = date.fromordinal(min(max(day, first_day), today.toordinal()))
        reported = datetime(occurred.year, occurred.month, occurred.day, tzinfo=UTC) + timedelta(
            minutes=rng.randint(60, 4 * 24 * 60)
        )
        if reported > now:
            reported = now - timedelta(minutes=rng.randint(1, 600))
        if rng.random() < 0.85:
            lat = round(box[0] + rng.random() * (box[1] - box[0]), 5)
            lon = round(box[2] + rng.random() * (box[3] - box[2]), 5)
        else:
            lat = lon = None
        best, low, high = _fatalities(rng, category)
        links: list[int] = []
        if status == SignalStatus.TRIAGED:
            candidates = situations_by_country.get(code)
            if candidates:
                links.append(rng.choice(candidates))
                if len(candidates) > 1 and rng.random() < 0.1:
                    other = rng.choice(candidates)
                    if other != links[0]:
                        links.append(other)
        rows.append(
            SyntheticRow(
                index=i,
                external_id=synthetic_external_id(seed, i),
                duplicate_of=duplicate_of,
                classification=int(classifications[j]),
                headline=headline,
                description=description,
                occurred_on=occurred,
                occurred_precision=precisions[j],
                reported_at=reported,
                country=code,
                admin1=admin1,
                place_name=place,
                latitude=lat,
                longitude=lon,
                category=str(category),
                perpetrators=actor if category != Category.OTHER else "",
                targeted_group=target,
                targeted_group_kind=str(kind),
                fatalities_best=best,
                fatalities_low=low,
                fatalities_high=high,
                source=sources[j],
                credibility=credibilities[j],
                original_source_text=rng.choice(OUTLETS),
                language=usual_language if rng.random() < 0.3 else "en",
                status=str(status),
                dismissed_reason=(
                    rng.choice(DISMISSAL_REASONS) if status == SignalStatus.DISMISSED else ""
                ),
                links=links,
            )
        )
    return rows


def _text(value: Any) -> str:
    """One value in COPY text format. Generated text never holds tabs, newlines or backslashes."""
    if value is None:
        return "\\N"
    return str(value)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def _copy_chunk(
    *,
    rows: list[SyntheticRow],
    chunk_ids: list[int],
    start: int,
    source_ids: list[int],
    situation_ids: list[int],
    creators: list[int],
    actor_id: int,
) -> tuple[io.StringIO, io.StringIO, int]:
    """The COPY payloads of one chunk: the signals, their links, and the number of links.

    `chunk_ids` holds the database id of every row of the chunk (new or already present), by
    position from `start`; a row's `duplicate_of` is such a position.
    """
    signals, links = io.StringIO(), io.StringIO()
    write, write_link = signals.write, links.write
    link_count = 0
    origin = Origin.SYNTHETIC.value
    n_creators = len(creators)
    for row in rows:
        signal_id = chunk_ids[row.index - start]
        reported = _timestamp(row.reported_at)
        version = 1 if row.status == SignalStatus.NEW else 2
        duplicate = chunk_ids[row.duplicate_of] if row.duplicate_of is not None else None
        write(
            "\t".join(
                (
                    str(signal_id),
                    _text(duplicate),
                    str(row.classification),
                    row.headline,
                    row.description,
                    row.occurred_on.isoformat(),
                    row.occurred_precision,
                    reported,
                    row.country,
                    row.admin1,
                    row.place_name,
                    _text(row.latitude),
                    _text(row.longitude),
                    row.category,
                    row.perpetrators,
                    row.targeted_group,
                    row.targeted_group_kind,
                    _text(row.fatalities_best),
                    _text(row.fatalities_low),
                    _text(row.fatalities_high),
                    str(source_ids[row.source]),
                    str(row.credibility),
                    origin,
                    row.external_id,
                    row.original_source_text,
                    row.language,
                    row.status,
                    row.dismissed_reason,
                    str(creators[row.index % n_creators]),
                    reported,
                    reported,
                    str(version),
                )
            )
        )
        write("\n")
        for m in row.links:
            write_link(f"{signal_id}\t{situation_ids[m]}\t{actor_id}\t{reported}\n")
            link_count += 1
    signals.seek(0)
    links.seek(0)
    return signals, links, link_count


# --- Sources and situations -------------------------------------------------------------------


def _analysts() -> list[User]:
    names = [ROLES_BY_SLUG["analyst"].name, ROLES_BY_SLUG["senior-analyst"].name]
    return list(
        User.objects.filter(is_active=True, groups__name__in=names).distinct().order_by("id")
    )


def _sources_ensure(*, seed: int, count: int, actor: User) -> tuple[list[int], int]:
    """Ids of the seed's sources 0..count-1, creating the missing ones; and how many were new."""
    rng = random.Random(f"r2p-synthetic-sources:{seed}")
    type_values, type_cum = _cum(SOURCE_TYPES)
    rel_values, rel_cum = _cum(RELIABILITIES)
    wanted = [synthetic_pseudonym(seed, k) for k in range(count)]
    types = rng.choices(type_values, cum_weights=type_cum, k=count)
    grades = rng.choices(rel_values, cum_weights=rel_cum, k=count)
    existing = dict(Source.objects.filter(pseudonym__in=wanted).values_list("pseudonym", "id"))
    missing = [k for k, p in enumerate(wanted) if p not in existing]
    if missing:
        created = Source.objects.bulk_create(
            [
                Source(
                    pseudonym=wanted[k],
                    source_type=types[k],
                    reliability=grades[k],
                    classification=Classification.CONFIDENTIAL,
                    created_by=actor,
                )
                for k in missing
            ]
        )
        SourceIdentity.objects.bulk_create(
            [
                SourceIdentity(
                    source=source,
                    name=f"Synthetic source {k + 1} of seed {seed}",
                    organisation="Synthetic benchmark data",
                    handling_notes="Generated by seed_synthetic; not a real person or body.",
                )
                for k, source in zip(missing, created, strict=True)
            ]
        )
        SourceReliabilityChange.objects.bulk_create(
            [
                SourceReliabilityChange(
                    source=source,
                    previous="",
                    new=source.reliability,
                    reason="Registered",
                    changed_by=actor,
                )
                for source in created
            ]
        )
        # As source_create does: whoever registers a source may see who it is.
        identity_perm = Permission.objects.get(
            content_type__app_label="cases", codename="view_source_identity"
        )
        SourceUserObjectPermission.objects.bulk_create(
            [
                SourceUserObjectPermission(
                    permission=identity_perm, user=actor, content_object=source
                )
                for source in created
            ],
            ignore_conflicts=True,
        )
        existing.update({s.pseudonym: s.pk for s in created})
    return [existing[p] for p in wanted], len(missing)


def _situations_ensure(
    *, seed: int, count: int, actor: User, analysts: list[User]
) -> tuple[list[int], dict[str, list[int]], int]:
    """The seed's situations (ids, and their indexes by country) and how many were new.

    Each situation's team is its lead analyst plus about a third of the analysts, written as
    membership rows and guardian grants in bulk rather than one audited call per member.
    """
    rng = random.Random(f"r2p-synthetic-situations:{seed}")
    wanted = [synthetic_reference(seed, m) for m in range(count)]
    # A situation is never classified above what its team could read.
    highest = max([a.clearance for a in analysts] or [actor.clearance])
    plans = []
    for m in range(count):
        main = COUNTRIES[rng.choices(_COUNTRY_IDX, cum_weights=_COUNTRY_CUM)[0]]
        countries = [main[0]]
        if rng.random() < 0.15:
            second = rng.choice(COUNTRIES)[0]
            if second not in countries:
                countries.append(second)
        theme = rng.choice(SITUATION_THEMES)
        area = rng.choice(main[4])
        level = rng.choices(
            [
                Classification.PUBLIC,
                Classification.CONFIDENTIAL,
                Classification.STRICTLY_CONFIDENTIAL,
            ],
            cum_weights=[25, 90, 100],
        )[0]
        level = min(level, highest)
        status = rng.choices(
            [MonitoringStatus.ACTIVE, MonitoringStatus.DORMANT, MonitoringStatus.CLOSED],
            cum_weights=[75, 90, 100],
        )[0]
        team = [a for a in analysts if rng.random() < 1 / 3]
        plans.append((m, countries, theme, area, level, status, team))
    existing = {
        ref: (pk, countries)
        for ref, pk, countries in Situation.objects.filter(reference__in=wanted).values_list(
            "reference", "id", "countries"
        )
    }
    new = []
    for m, countries, theme, area, level, status, _team in plans:
        if wanted[m] in existing:
            continue
        eligible = [a for a in analysts if a.clearance >= level] or [actor]
        lead = eligible[m % len(eligible)]
        regions: list[str] = []
        subregions: list[str] = []
        for code in countries:
            region, narrower = country_region(code)
            if region and region not in regions:
                regions.append(region)
            subregions.extend(n for n in narrower if n not in subregions)
        new.append(
            Situation(
                reference=wanted[m],
                title=f"{country_name(countries[0])}: {theme} in {area}",
                countries=countries,
                regions=regions,
                subregions=subregions,
                subnational_areas=[area],
                summary=(
                    f"Monitoring of {theme} in {area} and neighbouring areas. "
                    "Synthetic situation generated for benchmarks."
                ),
                classification=level,
                status=status,
                lead_analyst=lead,
            )
        )
    created = Situation.objects.bulk_create(new)
    by_ref = {s.reference: s for s in created}
    view_perm = Permission.objects.get(content_type__app_label="cases", codename="view_situation")
    members, grants = [], []
    for m, _countries, _theme, _area, level, _status, team in plans:
        situation = by_ref.get(wanted[m])
        if situation is None:
            continue
        people = {situation.lead_analyst_id: situation.lead_analyst}
        if actor.clearance >= level:
            people[actor.pk] = actor
        people.update({a.pk: a for a in team if a.clearance >= level})
        for user in people.values():
            members.append(SituationMember(situation=situation, user=user, added_by=actor))
            grants.append(
                SituationUserObjectPermission(
                    permission=view_perm, user=user, content_object=situation
                )
            )
    SituationMember.objects.bulk_create(members, ignore_conflicts=True)
    SituationUserObjectPermission.objects.bulk_create(grants, ignore_conflicts=True)
    existing.update({s.reference: (s.pk, s.countries) for s in created})
    ids = [existing[ref][0] for ref in wanted]
    by_country: dict[str, list[int]] = {}
    for m, ref in enumerate(wanted):
        for code in existing[ref][1]:
            by_country.setdefault(code, []).append(m)
    return ids, by_country, len(created)


# --- The seeding ------------------------------------------------------------------------------


@dataclass
class SeedReport:
    seed: int
    signals_created: int = 0
    signals_already_present: int = 0
    links_created: int = 0
    sources_created: int = 0
    situations_created: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.signals_created / self.seconds if self.seconds else 0.0


def _existing_ids(external_ids: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        # `external_id <> ''` lets the planner use the partial unique index.
        cursor.execute(
            "SELECT external_id, id FROM cases_signal "
            "WHERE origin = %s AND external_id <> '' AND external_id = ANY(%s)",
            [Origin.SYNTHETIC.value, external_ids],
        )
        return dict(cursor.fetchall())


def _ids_allocate(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Signal._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _present_prefix(seed: int, total: int) -> int:
    """How many leading rows of this seed exist already (0..total).

    A seeding commits rows 0..N-1 of its seed at once, so the rows present form a prefix and a
    binary search over the unique (origin, external_id) index finds its end in a few lookups.
    """

    def exists(index: int) -> bool:
        return Signal.objects.filter(
            origin=Origin.SYNTHETIC, external_id=synthetic_external_id(seed, index)
        ).exists()

    if total == 0 or not exists(0):
        return 0
    if exists(total - 1):
        return total
    present, missing = 0, total - 1
    while missing - present > 1:
        middle = (present + missing) // 2
        if exists(middle):
            present = middle
        else:
            missing = middle
    return present + 1


def _chunks_in_background(
    make: Callable[[int, int], list[SyntheticRow]], first: int, total: int
) -> Iterator[tuple[int, list[SyntheticRow]]]:
    """Generate the next chunk in a thread while the database ingests the current one."""
    jobs: queue.Queue = queue.Queue(maxsize=1)

    def produce() -> None:
        try:
            for start in range(first, total, CHUNK):
                jobs.put((start, make(start, min(CHUNK, total - start))))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            jobs.put(exc)
            return
        jobs.put(None)

    worker = threading.Thread(target=produce, name="seed-synthetic-rows", daemon=True)
    worker.start()
    while True:
        item = jobs.get()
        if item is None:
            break
        if isinstance(item, BaseException):
            raise item
        yield item
    worker.join()


def synthetic_seed(
    *,
    signals: int,
    situations: int,
    sources: int,
    seed: int,
    actor: User,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Create synthetic sources, situations, signals and links in one transaction.

    One audit row (`synthetic.seed`) records what was created. Rows of the same seed that
    exist already are skipped, so the seeding is idempotent per seed.
    """
    if not 1 <= sources <= MAX_SOURCES:
        raise ValueError(f"sources must be between 1 and {MAX_SOURCES}")
    if not 1 <= situations <= MAX_SITUATIONS:
        raise ValueError(f"situations must be between 1 and {MAX_SITUATIONS}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}")
    say = progress or (lambda message: None)
    report = SeedReport(seed=seed)
    began = time.monotonic()
    today = timezone.now().date()
    analysts = _analysts()
    creators = [a.pk for a in analysts if a.has_perm("cases.add_signal")] or [actor.pk]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Check foreign keys row by row instead of queueing a million deferred checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        source_ids, report.sources_created = _sources_ensure(seed=seed, count=sources, actor=actor)
        situation_ids, by_country, report.situations_created = _situations_ensure(
            seed=seed, count=situations, actor=actor, analysts=analysts
        )
        say(
            f"{len(source_ids)} sources ({report.sources_created} new), "
            f"{len(situation_ids)} situations ({report.situations_created} new)"
        )

        def make(start: int, count: int) -> list[SyntheticRow]:
            return synthetic_rows(
                seed=seed,
                start=start,
                count=count,
                total=signals,
                source_count=len(source_ids),
                situations_by_country=by_country,
                today=today,
            )

        # Whole chunks already written by an earlier run are not generated again; the chunk
        # where that run stopped is checked row by row, and the chunks after it hold no rows
        # of this seed (a seeding writes a prefix of row numbers).
        prefix = _present_prefix(seed, signals)
        first = prefix // CHUNK * CHUNK
        report.signals_already_present = first
        signal_columns = ", ".join(SIGNAL_COLUMNS)
        link_columns = ", ".join(LINK_COLUMNS)
        with connection.cursor() as cursor:
            for start, rows in _chunks_in_background(make, first, signals):
                present = _existing_ids([r.external_id for r in rows]) if start < prefix else {}
                ids = _ids_allocate(len(rows) - len(present)) if len(present) < len(rows) else []
                fresh = iter(ids)
                chunk_ids = [present.get(r.external_id) or next(fresh) for r in rows]
                new_rows = [r for r in rows if r.external_id not in present]
                signal_buffer, link_buffer, links = _copy_chunk(
                    rows=new_rows,
                    chunk_ids=chunk_ids,
                    start=start,
                    source_ids=source_ids,
                    situation_ids=situation_ids,
                    creators=creators,
                    actor_id=actor.pk,
                )
                try:
                    if new_rows:
                        cursor.copy_expert(
                            f"COPY {Signal._meta.db_table} ({signal_columns}) FROM STDIN",
                            signal_buffer,
                            size=COPY_BLOCK,
                        )
                    if links:
                        cursor.copy_expert(
                            f"COPY {SignalSituationLink._meta.db_table} ({link_columns}) "
                            "FROM STDIN",
                            link_buffer,
                            size=COPY_BLOCK,
                        )
                except IntegrityError as exc:
                    raise ValueError(
                        f"some synthetic signals of seed {seed} beyond row {prefix:,} exist "
                        "already (were rows of an earlier seeding deleted?); nothing was "
                        "written. Seed with another --seed."
                    ) from exc
                report.signals_created += len(new_rows)
                report.signals_already_present += len(present)
                report.links_created += links
                done = start + len(rows)
                elapsed = time.monotonic() - began
                say(
                    f"{done:>10,} / {signals:,} signals "
                    f"({report.signals_created:,} new, {(done - first) / elapsed:,.0f} rows/s)"
                )
        if report.signals_created or report.sources_created or report.situations_created:
            audit_record(
                action="synthetic.seed",
                actor=actor,
                object_type="cases.signal",
                summary={
                    "origin": Origin.SYNTHETIC.value,
                    "seed": seed,
                    "signals_created": report.signals_created,
                    "signals_already_present": report.signals_already_present,
                    "links_created": report.links_created,
                    "sources_created": report.sources_created,
                    "situations_created": report.situations_created,
                },
            )
    report.seconds = time.monotonic() - began
    return report


def _actor(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account is called {username!r}.")
        return user
    analysts = [a for a in _analysts() if a.has_perm("cases.add_signal")]
    if not analysts:
        raise CommandError(
            "No analyst account to own the synthetic data: create one first "
            "(python manage.py r2p_demo on an empty database, or r2p_user create) "
            "or name an account with --as USERNAME."
        )
    return analysts[0]


def _positive(maximum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ArgumentTypeError(f"give a whole number, not {raw!r}") from None
        if not 0 <= value <= maximum:
            raise ArgumentTypeError(f"must be between 0 and {maximum:,}")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Create realistic synthetic sources, situations and signals fast (PostgreSQL COPY). "
        "Idempotent per --seed: rows of that seed already present are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--signals", type=_positive(100_000_000), required=True, metavar="N")
        parser.add_argument(
            "--situations",
            type=_positive(MAX_SITUATIONS),
            default=None,
            metavar="M",
            help="default: 1 per 25,000 signals, between 10 and 200",
        )
        parser.add_argument(
            "--sources",
            type=_positive(MAX_SOURCES),
            default=None,
            metavar="K",
            help="default: 1 per 10,000 signals, between 20 and 500",
        )
        parser.add_argument("--seed", type=_positive(MAX_SEED), default=1, metavar="S")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            metavar="USERNAME",
            help="the account recorded as creator (default: the first analyst)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        signals: int = options["signals"]
        situations = options["situations"] or min(200, max(10, signals // 25_000))
        sources = options["sources"] or min(500, max(20, signals // 10_000))
        actor = _actor(options["username"])
        self.stdout.write(
            f"Seeding {signals:,} synthetic signals (seed {options['seed']}) "
            f"with {sources} sources and {situations} situations, as {actor.username}"
        )
        try:
            report = synthetic_seed(
                signals=signals,
                situations=situations,
                sources=sources,
                seed=options["seed"],
                actor=actor,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        tables_analyse()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {report.signals_created:,} signals ({report.signals_already_present:,} "
                f"already present), {report.links_created:,} situation links, "
                f"{report.sources_created} sources, {report.situations_created} situations "
                f"in {report.seconds:.1f} s ({report.rows_per_second:,.0f} signals/s)"
            )
        )


def tables_analyse() -> None:
    """Fresh planner statistics (and visibility map, outside a transaction) for the new rows."""
    tables = (Signal._meta.db_table, SignalSituationLink._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {table}")
            else:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
