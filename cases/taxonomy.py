"""How event datasets map onto our signal categories. docs/taxonomy.md explains each choice.

Keys are compared case-insensitively with runs of spaces folded, so the legacy
"Violence Against Civilians" and the current "Violence against civilians" both match.
tests/cases/test_importers.py checks that the tables in docs/taxonomy.md say the same as these.
"""

from __future__ import annotations

from cases.models import Category

# ACLED sub-event types (2019 schema onwards). A listed sub-event type decides the category.
ACLED_SUB_EVENT_TYPES: dict[str, Category] = {
    # Battles
    "armed clash": Category.ARMED_CLASH,
    "government regains territory": Category.ARMED_CLASH,
    "non-state actor overtakes territory": Category.ARMED_CLASH,
    # Explosions/Remote violence
    "air/drone strike": Category.ARMED_CLASH,
    "shelling/artillery/missile attack": Category.ARMED_CLASH,
    "remote explosive/landmine/ied": Category.ARMED_CLASH,
    "grenade": Category.ARMED_CLASH,
    "suicide bomb": Category.ARMED_CLASH,
    "chemical weapon": Category.ARMED_CLASH,
    # Violence against civilians
    "attack": Category.VIOLENCE_AGAINST_CIVILIANS,
    "sexual violence": Category.SEXUAL_VIOLENCE,
    "abduction/forced disappearance": Category.DETENTION_DISAPPEARANCE,
    # Protests
    "peaceful protest": Category.OTHER,
    "protest with intervention": Category.CIVIC_SPACE,
    "excessive force against protesters": Category.CIVIC_SPACE,
    # Riots
    "violent demonstration": Category.OTHER,
    "mob violence": Category.VIOLENCE_AGAINST_CIVILIANS,
    # Strategic developments
    "agreement": Category.OTHER,
    "arrests": Category.DETENTION_DISAPPEARANCE,
    "change to group/activity": Category.ARMED_MOBILISATION,
    "disrupted weapons use": Category.ARMED_MOBILISATION,
    "headquarters or base established": Category.ARMED_MOBILISATION,
    "looting/property destruction": Category.OTHER,
    "non-violent transfer of territory": Category.ARMED_MOBILISATION,
    "other": Category.OTHER,
}

# ACLED event types, current and legacy (before 2019 there were no sub-event types). Used when
# the sub-event type is absent or not listed above.
ACLED_EVENT_TYPES: dict[str, Category] = {
    # Current
    "battles": Category.ARMED_CLASH,
    "explosions/remote violence": Category.ARMED_CLASH,
    "violence against civilians": Category.VIOLENCE_AGAINST_CIVILIANS,
    "protests": Category.OTHER,
    "riots": Category.OTHER,
    "strategic developments": Category.ARMED_MOBILISATION,
    # Legacy
    "battle-no change of territory": Category.ARMED_CLASH,
    "battle-government regains territory": Category.ARMED_CLASH,
    "battle-non-state actor overtakes territory": Category.ARMED_CLASH,
    "battle-non-state actors overtake territory": Category.ARMED_CLASH,
    "remote violence": Category.ARMED_CLASH,
    "riots/protests": Category.OTHER,
    "strategic development": Category.ARMED_MOBILISATION,
    "headquarters or base established": Category.ARMED_MOBILISATION,
    "non-violent transfer of territory": Category.ARMED_MOBILISATION,
}

# Sub-event types that stay as they are even when ACLED flags the event as civilian targeting:
# they already name a more specific harm to civilians.
_MORE_SPECIFIC_THAN_TARGETING = {
    Category.SEXUAL_VIOLENCE,
    Category.DETENTION_DISAPPEARANCE,
    Category.VIOLENCE_AGAINST_CIVILIANS,
    Category.CIVIC_SPACE,
}

# UCDP GED type_of_violence -> category.
UCDP_VIOLENCE_TYPES: dict[int, Category] = {
    1: Category.ARMED_CLASH,  # state-based armed conflict
    2: Category.ARMED_CLASH,  # non-state conflict
    3: Category.VIOLENCE_AGAINST_CIVILIANS,  # one-sided violence
}

UCDP_VIOLENCE_LABELS: dict[int, str] = {
    1: "State-based armed conflict",
    2: "Non-state conflict",
    3: "One-sided violence",
}


def _key(value: str) -> str:
    return " ".join((value or "").strip().lower().split())


def acled_category(
    event_type: str, sub_event_type: str = "", civilian_targeting: str = ""
) -> Category | None:
    """The category for an ACLED event, or None when the event type is unknown.

    `civilian_targeting` is the column of the current ACLED schema ("Civilian targeting" when
    civilians were the target): it turns a shelling or an air strike on civilians into violence
    against civilians.
    """
    base = ACLED_EVENT_TYPES.get(_key(event_type))
    if base is None:
        return None
    category = ACLED_SUB_EVENT_TYPES.get(_key(sub_event_type), base)
    if _key(civilian_targeting) == "civilian targeting" and (
        category not in _MORE_SPECIFIC_THAN_TARGETING
    ):
        return Category.VIOLENCE_AGAINST_CIVILIANS
    return category


def ucdp_category(type_of_violence: int) -> Category | None:
    return UCDP_VIOLENCE_TYPES.get(type_of_violence)
