"""Countries by ISO 3166-1 alpha-3, from the offline tables of hdx-python-country."""

from __future__ import annotations

from functools import cache


@cache
def _countries() -> dict[str, dict]:
    from hdx.location.country import Country

    # use_live=False: never reach for the network; the package ships its own copy of the table.
    data = Country.countriesdata(use_live=False)
    return data["countries"]


def country_name(iso3: str) -> str | None:
    info = _countries().get(iso3.upper())
    return info["Preferred Term"] if info else None


def member_state_validate(iso3: str) -> str:
    """Return the code upper-cased, or raise ValueError saying what is wrong with it."""
    code = iso3.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{iso3!r} is not an ISO 3166-1 alpha-3 code (three letters, e.g. NOR).")
    if code not in _countries():
        raise ValueError(f"{code} is not a known ISO 3166-1 alpha-3 country code.")
    return code
