"""Small checks every service applies to what people send, with the same words everywhere."""

from __future__ import annotations

TEXT_LIMIT = 20_000


def text_value(
    value: object, field: str, errors: dict, *, required: bool = False, limit: int = TEXT_LIMIT
) -> str:
    """`value` as stripped text; a problem is added to `errors[field]` (and "" returned) when
    it is not text, missing though required, or longer than `limit`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = ["Write text here."]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = ["This field is required."]
    elif len(value) > limit:
        errors[field] = [f"Keep this under {limit:,} characters (it has {len(value):,})."]
    return value
