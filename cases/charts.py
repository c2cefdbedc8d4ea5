"""Charts drawn on the server as inline SVG: no script, no remote asset, readable in print and PDF.

Each chart comes with its text alternative: a <title> and a <desc> inside the SVG, and the same
figures as rows for a small table that the page puts beside it for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cases.models import Category

# Paul Tol's "muted" scheme (distinguishable with the common colour-vision deficiencies), then
# Okabe-Ito orange, and a neutral grey for "other". One category keeps its colour everywhere.
CATEGORY_COLOURS: dict[str, str] = {
    Category.VIOLENCE_AGAINST_CIVILIANS: "#882255",
    Category.ARMED_CLASH: "#332288",
    Category.INCITEMENT: "#DDCC77",
    Category.DETENTION_DISAPPEARANCE: "#117733",
    Category.FORCED_DISPLACEMENT: "#88CCEE",
    Category.SEXUAL_VIOLENCE: "#CC6677",
    Category.ATTACK_ON_HUMANITARIANS: "#44AA99",
    Category.CIVIC_SPACE: "#999933",
    Category.ARMED_MOBILISATION: "#AA4499",
    Category.ELECTION_VIOLENCE: "#E69F00",
    Category.OTHER: "#BBBBBB",
}

WIDTH, HEIGHT = 760, 250
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 14, 44


@dataclass
class WeekRow:
    week: date
    counts: dict[str, int]
    # The counts in the order of the legend, for the table beside the chart.
    cells: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class LegendEntry:
    category: str
    label: str
    colour: str
    total: int

    @property
    def swatch(self) -> SafeString:
        # A tiny SVG rather than a styled span: the CSP forbids inline style attributes.
        return mark_safe(  # noqa: S308 - the colour comes from CATEGORY_COLOURS, not from input
            '<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
            f'<rect width="12" height="12" fill="{escape(self.colour)}"/></svg>'
        )


@dataclass
class WeeklyChart:
    """A stacked bar chart of signals per week and category, with its text alternative."""

    svg: SafeString
    title: str
    description: str
    weeks: list[WeekRow]
    legend: list[LegendEntry] = field(default_factory=list)

    @property
    def rows_with_signals(self) -> list[WeekRow]:
        return [row for row in self.weeks if row.total]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.weeks)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _nice_ceiling(value: int) -> int:
    """A round axis maximum at or above `value`: 1, 2, 5, 10, 20, 50, ..."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(maximum: int) -> list[int]:
    if maximum <= 5:
        return list(range(0, maximum + 1))
    step = maximum // 5 if maximum % 5 == 0 else _nice_ceiling(maximum // 4)
    return list(range(0, maximum + 1, step))


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def weekly_category_chart(
    weekly: Iterable[dict], *, end: date, weeks: int = 26, chart_id: str = "weekly-chart"
) -> WeeklyChart:
    """Draw `weekly` rows ({"week": date, "category": str, "count": int}) as stacked bars.

    Every week from `weeks` weeks before `end` to the week of `end` gets a slot, so quiet weeks
    show as gaps rather than disappearing; weeks outside that range present in the data are kept.
    """
    counts: dict[date, dict[str, int]] = {}
    for row in weekly:
        week = row["week"]
        if hasattr(week, "date") and callable(week.date):
            week = week.date()
        week = monday(week)
        per_week = counts.setdefault(week, {})
        per_week[row["category"]] = per_week.get(row["category"], 0) + int(row["count"])

    first = monday(end - timedelta(weeks=weeks))
    slots = [first + timedelta(weeks=i) for i in range((monday(end) - first).days // 7 + 1)]
    slots = sorted(set(slots) | set(counts))
    rows = [WeekRow(week=w, counts=counts.get(w, {})) for w in slots]

    order = list(CATEGORY_COLOURS)
    present = [c for c in order if any(row.counts.get(c) for row in rows)]
    present += sorted({c for row in rows for c in row.counts} - set(order))
    labels = dict(Category.choices)
    legend = [
        LegendEntry(
            category=c,
            label=labels.get(c, c),
            colour=CATEGORY_COLOURS.get(c, "#777777"),
            total=sum(row.counts.get(c, 0) for row in rows),
        )
        for c in present
    ]

    for row in rows:
        row.cells = [row.counts.get(entry.category, 0) for entry in legend]
    total = sum(row.total for row in rows)
    title = f"Linked signals per week and category, {_day(slots[0])} to {_day(slots[-1])}"
    if total:
        busiest = max(rows, key=lambda r: r.total)
        parts = ", ".join(f"{entry.label} {entry.total}" for entry in legend)
        description = (
            f"{total} signals over {len(rows)} weeks. By category: {parts}. "
            f"Busiest week: {_day(busiest.week)} with {busiest.total}."
        )
    else:
        description = f"No linked signals in these {len(rows)} weeks."

    svg = _draw(rows, present, title, description, chart_id)
    return WeeklyChart(svg=svg, title=title, description=description, weeks=rows, legend=legend)


def _draw(
    rows: list[WeekRow], categories: list[str], title: str, description: str, chart_id: str
) -> SafeString:
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = _nice_ceiling(max((row.total for row in rows), default=0))
    slot = plot_w / max(len(rows), 1)
    bar_w = max(slot * 0.72, 1.0)
    labels = dict(Category.choices)

    def y(value: float) -> float:
        return MARGIN_TOP + plot_h - plot_h * value / top

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    ticks = _ticks(top)
    out.append('<g class="chart__grid" stroke="#e1e5e9" stroke-width="1">')
    for tick in ticks:
        out.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
        )
    out.append("</g>")

    out.append('<g class="chart__bars" stroke="#ffffff" stroke-width="0.5">')
    for index, row in enumerate(rows):
        x = MARGIN_LEFT + index * slot + (slot - bar_w) / 2
        base = 0
        for category in categories:
            count = row.counts.get(category, 0)
            if not count:
                continue
            y_top, y_bottom = y(base + count), y(base)
            label = labels.get(category, category)
            colour = CATEGORY_COLOURS.get(category, "#777777")
            out.append(
                f'<rect class="chart__bar" x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                f'height="{y_bottom - y_top:.1f}" fill="{colour}" '
                f'data-week="{row.week.isoformat()}" data-category="{escape(category)}" '
                f'data-count="{count}">'
                f"<title>Week of {_day(row.week)}: {escape(label)}, {count}</title></rect>"
            )
            base += count
    out.append("</g>")

    axis_y = MARGIN_TOP + plot_h
    out.append(
        f'<line class="chart__axis" stroke="#555d66" x1="{MARGIN_LEFT}" '
        f'x2="{WIDTH - MARGIN_RIGHT}" y1="{axis_y}" y2="{axis_y}"/>'
    )
    out.append('<g class="chart__ticks" fill="#555d66">')
    for tick in ticks:
        out.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    # A date under every few weeks keeps the axis legible whatever the range.
    every = max(1, math.ceil(len(rows) / 9))
    for index, row in enumerate(rows):
        if index % every:
            continue
        cx = MARGIN_LEFT + index * slot + slot / 2
        out.append(
            f'<text x="{cx:.1f}" y="{axis_y + 15}" text-anchor="middle">'
            f"{row.week.day} {row.week:%b}</text>"
        )
    out.append("</g>")
    middle = MARGIN_TOP + plot_h / 2
    out.append(
        f'<g class="chart__labels" fill="#1b1f24" font-size="12">'
        f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
        "Week starting (Monday), by date of the event</text>"
        f'<text x="12" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {middle:.1f})">Signals</text></g>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated text is escaped above
