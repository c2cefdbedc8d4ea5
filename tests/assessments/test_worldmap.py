"""The server-drawn world map of risk: shapes from the shipped SVG, shaded by level, linked."""

from __future__ import annotations

import random
import re
import statistics
import time
import xml.etree.ElementTree as ET

import pytest

from assessments.models import RiskLevel
from assessments.worldmap import (
    LAND_FILL,
    LEVEL_COLOURS,
    LEVEL_WORDS,
    NO_ASSESSMENT_WORD,
    CountryRisk,
    _shorten,
    country_alpha2,
    mapped_alpha2_codes,
    world_map_svg,
)
from r2p.countries import country_choices

SVG = "{http://www.w3.org/2000/svg}"

SUDAN = CountryRisk(
    iso3="SDN", name="Sudan", level=3, url="/situations/?country=SDN&status=open", situations=2
)
CHAD = CountryRisk(
    iso3="TCD", name="Chad", level=None, url="/situations/?country=TCD", situations=1
)


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own SVG, not untrusted input


def links(root: ET.Element) -> dict[str, ET.Element]:
    return {a.get("data-country"): a for a in root.iter(f"{SVG}a")}


def land_layer(root: ET.Element) -> ET.Element:
    return root.find(f"{SVG}g[@class='worldmap__land']")


def draw(*risks: CountryRisk, **kwargs) -> ET.Element:
    return parse(world_map_svg({r.iso3: r for r in risks}, title="Risk by country", **kwargs))


def test_the_map_is_well_formed_svg_with_a_title_a_description_and_no_inline_style():
    svg = world_map_svg({"SDN": SUDAN}, title="Highest current risk, 24 Nov 2026")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    # With links inside, a group: the img role would hide the links from screen readers.
    assert root.get("role") == "group"
    assert root.get("aria-labelledby") == "worldmap-title"
    assert root.get("aria-describedby") == "worldmap-desc"
    assert len(root.get("viewBox").split()) == 4
    assert root.find(f"{SVG}title").text == "Highest current risk, 24 Nov 2026"
    assert root.find(f"{SVG}desc").get("id") == "worldmap-desc"
    # The CSP allows neither inline style nor script.
    for element in root.iter():
        assert "style" not in element.attrib
        assert not [name for name in element.attrib if name.lower().startswith("on")]
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")


def test_a_shaded_country_is_a_link_to_its_situations_filled_with_its_level_colour():
    root = draw(SUDAN)
    sudan = links(root)["SDN"]
    assert sudan.get("href") == "/situations/?country=SDN&status=open"
    assert sudan.get("class") == "worldmap__link"
    assert sudan.find(f"{SVG}title").text == "Sudan: high risk (2 situations)"
    assert sudan.get("aria-label") == "Sudan: high risk (2 situations)"
    shape = sudan.find(f"{SVG}g[@class='worldmap__shape']")
    assert shape.get("fill") == LEVEL_COLOURS[RiskLevel.HIGH] == "#fd8d3c"
    assert shape.findall(f".//{SVG}path")
    # Drawn once, as a link: not also in the grey land under it.
    assert land_layer(root).find(f"{SVG}g[@data-country='sd']") is None


def test_each_level_has_its_colour_and_no_approved_assessment_is_hatched_grey():
    risks = [
        CountryRisk(iso3=code, name=code, level=level, url=f"/s/{code}", situations=1)
        for code, level in [("MLI", 1), ("BFA", 2), ("NER", 3), ("MMR", 4), ("TCD", None)]
    ]
    root = draw(*risks)
    fills = {
        code: a.find(f"{SVG}g[@class='worldmap__shape']").get("fill")
        for code, a in links(root).items()
    }
    assert fills == {
        "MLI": "#ffffb2",
        "BFA": "#fecc5c",
        "NER": "#fd8d3c",
        "MMR": "#e31a1c",
        "TCD": "url(#worldmap-hatch)",
    }
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert pattern.get("id") == "worldmap-hatch"
    assert pattern.find(f"{SVG}line") is not None
    assert links(root)["TCD"].get("aria-label") == "TCD: no approved assessment (1 situation)"


def test_countries_not_in_the_input_are_grey_and_are_not_links():
    root = draw(SUDAN)
    land = land_layer(root)
    assert land.get("fill") == LAND_FILL
    greys = {g.get("data-country") for g in land.findall(f"{SVG}g[@data-country]")}
    assert {"fr", "td", "ss", "br"} <= greys
    assert len(greys) == len(mapped_alpha2_codes()) - 1  # all but Sudan
    assert land.find(f".//{SVG}a") is None
    assert list(links(root)) == ["SDN"]
    # No grey country carries a colour of its own.
    assert not [g for g in land.iter() if g is not land and "fill" in g.attrib]


