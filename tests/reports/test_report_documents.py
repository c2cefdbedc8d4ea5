"""The report as documents: the PDF (read back with pdftotext: every section, the table of
contents with page numbers, the marking and the page number on every page), the SVG charts
(well-formed, with a text alternative, suppressed figures in words), and the data annex (CSV and
JSON carry every figure of the stored tables, the small counts only as words).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from r2p.models import Classification
from reports import documents
from reports.charts import bar_chart
from reports.figures import FEWER_THAN
from tests.cases.test_briefings import pdf_pages
from tests.reports.conftest import NARRATIVE, published

pytestmark = pytest.mark.django_db

PARTS = [title for _, title, _ in documents.PARTS]


def test_the_pdf_has_every_section_with_its_narrative(public_report, tmp_path):
    pages = pdf_pages(bytes(public_report.pdf), tmp_path)
    text = re.sub(r"\s+", " ", " ".join(pages))
    for title in [*PARTS, "Notes on the figures", "Contents"]:
        assert title in text, title
    for prose in NARRATIVE.values():
        assert prose in text
    for table in public_report.figures["tables"]:
        assert table["title"] in text, table["title"]
    assert public_report.reference in text


def test_the_table_of_contents_gives_the_page_of_each_part(public_report, tmp_path):
    pages = pdf_pages(bytes(public_report.pdf), tmp_path)
    contents = re.sub(r"[ \t]+", " ", pages[0])
    numbers = {}
    for title in PARTS:
        found = re.search(re.escape(title) + r" ?\.+ ?(\d+)", contents)
        assert found, f"{title} is not in the table of contents with a page number"
        numbers[title] = int(found.group(1))
    assert list(numbers.values()) == sorted(numbers.values())
    # Each part starts on the page the contents say.
    for title, page in numbers.items():
        assert title in re.sub(r"\s+", " ", pages[page - 1]), (title, page)


def test_every_page_carries_the_marking_and_its_number(public_report, tmp_path):
    pages = pdf_pages(bytes(public_report.pdf), tmp_path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert page.count("PUBLIC") >= 2, f"page {number} lacks the marking above and below"
        assert f"Page {number} of {len(pages)}" in page


def test_a_confidential_report_is_marked_confidential_on_every_page(sg_office, tmp_path):
    report = published(sg_office, audience=Classification.CONFIDENTIAL)
    for page in pdf_pages(bytes(report.pdf), tmp_path):
        assert page.count("CONFIDENTIAL") >= 2 and "PUBLIC" not in page


def test_the_charts_are_well_formed_svg_with_their_figures_in_words():
    table = {
        "title": "Referrals sent, by body",
        "columns": ["This period", "Previous period"],
        "rows": [
            {
                "label": "Security Council",
                "cells": [{"value": 4, "text": "4"}, {"value": 1, "text": "1"}],
            },
            {
                "label": "Regional arrangement: AU & <IGAD>",
                "cells": [{"value": None, "text": FEWER_THAN}, {"value": 0, "text": "0"}],
            },
        ],
    }
    svg = bar_chart(table, chart_id="chart-test")
    root = ET.fromstring(svg)  # noqa: S314 - our own markup
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Referrals sent, by body"
    desc = root.find(f"{ns}desc").text
    assert "Security Council: This period 4, Previous period 1" in desc
    assert "fewer than 3" in desc
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert FEWER_THAN in texts and "4" in texts
    legend_height = 20
    bars = [
        r
        for r in root.iter(f"{ns}rect")
        if r.get("x") == "250" and float(r.get("y")) > legend_height
    ]
    # Three drawn bars (4, 1 and 0); the withheld figure has words, no bar.
    assert len(bars) == 3
    assert "<IGAD>" not in svg and "&lt;IGAD&gt;" in svg


def test_the_draft_page_body_shows_every_part_and_chart(draft):
    body = documents.report_body_html(draft)
    for title in PARTS:
        assert title in body
    charted = [t["key"] for t in draft.figures["tables"] if t["chart"] and t["rows"]]
    assert charted and body.count("<svg") == len(charted)
    for key in charted:
        assert f'aria-labelledby="chart-{key}-t chart-{key}-d"' in body


def test_the_annex_gives_every_figure_once_in_csv_and_json(public_report):
    annex = json.loads(public_report.annex_json)
    assert annex["reference"] == public_report.reference
    assert annex["tables"] == public_report.figures["tables"]
    assert annex["period"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert annex["audience"] == "PUBLIC"
    rows = list(csv.DictReader(io.StringIO(public_report.annex_csv)))
    expected = 0
    for table in public_report.figures["tables"]:
        body = len(table["rows"]) + (1 if table["total"] else 0)
        per_cell = 3 if table["kind"] == "duration" else 1
        expected += body * len(table["columns"]) * per_cell
    assert len(rows) == expected
    assert set(rows[0]) == {"table", "table_title", "row", "column", "value", "text"}


def test_a_suppressed_figure_is_words_in_the_annex_never_a_number(sg_office):
    report = published(sg_office)
    # Plant a suppressed cell in the figures the way figures.table_disclose writes it, then
    # check that the annex renders it as words with an empty value.
    tables = report.figures["tables"]
    risk = next(t for t in tables if t["key"] == "situations_by_risk")
    risk["rows"][0]["cells"][0] = {"value": None, "text": FEWER_THAN}
    report.figures = {**report.figures, "tables": tables}
    rows = [r for r in documents.annex_rows(report) if r["text"] == FEWER_THAN]
    assert rows and all(r["value"] is None for r in rows)
    text = documents.annex_csv(report)
    assert f",,{FEWER_THAN}" in text


def test_a_row_label_that_looks_like_a_formula_is_quoted_in_the_csv_annex(sg_office):
    # A regional arrangement named by an administrator ends up as a row label; a spreadsheet
    # opening the annex must show it, not run it.
    report = published(sg_office)
    tables = report.figures["tables"]
    counts = next(t for t in tables if t["kind"] != "duration")
    label = '=HYPERLINK("http://evil.example","x")'
    counts["rows"].append(
        {"label": label, "cells": [{"value": 0, "text": "0"}] * len(counts["columns"])}
    )
    report.figures = {**report.figures, "tables": tables}
    rows = list(csv.DictReader(io.StringIO(documents.annex_csv(report))))
    assert [r["row"] for r in rows if "HYPERLINK" in r["row"]] == ["'" + label] * len(
        counts["columns"]
    )
    assert not any(r["row"].startswith(("=", "+", "@")) for r in rows)
