"""The risk trend of a situation and the portfolio heat map, drawn on the server as SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.charts import LEVEL_LETTERS, heatmap_svg, trend_svg
from assessments.scale import RISK_COLOURS
from assessments.selectors import Heatmap, HeatmapRow, TrendPoint, month_starts
from tests.assessments.conftest import judge

SVG = "{http://www.w3.org/2000/svg}"
UNTIL = date(2026, 9, 1)
POINTS = [
    # approved, version, overall, genocide, crimes against humanity, war crimes
    TrendPoint(datetime(2026, 1, 12, 9, tzinfo=UTC), 1, 2, 1, 2, 1),
    TrendPoint(datetime(2026, 3, 2, 15, tzinfo=UTC), 2, 3, 2, 3, 1),
    TrendPoint(datetime(2026, 5, 20, 11, tzinfo=UTC), 3, 4, 4, 3, 2),
]
MONTHS = month_starts(months=3, until=date(2026, 11, 24))


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup, not untrusted input


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def heatmap(*rows: HeatmapRow) -> Heatmap:
    return Heatmap(months=MONTHS, rows=list(rows))


def situation_url(pk: int) -> str:
    return f"/situations/{pk}/"


# --- The trend --------------------------------------------------------------------------------


def test_the_trend_is_well_formed_with_a_title_a_summary_and_the_levels_in_words():
    root = parse(trend_svg(POINTS, title="Risk trend of Central Sahel", until=UNTIL))
    svg = root.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "risk-trend-title risk-trend-desc"
    assert svg.find(f"{SVG}title").text == "Risk trend of Central Sahel"
    assert svg.find(f"{SVG}desc").text == (
        "3 approved versions from 12 Jan 2026 to 20 May 2026. Latest, version 3: overall "
        "Very high; genocide Very high; crimes against humanity High; war crimes Moderate. "
        "The figures of every version follow in a table."
    )
    words = texts(svg)
    for word in ("Low", "Moderate", "High", "Very high"):
        assert word in words
    assert {"1 Feb 2026", "1 Apr 2026", "1 Jun 2026", "1 Aug 2026"} <= set(words)


def test_the_overall_line_is_bold_and_each_crime_line_has_its_own_dashes_and_name():
    root = parse(trend_svg(POINTS, title="Trend", until=UNTIL))
    lines = {path.get("class").split("--")[1]: path for path in root.iter(f"{SVG}path")}
    assert set(lines) == {"overall", "genocide", "crimes_against_humanity", "war_crimes"}
    assert lines["overall"].get("stroke-dasharray") is None
    dashes = {key: lines[key].get("stroke-dasharray") for key in lines if key != "overall"}
    assert None not in dashes.values() and len(set(dashes.values())) == 3
    widths = {key: float(path.get("stroke-width")) for key, path in lines.items()}
    assert widths["overall"] > max(w for k, w in widths.items() if k != "overall")
    # Named at the end of each line and in the legend, not told apart by colour alone.
    words = texts(root)
    for name in ("Overall", "Genocide", "Crimes against humanity", "War crimes"):
        assert words.count(name) == 2, name


def test_the_levels_step_at_each_approval_and_hold_until_the_last_day():
    root = parse(trend_svg(POINTS, title="Trend", until=UNTIL))
    overall = next(p for p in root.iter(f"{SVG}path") if "overall" in p.get("class"))
    steps = re.findall(r"H([\d.]+)V([\d.]+)", overall.get("d"))
    assert len(steps) == 2  # one step up at each later version
    heights = [float(y) for _, y in steps]
    start = float(re.match(r"M[\d.]+ ([\d.]+)", overall.get("d")).group(1))
    assert start > heights[0] > heights[1]  # moderate, then high, then very high: rising
    assert overall.get("d").endswith("H582")  # the right edge: held until `until`
    markers = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert markers[1] == (
        "Version 2, approved 2 Mar 2026: overall High; genocide Moderate; "
        "crimes against humanity High; war crimes Low"
    )


def test_the_figures_table_lists_every_version_for_screen_readers():
    root = parse(trend_svg(POINTS, title="Trend", until=UNTIL))
    # Hidden in a block: a table itself ignores the 1px width and would widen the page.
    hidden = root.find("div")
    assert hidden.get("class") == "visually-hidden"
    table = hidden.find("table")
    rows = [["".join(cell.itertext()) for cell in row] for row in table.iter("tr")]
    assert rows == [
        ["Approved on", "Version", "Overall", "Genocide", "Crimes against humanity", "War crimes"],
        ["12 Jan 2026", "1", "Moderate", "Low", "Moderate", "Low"],
        ["2 Mar 2026", "2", "High", "Moderate", "High", "Low"],
        ["20 May 2026", "3", "Very high", "Very high", "High", "Moderate"],
    ]


def test_a_single_version_approved_today_still_draws_a_line():
    point = TrendPoint(datetime(2026, 9, 1, 8, tzinfo=UTC), 1, 1, 1, 1, 1)
    root = parse(trend_svg([point], title="Trend", until=UNTIL))
    assert len(list(root.iter(f"{SVG}path"))) == 4
    assert root.find(f".//{SVG}desc").text.startswith("1 approved version from 1 Sep 2026")


def test_without_an_approved_version_the_trend_is_a_sentence():
    markup = str(trend_svg([], title="Trend"))
    assert markup == '<p class="chart-empty">No approved assessment yet.</p>'


def test_the_trend_escapes_its_title_and_reaches_nothing_outside_itself():
    markup = str(trend_svg(POINTS, title="Sahel <script> & co", until=UNTIL))
    root = parse(markup)
    assert root.find(f".//{SVG}title").text == "Sahel <script> & co"
    assert "<script" not in markup and "Sahel &lt;script&gt; &amp; co" in markup
    without_namespace = markup.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"href|url\(|https?:|style=|<image|<foreignObject", without_namespace)


def test_a_chart_id_that_is_not_a_plain_name_is_refused():
    with pytest.raises(ValueError, match="chart_id"):
        trend_svg(POINTS, title="Trend", chart_id='x" onload="alert(1)')


# --- The heat map -----------------------------------------------------------------------------


def test_each_row_is_a_link_with_the_reference_and_title_and_each_cell_has_its_initial():
    root = parse(
        heatmap_svg(
            heatmap(
                HeatmapRow(7, "SIT-0007", "Central Sahel", [None, 2, 4]),
                HeatmapRow(9, "SIT-0009", "Great Lakes", [1, 1, 3]),
            ),
            title="Portfolio",
            url_for=situation_url,
        )
    )
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/situations/7/", "/situations/9/"]
    assert ["".join(a.find(f"{SVG}text").itertext()) for a in links] == [
        "SIT-0007 Central Sahel",
        "SIT-0009 Great Lakes",
    ]
    rows = root.findall(f".//{SVG}g[@class='heatmap__row']")
    letters = [[t.text for t in row.iter(f"{SVG}text") if t.text != row[0][1].text] for row in rows]
    assert letters == [["\u2013", "M", "VH"], ["L", "L", "H"]]
    assert [t.text for t in root.find(f".//{SVG}g[@class='heatmap__months']")] == [
        "Sep 2026",
        "Oct 2026",
        "Nov 2026",
    ]


def test_cells_take_the_colour_of_their_level_and_months_without_a_level_are_hatched():
    root = parse(
        heatmap_svg(
            heatmap(HeatmapRow(7, "SIT-0007", "Central Sahel", [None, 2, 2])),
            title="Portfolio",
            url_for=situation_url,
            chart_id="hm",
        )
    )
    assert root.find(f".//{SVG}pattern").get("id") == "hm-hatch"
    cells = root.find(f".//{SVG}g[@class='heatmap__row']").findall(f"{SVG}rect")
    # Two months at one level share a rectangle twice as wide, with the run's tooltip.
    assert [(c.get("fill"), c.find(f"{SVG}title").text) for c in cells] == [
        ("url(#hm-hatch)", "SIT-0007, Sep 2026: No approved assessment"),
        (RISK_COLOURS[2][0], "SIT-0007, Oct 2026 to Nov 2026: Moderate"),
    ]
    assert float(cells[1].get("width")) > 1.9 * float(cells[0].get("width"))


def test_the_legend_writes_every_level_in_words_beside_its_initial():
    root = parse(
        heatmap_svg(
            heatmap(HeatmapRow(1, "SIT-0001", "Sahel", [1, 2, 3])),
            title="Portfolio",
            url_for=situation_url,
        )
    )
    legend = [t.text for t in root.find(f".//{SVG}g[@class='heatmap__legend']")[1:]]
    legend = [t for t in legend if t]
    assert legend == [
        "L",
        "Low",
        "M",
        "Moderate",
        "H",
        "High",
        "VH",
        "Very high",
        "\u2013",
        "No approved assessment",
    ]
    assert LEVEL_LETTERS == {1: "L", 2: "M", 3: "H", 4: "VH"}


def test_the_description_explains_the_cells_and_counts_the_last_month():
    root = parse(
        heatmap_svg(
            heatmap(
                HeatmapRow(1, "SIT-0001", "Sahel", [1, 2, 4]),
                HeatmapRow(2, "SIT-0002", "Lakes", [None, None, 4]),
                HeatmapRow(3, "SIT-0003", "Coast", [None, None, None]),
            ),
            title="Portfolio",
            url_for=situation_url,
        )
    )
    svg = root
    assert svg.get("aria-labelledby") == "heatmap-title"
    assert svg.get("aria-describedby") == "heatmap-desc"
    # With links inside, the chart is a group: an image would hide them from screen readers.
    assert svg.get("role") == "group"
    desc = svg.find(f"{SVG}desc").text
    assert desc.startswith("3 situations by month, Sep 2026 to Nov 2026.")
    assert "L low, M moderate, H high, VH very high" in desc
    assert desc.endswith("At the end of Nov 2026: 2 very high, 1 without an approved assessment.")


def test_titles_and_links_are_escaped_and_a_script_link_is_refused():
    markup = str(
        heatmap_svg(
            heatmap(HeatmapRow(1, "SIT-<1>", "Tom & Jerry <b>valley</b>", [1, 1, 1])),
            title="Portfolio <&>",
            url_for=lambda pk: f"/situations/{pk}/?a=1&b=2",
        )
    )
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "Portfolio <&>"
    link = root.find(f".//{SVG}a")
    assert link.get("href") == "/situations/1/?a=1&b=2"
    assert link.find(f"{SVG}title").text == "SIT-<1> Tom & Jerry <b>valley</b>"
    assert "<b>" not in markup and "&amp;b=2" in markup
    # Nothing outside the page: the only links are the rows', the only url() the hatching.
    without_namespace = markup.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert re.findall(r'href="([^"]*)"', without_namespace) == ["/situations/1/?a=1&amp;b=2"]
    assert set(re.findall(r"url\([^)]*\)", markup)) == {"url(#heatmap-hatch)"}
    assert not re.search(r"https?:|style=|<script|<image|<foreignObject", without_namespace)
    with pytest.raises(ValueError, match="only http"):
        heatmap_svg(
            heatmap(HeatmapRow(1, "SIT-1", "Sahel", [1, 1, 1])),
            title="Portfolio",
            url_for=lambda pk: "javascript:alert(1)",
        )


def test_a_long_title_is_shortened_in_the_row_and_kept_whole_in_the_tooltip():
    title = "Northern coastal townships and the islands off the coast of the bay"
    root = parse(
        heatmap_svg(
            heatmap(HeatmapRow(1, "SIT-0001", title, [1, 1, 1])),
            title="Portfolio",
            url_for=situation_url,
        )
    )
    link = root.find(f".//{SVG}a")
    shown = "".join(link.find(f"{SVG}text").itertext())
    assert shown.endswith("…") and len(shown) < len(title)
    assert link.find(f"{SVG}title").text == f"SIT-0001 {title}"


def test_an_empty_portfolio_is_a_sentence():
    markup = heatmap_svg(heatmap(), title="Portfolio", url_for=situation_url)
    assert str(markup) == '<p class="chart-empty">No situations to show.</p>'


def test_a_thousand_situations_by_twelve_months_build_as_one_well_formed_chart():
    months = month_starts(months=12, until=date(2026, 11, 24))
    levels = [None, 1, 2, 3, 4]
    rows = [
        HeatmapRow(n, f"SIT-{n:04d}", f"Situation {n}", [levels[(n + m) % 5] for m in range(12)])
        for n in range(1000)
    ]
    markup = heatmap_svg(Heatmap(months, rows), title="Portfolio", url_for=situation_url)
    root = parse(markup)
    assert len(root.findall(f".//{SVG}a")) == 1000
    assert len(root.findall(f".//{SVG}g[@class='heatmap__row']")) == 1000
    letters = [t.text for t in root.iter(f"{SVG}text") if t.text in {"L", "M", "H", "VH", "\u2013"}]
    assert len(letters) == 1000 * 12 + 5  # every cell, and the legend


# --- From the database ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_approved_assessment_shows_in_the_trend_and_the_heat_map(
    draft, situation, analyst, senior_analyst
):
    judge(draft, analyst, 11, "moderate")
    judge(draft, analyst, 1, "low")
    judgment = draft.judgments.get(factor__number=11)
    services.flags_acknowledge(
        judgment=judgment, actor=analyst, note="Reported by the field office by telephone"
    )
    services.assessment_submit(assessment=draft, actor=analyst)
    services.assessment_approve(assessment=draft, actor=senior_analyst)

    points = selectors.risk_trend(situation=situation, user=senior_analyst)
    root = parse(trend_svg(points, title=f"Risk trend of {situation.title}"))
    assert root.find(f".//{SVG}desc").text.startswith("1 approved version from ")
    assert [cell.text for cell in root.find("div/table").iter("td")] == [
        "1",
        "Moderate",
        "Low",
        "Moderate",
        "Low",
    ]

    def url(pk: int) -> str:
        return reverse("cases:situation-detail", args=[pk])

    grid = selectors.portfolio_heatmap(user=senior_analyst, months=12)
    root = parse(heatmap_svg(grid, title="Portfolio", url_for=url))
    assert root.find(f".//{SVG}a").get("href") == url(situation.pk)
    row = root.find(f".//{SVG}g[@class='heatmap__row']")
    assert [t.text for t in row.findall(f"{SVG}g/{SVG}text")][-1] == "M"