def test_the_level_words_are_written_in_the_legend_and_the_description():
    root = draw(SUDAN, CHAD)
    legend = root.find(f"{SVG}g[@class='worldmap__legend']")
    words = [text.text for text in legend.iter(f"{SVG}text")]
    assert words == [
        "Highest current risk:",
        "Low",
        "Moderate",
        "High",
        "Very high",
        "No approved assessment",
        "Not monitored",
    ]
    swatches = [rect.get("fill") for rect in legend.iter(f"{SVG}rect")]
    assert swatches == [*LEVEL_COLOURS.values(), "url(#worldmap-hatch)", LAND_FILL]
    desc = root.find(f"{SVG}desc").text
    assert desc == (
        "2 countries shaded by their highest current risk level, each a link to its situations. "
        "High: Sudan (2 situations). No approved assessment: Chad (1 situation)."
    )


def test_names_titles_and_urls_with_markup_are_escaped():
    tricky = CountryRisk(
        iso3="CIV",
        name='Côte <b>d\'Ivoire</b> & "co"',
        level=4,
        url='/situations/?country=CIV&q="><script>x</script>',
        situations=1,
    )
    svg = world_map_svg({"CIV": tricky}, title="Risk <em>now</em> & then")
    assert "<b>" not in svg and "<script>" not in svg and "<em>" not in svg
    root = parse(svg)  # would fail on a stray & or <
    link = links(root)["CIV"]
    assert link.get("href") == '/situations/?country=CIV&q="><script>x</script>'
    assert link.find(f"{SVG}title").text == (
        'Côte <b>d\'Ivoire</b> & "co": very high risk (1 situation)'
    )
    assert root.find(f"{SVG}title").text == "Risk <em>now</em> & then"
    assert 'Very high: Côte <b>d\'Ivoire</b> & "co" (1 situation).' in root.find(f"{SVG}desc").text


def test_an_unknown_code_is_not_drawn_and_is_named_in_the_description():
    atlantis = CountryRisk(iso3="ZZZ", name="Atlantis", level=2, url="/s/zzz", situations=1)
    antarctica = CountryRisk(iso3="ATA", name="Antarctica", level=1, url="/s/ata", situations=1)
    root = draw(SUDAN, atlantis, antarctica)
    assert list(links(root)) == ["SDN"]
    assert root.find(f"{SVG}desc").text.endswith(
        " Not drawn on the map: Antarctica (ATA, no shape on this map); "
        "Atlantis (ZZZ, unknown country code)."
    )


def test_a_map_with_nothing_shaded_is_a_plain_image_that_says_so():
    root = draw()
    assert root.get("role") == "img"
    assert root.find(f"{SVG}desc").text == "No country is shaded."
    assert not links(root)
    assert len(land_layer(root).findall(f"{SVG}g[@data-country]")) == len(mapped_alpha2_codes())


def test_sudan_south_sudan_and_kosovo_are_separate_countries_on_the_map():
    assert country_alpha2("XKX") == "XK" and country_alpha2("ssd") == "SS"
    risks = [
        CountryRisk(iso3="SDN", name="Sudan", level=3, url="/s/sdn", situations=2),
        CountryRisk(iso3="SSD", name="South Sudan", level=4, url="/s/ssd", situations=1),
        CountryRisk(iso3="XKX", name="Kosovo", level=1, url="/s/xkx", situations=1),
    ]
    found = links(draw(*risks))
    assert set(found) == {"SDN", "SSD", "XKX"}
    sudan = found["SDN"].find(f".//{SVG}path").get("d")
    assert sudan != found["SSD"].find(f".//{SVG}path").get("d")
    # Every country of the UN tables but Antarctica has a shape.
    missing = {code for code, _ in country_choices() if country_alpha2(code) is None}
    missing |= {
        code
        for code, _ in country_choices()
        if country_alpha2(code) and country_alpha2(code) not in mapped_alpha2_codes()
    }
    assert missing == {"ATA"}


def test_small_states_are_marked_by_a_circle_only_when_shaded():
    root = draw(CountryRisk(iso3="QAT", name="Qatar", level=2, url="/s/qat", situations=1))
    assert links(root)["QAT"].find(f".//{SVG}circle") is not None
    assert land_layer(root).find(f".//{SVG}circle") is None


def test_the_highest_risk_comes_first_for_the_tab_key_then_by_name():
    risks = [
        CountryRisk(iso3="MLI", name="Mali", level=2, url="/s/mli", situations=1),
        CountryRisk(iso3="TCD", name="Chad", level=None, url="/s/tcd", situations=1),
        CountryRisk(iso3="MMR", name="Myanmar", level=4, url="/s/mmr", situations=1),
        CountryRisk(iso3="BFA", name="Burkina Faso", level=2, url="/s/bfa", situations=1),
    ]
    assert list(links(draw(*risks))) == ["MMR", "BFA", "MLI", "TCD"]


