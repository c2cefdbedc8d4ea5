"""The server-rendered SVG chart of a situation's signals per week and category."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.charts import CATEGORY_COLOURS, monday, weekly_category_chart
from cases.models import Category

SVG = "{http://www.w3.org/2000/svg}"
END = date(2026, 3, 18)  # a Wednesday
WEEK = monday(END)

WEEKLY = [
    {"week": WEEK - timedelta(weeks=3), "category": "armed_clash", "count": 4},
    {"week": WEEK - timedelta(weeks=3), "category": "violence_against_civilians", "count": 2},
    {"week": WEEK - timedelta(weeks=1), "category": "incitement", "count": 1},
    {"week": WEEK, "category": "armed_clash", "count": 3},
]


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own SVG, not untrusted input


def test_the_chart_is_well_formed_svg_with_a_title_and_a_description():
    chart = weekly_category_chart(WEEKLY, end=END, weeks=8, chart_id="c")
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-title c-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.get("id") == "c-title" and title.text.startswith("Linked signals per week")
    assert desc.get("id") == "c-desc"
    assert desc.text == (
        "10 signals over 9 weeks. By category: Violence against civilians 2, Armed clash 7, "
        "Incitement and hate speech 1. Busiest week: 23 Feb 2026 with 6."
    )


def test_each_week_and_category_gets_one_bar_carrying_its_count():
    chart = weekly_category_chart(WEEKLY, end=END, weeks=8)
    bars = parse(chart).findall(f".//{SVG}rect[@class='chart__bar']")
    found = {(b.get("data-week"), b.get("data-category"), int(b.get("data-count"))) for b in bars}
    assert found == {(r["week"].isoformat(), r["category"], r["count"]) for r in WEEKLY}
    assert len(bars) == len(WEEKLY)
    for bar in bars:
        assert bar.get("fill") == CATEGORY_COLOURS[bar.get("data-category")]
        assert bar.find(f"{SVG}title").text.startswith("Week of ")
    # Stacked: the two bars of one week sit on top of each other, taller for the larger count.
    week = [b for b in bars if b.get("data-week") == WEEKLY[0]["week"].isoformat()]
    clash, civilians = sorted(week, key=lambda b: b.get("data-category"))
    assert float(clash.get("height")) == pytest.approx(2 * float(civilians.get("height")), 0.05)
    assert float(clash.get("y")) + float(clash.get("height")) == pytest.approx(
        float(civilians.get("y")), abs=0.2
    )


def test_quiet_weeks_keep_their_place_and_the_table_rows_follow_the_legend():
    chart = weekly_category_chart(WEEKLY, end=END, weeks=8)
    assert [row.week for row in chart.weeks] == [
        WEEK - timedelta(weeks=n) for n in range(8, -1, -1)
    ]
    assert [entry.category for entry in chart.legend] == [
        "violence_against_civilians",
        "armed_clash",
        "incitement",
    ]
    rows = {row.week: row.cells for row in chart.rows_with_signals}
    assert rows == {
        WEEK - timedelta(weeks=3): [2, 4, 0],
        WEEK - timedelta(weeks=1): [0, 0, 1],
        WEEK: [0, 3, 0],
    }


def test_the_chart_has_axis_labels_and_reaches_nothing_outside_itself():
    chart = weekly_category_chart(WEEKLY, end=END, weeks=8)
    svg = str(chart.svg)
    texts = [t.text for t in parse(chart).iter(f"{SVG}text")]
    assert "Signals" in texts and "Week starting (Monday), by date of the event" in texts
    assert "23 Feb" in texts
    without_namespace = svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(
        r"href|url\(|@import|https?:|<script|<image|<foreignObject", without_namespace
    )


def test_an_empty_chart_says_there_is_nothing_to_draw():
    chart = weekly_category_chart([], end=END, weeks=4)
    root = parse(chart)
    assert root.find(f"{SVG}desc").text == "No linked signals in these 5 weeks."
    assert root.findall(f".//{SVG}rect[@class='chart__bar']") == []
    assert chart.legend == [] and chart.total == 0


def test_text_in_the_chart_is_escaped():
    chart = weekly_category_chart(
        [{"week": WEEK, "category": "<b>&", "count": 1}], end=END, weeks=1, chart_id='x"y'
    )
    root = parse(chart)
    assert root.find(f".//{SVG}rect").get("data-category") == "<b>&"
    assert "<b>&" not in str(chart.svg)


@pytest.mark.django_db
def test_the_situation_page_carries_the_chart_and_its_figures_as_a_table(
    client, analyst, situation, make_signal
):
    this_week = monday(date.today())
    for weeks_ago, category in ((2, Category.ARMED_CLASH), (2, Category.ARMED_CLASH), (0, "other")):
        signal = make_signal(occurred_on=this_week - timedelta(weeks=weeks_ago), category=category)
        services.signal_link(signal=signal, situation=situation, actor=analyst)
    client.force_login(analyst)
    page = client.get(reverse("cases:situation-detail", args=[situation.pk])).content.decode()
    svg = re.search(r"<svg xmlns=.*?</svg>", page, re.S).group(0)
    root = ET.fromstring(svg)  # noqa: S314 - the page's own SVG, not untrusted input
    bars = root.findall(f".//{SVG}rect[@class='chart__bar']")
    assert {(b.get("data-category"), b.get("data-count")) for b in bars} == {
        ("armed_clash", "2"),
        ("other", "1"),
    }
    table = re.search(r'<details class="chart-data">.*?</details>', page, re.S).group(0)
    rows = re.findall(r'<th scope="row" class="nowrap">([^<]+)</th>(.*?)</tr>', table, re.S)
    cells = {week: re.findall(r'<td class="num">(\d+)</td>', rest) for week, rest in rows}
    two_weeks_ago = this_week - timedelta(weeks=2)
    assert cells == {
        f"{two_weeks_ago.day} {two_weeks_ago:%b %Y}": ["2", "0", "2"],
        f"{this_week.day} {this_week:%b %Y}": ["0", "1", "1"],
    }
