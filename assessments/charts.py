"""Risk charts drawn on the server as inline SVG: a situation's trend and the portfolio heat map.

The same rules as cases/charts.py: no script, no inline style, no remote asset (presentation
attributes only, so the CSP holds and the SVG prints and goes into PDFs as vectors), and a text
alternative with every chart. Levels take their colours and words from assessments/scale.py, the
one risk scale; the colour is never the only cue (a word or its initial is always written).

Both return markup that is also well-formed XML, so tests parse it and a PDF renderer can too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessments.models import RiskLevel
from assessments.scale import RISK_WORDS, risk_colour
from assessments.selectors import Heatmap, TrendPoint

INK = "#1b1f24"
MUTED = "#555d66"
GRID = "#e1e5e9"
OUTLINE = "#333333"
# "No approved assessment": grey hatched with a darker grey, unlike any colour of the scale
# (the same pattern as the world map's).
HATCH_GROUND = risk_colour(None)[0]
HATCH_LINE = "#9aa3ad"  # light enough for the dash written on it to stand out
NO_ASSESSMENT = "No approved assessment"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_SAFE_SCHEMES = {"", "http", "https"}

# The initial of each level written in heat-map cells (and explained in the legend).
LEVEL_LETTERS: dict[int, str] = {
    RiskLevel.LOW: "L",
    RiskLevel.MODERATE: "M",
    RiskLevel.HIGH: "H",
    RiskLevel.VERY_HIGH: "VH",
}
NONE_MARK = "\u2013"  # an en dash: "no level", not a minus


def day_label(value: date | datetime) -> str:
    """ "24 Nov 2026": unambiguous in every locale."""
    return f"{value.day} {value:%b %Y}"


def month_label(value: date) -> str:
    return f"{value:%b %Y}"


def _check_id(chart_id: str) -> str:
    if not _ID.fullmatch(chart_id):
        raise ValueError(
            f"chart_id {chart_id!r}: letters, digits, - and _, starting with a letter."
        )
    return chart_id


def _empty(sentence: str) -> SafeString:
    return mark_safe(f'<p class="chart-empty">{escape(sentence)}</p>')  # noqa: S308 - escaped


def _num(value: float) -> str:
    """Coordinates with one decimal at most: "12", "12.5"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- The trend of one situation -------------------------------------------------------------------

TREND_WIDTH, TREND_HEIGHT = 760, 290
T_LEFT, T_RIGHT, T_TOP, T_BOTTOM = 92, 178, 18, 82
T_PLOT_W = TREND_WIDTH - T_LEFT - T_RIGHT
T_PLOT_H = TREND_HEIGHT - T_TOP - T_BOTTOM


class _Series:
    def __init__(self, key: str, label: str, colour: str, width: float, dash: str, offset: float):
        self.key, self.label, self.colour = key, label, colour
        self.width, self.dash, self.offset = width, dash, offset


# The overall line is bold and solid; each crime type has its own dash pattern (and a colour of
# Paul Tol's muted scheme, which only helps). Crime lines run a few pixels above or below the
# level they mark, so that equal levels never hide one line behind another.
SERIES = (
    _Series("overall", "Overall", INK, 3.5, "", 0),
    _Series("genocide", "Genocide", "#882255", 2, "7 4", -12),
    _Series("crimes_against_humanity", "Crimes against humanity", "#332288", 2, "2 3", -6),
    _Series("war_crimes", "War crimes", "#117733", 2, "10 3 2 3", 6),
)


def _as_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def _level_y(level: int) -> float:
    return T_TOP + T_PLOT_H * (RiskLevel.VERY_HIGH - level) / (RiskLevel.VERY_HIGH - 1)


def _month_ticks(first: date, last: date) -> list[date]:
    """First days of months inside [first, last], thinned to at most six labels; for a span
    under two months, up to five evenly spaced days."""
    months = []
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        if cursor >= first:
            months.append(cursor)
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    if len(months) >= 2:
        step = math.ceil(len(months) / 6)
        return months[::step]
    span = (last - first).days
    count = min(5, span + 1)
    if count <= 1:
        return [first]
    return sorted({first + timedelta(days=round(span * i / (count - 1))) for i in range(count)})


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as close to `wanted` as possible, at least `gap` apart, within [low, high]."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    previous = low - gap
    for i in order:
        placed[i] = max(wanted[i], previous + gap)
        previous = placed[i]
    overflow = previous - high
    if overflow > 0:
        for i in order:
            placed[i] -= overflow
    return placed


def _point_words(point: TrendPoint) -> str:
    return (
        f"overall {RISK_WORDS[point.overall]}; genocide {RISK_WORDS[point.genocide]}; "
        f"crimes against humanity {RISK_WORDS[point.crimes_against_humanity]}; "
        f"war crimes {RISK_WORDS[point.war_crimes]}"
    )