def test_two_maps_on_one_page_keep_their_ids_apart():
    root = draw(CHAD, map_id="sahel-map")
    assert root.get("id") == "sahel-map"
    assert root.get("aria-labelledby") == "sahel-map-title"
    assert root.find(f"{SVG}defs/{SVG}pattern").get("id") == "sahel-map-hatch"
    shape = links(root)["TCD"].find(f"{SVG}g[@class='worldmap__shape']")
    assert shape.get("fill") == "url(#sahel-map-hatch)"
    with pytest.raises(ValueError, match="map_id"):
        world_map_svg({}, title="x", map_id='a" onload="x')


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"level": 5}, "level of SDN: 5 is not a risk level"),
        ({"level": 0}, "level of SDN: 0 is not a risk level"),
        ({"level": True}, "level of SDN: True is not a risk level"),
        ({"situations": -1}, "situations of SDN: -1 is below zero"),
        ({"url": "javascript:alert(1)"}, "url of SDN: only http"),
        ({"url": " JavaScript:alert(1)"}, "url of SDN: only http"),
        ({"url": "data:text/html,x"}, "url of SDN: only http"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_field(changes, message):
    fields = {"iso3": "SDN", "name": "Sudan", "level": 3, "url": "/s", "situations": 1} | changes
    with pytest.raises(ValueError, match=re.escape(message)):
        CountryRisk(**fields)


def test_the_scale_follows_the_risk_levels_and_their_words():
    assert list(LEVEL_COLOURS) == [level.value for level in RiskLevel]
    assert LEVEL_WORDS == {1: "Low", 2: "Moderate", 3: "High", 4: "Very high"}
    assert NO_ASSESSMENT_WORD == "No approved assessment"


def test_the_map_of_200_countries_is_drawn_in_well_under_50_ms():
    codes = [code for code, _ in country_choices()][:200]
    countries = {
        code: CountryRisk(
            iso3=code, name=name, level=(None, 1, 2, 3, 4)[i % 5], url=f"/s/{code}", situations=i
        )
        for i, (code, name) in enumerate(country_choices()[:200])
    }
    assert len(countries) == len(codes) == 200
    world_map_svg(countries, title="warm-up")  # the shapes are parsed once per process
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        svg = world_map_svg(countries, title="Risk")
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.05
    assert len(links(parse(svg))) == 199  # all but Antarctica


# --- Shortened path data -----------------------------------------------------------------------

_ARITY = {"m": 2, "l": 2, "t": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "z": 0}


def absolute_points(d: str) -> list[tuple[float, float]]:
    """Every point a path names (control points too), in absolute coordinates."""
    tokens = re.findall(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)", d)
    points: list[tuple[float, float]] = []
    x = y = sx = sy = 0.0
    command, i = "", 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "zZ":
                x, y = sx, sy
                points.append((x, y))
                continue
        kind, relative = command.lower(), command.islower()
        args = [float(t) for t in tokens[i : i + _ARITY[kind]]]
        i += _ARITY[kind]
        if kind == "h":
            x = args[0] + (x if relative else 0)
            points.append((x, y))
        elif kind == "v":
            y = args[0] + (y if relative else 0)
            points.append((x, y))
        else:
            ox, oy = (x, y) if relative else (0.0, 0.0)
            for j in range(0, len(args), 2):
                points.append((args[j] + ox, args[j + 1] + oy))
            x, y = points[-1]
        if kind == "m":
            sx, sy = x, y
            command = "l" if relative else "L"
    return points


def test_shortened_path_data_moves_no_point_by_more_than_the_rounding_even_after_many_steps():
    rng = random.Random(7)
    parts = ["m 1204.3137,412.0071"]
    for n in range(3000):
        kind = ("c", "l", "h", "v", "s", "C", "L", "z m")[n % 8]
        count = {"c": 6, "l": 2, "h": 1, "v": 1, "s": 4, "C": 6, "L": 2, "z m": 2}[kind]
        if kind.isupper():
            numbers = [rng.uniform(0, 2000) for _ in range(count)]
        else:
            numbers = [rng.uniform(-1.5, 1.5) for _ in range(count)]
        parts.append(kind + " " + ",".join(f"{value:.5f}" for value in numbers))
    d = " ".join(parts)
    short, span = _shorten(d)
    original, rounded = absolute_points(d), absolute_points(short)
    assert len(rounded) == len(original)
    pairs = zip(original, rounded, strict=True)
    drift = max(max(abs(x1 - x2), abs(y1 - y2)) for (x1, y1), (x2, y2) in pairs)
    assert drift <= 0.05 + 1e-6  # half a tenth: rounding, never accumulating
    assert len(short) < len(d) * 0.6
    ys = [y for _, y in original]
    assert span is not None and min(ys) <= span[0] and span[1] <= max(ys)


def test_shortened_numbers_are_written_compactly_and_read_back_the_same():
    short, _ = _shorten("M 10.04,-0.52 l 0.24,-0.26 0.31,0.12 h -2.01 v 0.57 z")
    # A line after a moveto's first pair is written as one; a number keeps only what it needs.
    assert short == "M10-.5l.3-.3l.3.1h-2v.6z"
    flat = [value for point in absolute_points(short) for value in point]
    assert flat == pytest.approx([10, -0.5, 10.3, -0.8, 10.6, -0.7, 8.6, -0.7, 8.6, -0.1, 10, -0.5])
