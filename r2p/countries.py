"""Countries by ISO 3166-1 alpha-3, from the offline tables of hdx-python-country."""

from __future__ import annotations

import threading
from functools import cache

# Codes in use that ISO 3166 leaves to users: Kosovo is XKX in UN, ACLED and UCDP practice.
_USER_ASSIGNED = {
    "XKX": {
        "Preferred Term": "Kosovo",
        "ISO 3166-1 Alpha 2-Codes": "XK",
        "Region Name": "Europe",
        "Sub-region Name": "Southern Europe",
        "Intermediate Region Name": None,
    },
}


_load_lock = threading.Lock()


@cache
def _countries() -> dict[str, dict]:
    from hdx.location.country import Country

    # hdx builds its tables in class attributes and is not safe to call from two threads at
    # once the first time (gunicorn runs threads).
    with _load_lock:
        # use_live=False: never reach for the network; the package ships its own copy.
        data = Country.countriesdata(use_live=False)
        return {**data["countries"], **_USER_ASSIGNED}


def _region_names(info: dict) -> tuple[str, ...]:
    return tuple(
        name
        for name in (
            info.get("Region Name"),
            info.get("Sub-region Name"),
            info.get("Intermediate Region Name"),
        )
        if name
    )


def country_name(iso3: str) -> str | None:
    info = _countries().get(iso3.upper())
    return info["Preferred Term"] if info else None


def country_alpha2(iso3: str) -> str | None:
    """The alpha-2 code of an alpha-3 code (XKX gives XK), or None if unknown."""
    info = _countries().get(iso3.strip().upper())
    return (info or {}).get("ISO 3166-1 Alpha 2-Codes") or None


def member_state_validate(iso3: str) -> str:
    """Return the code upper-cased, or raise ValueError saying what is wrong with it."""
    code = iso3.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{iso3!r} is not an ISO 3166-1 alpha-3 code (three letters, e.g. NOR).")
    if code not in _countries():
        raise ValueError(f"{code} is not a known ISO 3166-1 alpha-3 country code.")
    return code


def country_region(iso3: str) -> tuple[str, list[str]]:
    """The UN M49 region of a country and its sub-regions, broad to narrow.

    For example ("Africa", ["Sub-Saharan Africa", "Eastern Africa"]).
    """
    names = _region_names(_countries().get(iso3.upper()) or {})
    return (names[0] if names else ""), list(names[1:])


def countries_in_region(region: str) -> list[str]:
    """ISO3 codes of the countries in an M49 region or sub-region (by name, any case)."""
    wanted = region.strip().lower()
    return sorted(
        code
        for code, info in _countries().items()
        if wanted in (name.lower() for name in _region_names(info))
    )


def regions() -> list[str]:
    """The M49 regions and sub-regions that have countries, for filters."""
    return sorted({name for info in _countries().values() for name in _region_names(info)})


def country_choices() -> list[tuple[str, str]]:
    return sorted(
        ((code, info["Preferred Term"]) for code, info in _countries().items()),
        key=lambda pair: pair[1],
    )
