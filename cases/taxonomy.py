"""How event datasets map onto our signal categories. docs/taxonomy.md explains each choice.

Keys are compared case-insensitively with surrounding spaces removed, so the legacy
"Violence Against Civilians" and the current "Violence against civilians" both match.
"""

from __future__ import annotations

from cases.models import Category

# ACLED (event_type, sub_event_type) -> category. A sub-event type, when given and listed,
# decides; otherwise the event type does.
ACLED_SUB_EVENT_TYPES: dict[str, Category] = {
    "sexual violence": Category.SEXUAL_VIOLENCE,
    "abduction/forced disappearance": Category.DETENTION_DISAPPEARANCE,
    "arrests": Category.DETENTION_DISAPPEARANCE,
    "attack": Category.VIOLENCE_AGAINST_CIVILIANS,
    "mob violence": Category.VIOLENCE_AGAINST_CIVILIANS,
    "violent demonstration": Category.OTHER,
    "excessive force against protesters": Category.CIVIC_SPACE,
    "protest with intervention": Category.CIVIC_SPACE,
    "peaceful protest": Category.OTHER,
    "looting/property destruction": Category.OTHER,
    "non-violent transfer of territory": Category.ARMED_CLASH,
    "headquarters or base established": Category.ARMED_MOBILISATION,
    "change to group/activity": Category.ARMED_MOBILISATION,
    "agreement": Category.OTHER,
    "other": Category.OTHER,
}

ACLED_EVENT_TYPES: dict[str, Category] = {
    "violence against civilians": Category.VIOLENCE_AGAINST_CIVILIANS,
    "battles": Category.ARMED_CLASH,
    "battle-no change of territory": Category.ARMED_CLASH,
    "battle-government regains territory": Category.ARMED_CLASH,
    "battle-non-state actor overtakes territory": Category.ARMED_CLASH,
    "explosions/remote violence": Category.ARMED_CLASH,
    "remote violence": Category.ARMED_CLASH,
    "riots": Category.VIOLENCE_AGAINST_CIVILIANS,
    "riots/protests": Category.CIVIC_SPACE,
    "protests": Category.CIVIC_SPACE,
    "strategic developments": Category.ARMED_MOBILISATION,
    "headquarters or base established": Category.ARMED_MOBILISATION,
    "non-violent transfer of territory": Category.ARMED_CLASH,
}

# UCDP GED type_of_violence -> category.
UCDP_VIOLENCE_TYPES: dict[int, Category] = {
    1: Category.ARMED_CLASH,  # state-based conflict
    2: Category.ARMED_CLASH,  # non-state conflict
    3: Category.VIOLENCE_AGAINST_CIVILIANS,  # one-sided violence
}


def _key(value: str) -> str:
    return " ".join(value.strip().lower().split())


def acled_category(event_type: str, sub_event_type: str = "") -> Category | None:
    """The category for an ACLED event, or None when the event type is unknown."""
    sub = ACLED_SUB_EVENT_TYPES.get(_key(sub_event_type or ""))
    if sub is not None and _key(event_type) != "protests":
        return sub
    if _key(event_type) == "protests":
        return Category.CIVIC_SPACE if sub is Category.CIVIC_SPACE else Category.OTHER
    return ACLED_EVENT_TYPES.get(_key(event_type))


def ucdp_category(type_of_violence: int) -> Category | None:
    return UCDP_VIOLENCE_TYPES.get(type_of_violence)
