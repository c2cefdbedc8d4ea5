"""Bar charts of a report's figures, drawn on the server as SVG (inline in the HTML, vectors in
the PDF). As in assessments/charts.py: presentation attributes only (no script, no style
attribute, so the CSP holds), well-formed XML, and a text alternative: a <title>, a <desc>
with every figure, and the table of figures printed next to it.

Series are told apart by shade and pattern (solid dark, hatched, light outline), so they read
in grey and for colour-blind readers; each bar has its number written at its end. A figure
withheld by the disclosure rule has no bar: its words ("fewer than 3") are written instead.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1b1f24"
MUTED = "#555d66"
GRID = "#d9dde2"
SERIES = (
    {"fill": "#1f4e79", "stroke": "#1f4e79"},
    {"fill": "url(#{hatch})", "stroke": "#4d5966"},
    {"fill": "#ffffff", "stroke": "#1b1f24"},
)
WIDTH = 720
LABEL_W = 250
BAR_H = 11
GAP = 9
NUMBER_W = 96


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _style(index: int, chart_id: str) -> dict[str, str]:
    style = SERIES[index % len(SERIES)]
    return {key: value.replace("{hatch}", f"{chart_id}-hatch") for key, value in style.items()}


def _label_lines(label: str, width: int = 40) -> list[str]:
    """A row label on one line, or two broken at a space; longer ones end with an ellipsis."""
    if len(label) <= width:
        return [label]
    cut = label.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    first, rest = label[:cut], label[cut:].strip()
    if len(rest) > width:
        rest = rest[: width - 1] + "…"
    return [first, rest]


def _legend(columns: list[str], chart_id: str) -> tuple[list[str], int]:
    """The legend's items, wrapped onto as many lines as the width needs, and its height."""
    parts, x, y = [], LABEL_W, 4
    for index, column in enumerate(columns):
        width = 24 + 6.2 * len(column) + 18
        if x > LABEL_W and x + width > WIDTH:
            x, y = LABEL_W, y + 16
        style = _style(index, chart_id)
        parts.append(
            f'<rect x="{_num(x)}" y="{y}" width="14" height="10" fill="{style["fill"]}" '
            f'stroke="{style["stroke"]}" stroke-width="1"/>'
            f'<text x="{_num(x + 19)}" y="{y + 9}" fill="{INK}">{escape(column)}</text>'
        )
        x += width
    return parts, y + 18


def bar_chart(
    table: dict[str, Any], *, chart_id: str, columns: tuple[int, ...] = (0, 1)
) -> SafeString:
    """Horizontal bars, one group per row, one bar per chosen column of the table."""
    names = [table["columns"][i] for i in columns]
    rows = table["rows"]
    if not rows:
        return mark_safe("")
    series = len(columns)
    cells = [[row["cells"][i] for i in columns] for row in rows]
    values = [c["value"] or 0 for row in cells for c in row]
    top = max([*values, 1])
    plot_w = WIDTH - LABEL_W - NUMBER_W
    legend, legend_h = _legend(names, chart_id)
    group_h = max(series * BAR_H, 24) + GAP
    height = legend_h + len(rows) * group_h + 8
    title = escape(table["title"])
    desc = "; ".join(
        f"{row['label']}: "
        + ", ".join(f"{n} {c['text']}" for n, c in zip(names, row_cells, strict=True))
        for row, row_cells in zip(rows, cells, strict=True)
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{chart_id}-t '
        f'{chart_id}-d" font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif" '
        f'font-size="11">',
        f'<title id="{chart_id}-t">{title}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<defs><pattern id="{chart_id}-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="#e8ebee"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#4d5966" stroke-width="2"/></pattern></defs>',
        *legend,
        f'<line x1="{LABEL_W}" y1="{legend_h}" x2="{LABEL_W}" y2="{height - 4}" '
        f'stroke="{MUTED}" stroke-width="1"/>',
    ]
    for row_index, (row, row_cells) in enumerate(zip(rows, cells, strict=True)):
        y0 = legend_h + row_index * group_h
        lines = _label_lines(row["label"])
        middle = y0 + series * BAR_H / 2 + 4
        for line_index, line in enumerate(lines):
            y = middle + (line_index - (len(lines) - 1) / 2) * 12
            out.append(
                f'<text x="{LABEL_W - 8}" y="{_num(y)}" text-anchor="end" '
                f'fill="{INK}">{escape(line)}</text>'
            )
        for index, cell in enumerate(row_cells):
            style = _style(index, chart_id)
            y = y0 + index * BAR_H
            if cell["value"] is None:
                out.append(
                    f'<text x="{LABEL_W + 4}" y="{_num(y + BAR_H - 2)}" fill="{MUTED}" '
                    f'font-style="italic">{escape(cell["text"])}</text>'
                )
                continue
            w = plot_w * cell["value"] / top
            out.append(
                f'<rect x="{LABEL_W}" y="{_num(y + 1)}" width="{_num(max(w, 0.5))}" '
                f'height="{BAR_H - 2}" fill="{style["fill"]}" stroke="{style["stroke"]}" '
                f'stroke-width="0.8"/>'
                f'<text x="{_num(LABEL_W + w + 4)}" y="{_num(y + BAR_H - 2)}" '
                f'fill="{INK}">{escape(cell["text"])}</text>'
            )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