def trend_svg(
    points: list[TrendPoint],
    *,
    title: str,
    until: date | None = None,
    chart_id: str = "risk-trend",
) -> SafeString:
    """The overall and per-crime levels of a situation over its approved versions, as steps.

    Each level holds from its version's approval until the next one, and the last until `until`
    (today by default). Returns the SVG and, for screen readers, a visually hidden table of the
    figures; a sentence instead when nothing is approved yet.
    """
    _check_id(chart_id)
    if not points:
        return _empty("No approved assessment yet.")
    points = sorted(points, key=lambda p: (p.at, p.version))
    days = [_as_date(p.at) for p in points]
    first = days[0]
    last = max(until or timezone.localdate(), days[-1])
    if last <= first:
        last = first + timedelta(days=1)
    span = (last - first).days

    def x(day: date) -> float:
        return T_LEFT + T_PLOT_W * (day - first).days / span

    latest = points[-1]
    description = (
        f"{len(points)} approved {'version' if len(points) == 1 else 'versions'} from "
        f"{day_label(first)} to {day_label(days[-1])}. Latest, version {latest.version}: "
        f"{_point_words(latest)}. The figures of every version follow in a table."
    )
    out: list[str] = [
        '<div class="chart-figure risk-trend">',
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--trend" id="{chart_id}" '
        f'viewBox="0 0 {TREND_WIDTH} {TREND_HEIGHT}" width="{TREND_WIDTH}" '
        f'height="{TREND_HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]

    # The four levels: a grid line each, the word, and a swatch of the level's colour.
    out.append(f'<g class="chart__levels" fill="{INK}">')
    for level in sorted(RISK_WORDS):
        y = _level_y(level)
        fill, _ = risk_colour(level)
        out.append(
            f'<line x1="{T_LEFT}" x2="{T_LEFT + T_PLOT_W}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<rect x="{T_LEFT - 16}" y="{_num(y - 5)}" width="10" height="10" fill="{fill}" '
            f'stroke="{OUTLINE}" stroke-width="0.75"/>'
            f'<text x="{T_LEFT - 22}" y="{_num(y + 4)}" text-anchor="end">'
            f"{escape(RISK_WORDS[level])}</text>"
        )
    out.append("</g>")

    # The x axis: dates at month starts (or evenly spaced days), a tick at every version.
    axis_y = T_TOP + T_PLOT_H + 14
    out.append(
        f'<g class="chart__ticks" fill="{MUTED}" stroke="{MUTED}">'
        f'<line x1="{T_LEFT}" x2="{T_LEFT + T_PLOT_W}" y1="{axis_y}" y2="{axis_y}"/>'
    )
    for day in days:
        out.append(
            f'<line x1="{_num(x(day))}" x2="{_num(x(day))}" y1="{axis_y}" y2="{axis_y - 5}"/>'
        )
    for tick in _month_ticks(first, last):
        out.append(
            f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{axis_y}" y2="{axis_y + 4}"/>'
            f'<text x="{_num(x(tick))}" y="{axis_y + 16}" text-anchor="middle" stroke="none">'
            f"{day_label(tick)}</text>"
        )
    out.append("</g>")

    # The steps, one path per series; the overall line last, on top.
    ends: list[tuple[_Series, float]] = []
    for series in (*SERIES[1:], SERIES[0]):
        levels = [getattr(p, series.key) for p in points]
        y0 = _level_y(levels[0]) + series.offset
        path = [f"M{_num(x(days[0]))} {_num(y0)}"]
        for day, level in zip(days[1:], levels[1:], strict=True):
            path.append(f"H{_num(x(day))}V{_num(_level_y(level) + series.offset)}")
        path.append(f"H{_num(x(last))}")
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        out.append(
            f'<path class="chart__line chart__line--{series.key}" d="{"".join(path)}" '
            f'fill="none" stroke="{series.colour}" stroke-width="{series.width}"{dash} '
            'stroke-linejoin="round"/>'
        )
        ends.append((series, _level_y(levels[-1]) + series.offset))

    # Each line named at its end, with a leader when the names had to move apart.
    label_x = T_LEFT + T_PLOT_W + 24
    placed = _spread([y for _, y in ends], 13, T_TOP, T_TOP + T_PLOT_H + 8)
    out.append('<g class="chart__line-labels">')
    for (series, y), label_y in zip(ends, placed, strict=True):
        bold = ' font-weight="bold"' if series.key == "overall" else ""
        out.append(
            f'<line x1="{T_LEFT + T_PLOT_W + 2}" y1="{_num(y)}" x2="{label_x - 3}" '
            f'y2="{_num(label_y)}" stroke="{series.colour}" stroke-width="1"/>'
            f'<text x="{label_x}" y="{_num(label_y + 4)}" fill="{series.colour}"{bold}>'
            f"{escape(series.label)}</text>"
        )
    out.append("</g>")

    # A marker at every version on the overall line, with its figures as a tooltip.
    out.append(f'<g class="chart__points" fill="#ffffff" stroke="{INK}" stroke-width="2">')
    for day, point in zip(days, points, strict=True):
        out.append(
            f'<circle cx="{_num(x(day))}" cy="{_num(_level_y(point.overall))}" r="4.5">'
            f"<title>Version {point.version}, approved {day_label(day)}: "
            f"{escape(_point_words(point))}</title></circle>"
        )
    out.append("</g>")

    # The legend: a sample of each line with its name.
    legend_y = TREND_HEIGHT - 16
    out.append(f'<g class="chart__legend" fill="{INK}">')
    cursor = T_LEFT
    for series in SERIES:
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        out.append(
            f'<line x1="{cursor}" x2="{cursor + 30}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{series.colour}" stroke-width="{series.width}"{dash}/>'
            f'<text x="{cursor + 36}" y="{legend_y}">{escape(series.label)}</text>'
        )
        cursor += 36 + round(len(series.label) * 6.4) + 24
    out.append("</g></svg>")

    out.append(
        '<div class="visually-hidden"><table>'
        f"<caption>{escape(title)}: the levels of each approved version</caption>"
        '<thead><tr><th scope="col">Approved on</th><th scope="col">Version</th>'
        + "".join(f'<th scope="col">{escape(series.label)}</th>' for series in SERIES)
        + "</tr></thead><tbody>"
    )
    for day, point in zip(days, points, strict=True):
        cells = "".join(f"<td>{RISK_WORDS[getattr(point, s.key)]}</td>" for s in SERIES)
        out.append(f'<tr><th scope="row">{day_label(day)}</th><td>{point.version}</td>{cells}</tr>')
    out.append("</tbody></table></div></div>")
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped or ours


# --- The portfolio heat map -----------------------------------------------------------------------

LABEL_W = 330
CELL_W, CELL_H, ROW_H = 58, 20, 24
H_RIGHT = 8
LEGEND_H, HEADER_H = 30, 24
TITLE_CHARS = 44  # what fits beside the reference at 11 px


def _short(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def _safe_url(url: str) -> str:
    # A link in the chart must lead to a page, never run anything ("javascript:" and the like).
    if urlsplit(url).scheme.lower() not in _SAFE_SCHEMES:
        raise ValueError(f"{url!r}: only http(s) and site-relative links are drawn.")
    return escape(url)


def _cell_fill(level: int | None, hatch: str) -> str:
    return risk_colour(level)[0] if level is not None else f"url(#{hatch})"


def _heatmap_description(heatmap: Heatmap) -> str:
    months = heatmap.months
    rows = heatmap.rows
    count = f"{len(rows)} {'situation' if len(rows) == 1 else 'situations'}"
    text = (
        f"{count} by month, {month_label(months[0])} to {month_label(months[-1])}. "
        "Each cell is the overall risk level of the latest assessment approved by the end of "
        "the month, written as its initial: L low, M moderate, H high, VH very high; "
        f"{NONE_MARK} and hatched grey: no approved assessment yet. "
        "Each row's name is a link to the situation."
    )
    latest: dict[int | None, int] = {}
    for row in rows:
        latest[row.cells[-1]] = latest.get(row.cells[-1], 0) + 1
    parts = [
        f"{latest[level]} {RISK_WORDS[level].lower()}"
        for level in sorted(RISK_WORDS, reverse=True)
        if latest.get(level)
    ]
    if latest.get(None):
        parts.append(f"{latest[None]} without an approved assessment")
    return text + f" At the end of {month_label(months[-1])}: {', '.join(parts)}."


def heatmap_svg(
    heatmap: Heatmap,
    *,
    title: str,
    url_for: Callable[[int], str],
    chart_id: str = "heatmap",
) -> SafeString:
    """Situations (rows, each a link to `url_for(situation_id)`) by month (columns), each cell
    coloured by the level in force at the month's end and marked with its initial.

    Built as one list of strings joined once: 1,000 rows by 12 months is about a megabyte of
    markup and takes tens of milliseconds. Consecutive months at one level share a rectangle
    (with its tooltip); the letters are written in every cell.
    """
    _check_id(chart_id)
    if not heatmap.rows:
        return _empty("No situations to show.")
    if not heatmap.months:
        return _empty("No months to show.")
    months = heatmap.months
    hatch = f"{chart_id}-hatch"
    columns = len(months)
    width = LABEL_W + columns * CELL_W + H_RIGHT
    grid_top = LEGEND_H + HEADER_H
    height = grid_top + len(heatmap.rows) * ROW_H + 6
    month_names = [month_label(m) for m in months]
    column_x = [LABEL_W + i * CELL_W for i in range(columns + 1)]
    centre_x = [_num(LABEL_W + i * CELL_W + CELL_W / 2) for i in range(columns)]
    dark_text, light_text = INK, "#ffffff"

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" id="{chart_id}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="group" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="11" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_heatmap_description(heatmap))}</desc>',
        f'<defs><pattern id="{hatch}" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="{HATCH_GROUND}"/>'
        f'<line x1="2" y1="0" x2="2" y2="8" stroke="{HATCH_LINE}" stroke-width="1.5"/>'
        "</pattern></defs>",
    ]

    # The legend, above the grid where a long portfolio cannot push it out of sight.
    out.append('<g class="heatmap__legend">')
    out.append('<text x="0" y="19" font-weight="bold">Overall risk at the month\'s end:</text>')
    cursor = 200
    entries = [(level, LEVEL_LETTERS[level], RISK_WORDS[level]) for level in sorted(RISK_WORDS)]
    for level, letter, word in [*entries, (None, NONE_MARK, NO_ASSESSMENT)]:
        fill = _cell_fill(level, hatch)
        ink = risk_colour(level)[1]
        out.append(
            f'<rect x="{cursor}" y="5" width="26" height="18" fill="{fill}" '
            f'stroke="{OUTLINE}" stroke-width="0.75"/>'
            f'<text x="{cursor + 13}" y="18" text-anchor="middle" font-weight="bold" '
            f'fill="{ink}">{letter}</text>'
            f'<text x="{cursor + 32}" y="18">{escape(word)}</text>'
        )
        cursor += 32 + round(len(word) * 6.2) + 18
    out.append("</g>")

    # Column headings.
    out.append(f'<g class="heatmap__months" text-anchor="middle" fill="{MUTED}">')
    header_y = LEGEND_H + HEADER_H - 8
    for centre, name in zip(centre_x, month_names, strict=True):
        out.append(f'<text x="{centre}" y="{header_y}">{name}</text>')
    out.append(
        f'</g><text x="0" y="{header_y}" fill="{MUTED}">Situation</text><g class="heatmap__rows">'
    )

    for number, row in enumerate(heatmap.rows):
        top = grid_top + number * ROW_H
        cell_y = _num(top + (ROW_H - CELL_H) / 2)
        text_y = _num(top + ROW_H / 2 + 4)
        reference, full_title = escape(row.reference), escape(row.title)
        url = _safe_url(url_for(row.situation_id))
        out.append(
            f'<g class="heatmap__row"><a class="heatmap__link" href="{url}">'
            f"<title>{reference} {full_title}</title>"
            f'<text x="0" y="{text_y}"><tspan font-weight="bold">{reference}</tspan> '
            f"{escape(_short(row.title))}</text></a>"
        )
        # One rectangle per run of equal months, with the run's tooltip.
        cells = row.cells
        start = 0
        for end in range(1, columns + 1):
            if end < columns and cells[end] == cells[start]:
                continue
            level = cells[start]
            word = RISK_WORDS[level] if level is not None else NO_ASSESSMENT
            when = (
                month_names[start]
                if end - start == 1
                else f"{month_names[start]} to {month_names[end - 1]}"
            )
            out.append(
                f'<rect x="{column_x[start] + 1}" y="{cell_y}" '
                f'width="{(end - start) * CELL_W - 2}" height="{CELL_H}" '
                f'fill="{_cell_fill(level, hatch)}"><title>{reference}, {when}: {word}</title>'
                "</rect>"
            )
            start = end
        # The letter in every cell: the colour is never the only cue.
        out.append('<g text-anchor="middle">')
        for index, level in enumerate(cells):
            mark = LEVEL_LETTERS[level] if level is not None else NONE_MARK
            ink = f' fill="{light_text}"' if risk_colour(level)[1] != dark_text else ""
            out.append(f'<text x="{centre_x[index]}" y="{text_y}"{ink}>{mark}</text>')
        out.append("</g></g>")
    out.append("</g>")

    # White gutters between the months, so that merged runs still read as cells.
    bottom = grid_top + len(heatmap.rows) * ROW_H
    out.append('<g class="heatmap__gutters" stroke="#ffffff" stroke-width="2">')
    for x in column_x[1:-1]:
        out.append(f'<line x1="{x}" x2="{x}" y1="{grid_top}" y2="{bottom}"/>')
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text and url is escaped above
