"""A report as documents: the HTML body (shown in the pages, frozen at publication), the PDF
(WeasyPrint: title block, table of contents, the marking and page numbers on every page) and
the data annex (CSV and JSON, every figure with its words).

All three are made from the stored figures and narrative only, never from the records, so the
published files are exactly what the drafters reviewed.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from cases.briefings import page_marking_css
from cases.importers import spreadsheet_cell
from r2p.models import Classification
from reports.charts import bar_chart
from reports.models import NARRATIVE_SECTIONS, Report

# Which columns of a table its chart draws (all are in its table): by default this period and
# the previous one; for risk, the start and end of this period; for options, this period's steps.
CHART_COLUMNS = {"options_by_pillar": (0, 1, 2), "situations_by_risk": (1, 2)}

# The parts of the report, in order, each a numbered section of the document and of the table
# of contents: (key, title, the tables it holds).
PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("executive_summary", "Executive summary", ()),
    (
        "monitoring",
        "Situations monitored",
        ("situations_by_region", "situations_by_risk"),
    ),
    (
        "signals",
        "Warnings received",
        (
            "signals_by_category",
            "signals_by_region",
            "signals_by_source_type",
            "signals_by_reliability",
        ),
    ),
    ("assessments", "Risk assessments", ("assessments_approved",)),
    ("escalations", "Escalations and decisions", ("escalations", "escalation_times")),
    (
        "referrals",
        "Referrals to intergovernmental bodies",
        ("referrals_by_body", "referrals_by_status"),
    ),
    ("progress_by_pillar", "Progress by pillar", ("options_by_pillar", "options_by_instrument")),
    ("gap", "The warning-response gap", ("warning_response_gap", "inaction_alerts")),
    ("recommendations", "Recommendations to the General Assembly", ()),
)
SECTION_TITLES = dict(NARRATIVE_SECTIONS)


def marking(report: Report) -> str:
    return Classification(report.audience).label


def report_context(report: Report) -> dict[str, Any]:
    """What the report body template needs: the parts with their tables, charts and prose."""
    tables = {t["key"]: t for t in (report.figures or {}).get("tables", [])}
    parts = []
    for number, (key, title, keys) in enumerate(PARTS, start=1):
        shown = []
        for table_key in keys:
            table = tables.get(table_key)
            if table is None:
                continue
            chart = (
                bar_chart(
                    table,
                    chart_id=f"chart-{table_key}",
                    columns=CHART_COLUMNS.get(table_key, (0, 1)),
                )
                if table.get("chart") and table["rows"]
                else ""
            )
            shown.append({**table, "svg": chart})
        prose = getattr(report, key, "") if key in SECTION_TITLES else ""
        parts.append(
            {
                "number": number,
                "key": key,
                "title": title,
                "anchor": f"part-{key.replace('_', '-')}",
                "tables": shown,
                "prose": prose,
                "is_narrative": key in SECTION_TITLES,
            }
        )
    figures = report.figures or {}
    return {
        "report": report,
        "parts": parts,
        "figures": figures,
        "marking": marking(report),
        "marking_css": marking(report).lower().replace(" ", "-"),
        "published_at": report.published_at,
        "has_suppressed": "fewer than 3" in json.dumps(figures),
    }


def report_body_html(report: Report) -> str:
    """The report's body as HTML: what the pages show (and, once published, the frozen copy)."""
    return render_to_string("reports/_report_body.html", report_context(report))


def report_document_html(report: Report, body: str) -> str:
    return render_to_string(
        "reports/report_document.html", {**report_context(report), "body": body}
    )


def report_pdf(report: Report, body: str) -> bytes:
    """The PDF, from the same body: a cover with the table of contents (page numbers filled in
    by WeasyPrint's target-counter), the marking above and below every page."""
    from weasyprint import CSS, HTML

    stylesheet = finders.find("reports/report.css")
    if not stylesheet:
        raise RuntimeError("reports/report.css is missing from the static files.")
    html = report_document_html(report, body)
    return HTML(string=html, base_url=None).write_pdf(
        stylesheets=[
            CSS(filename=stylesheet),
            CSS(string=page_marking_css(marking(report), report.reference)),
        ]
    )


def annex_rows(report: Report) -> list[dict[str, Any]]:
    """Every figure as one row: table, row, column, value (empty when withheld) and words."""
    rows = []
    for table in (report.figures or {}).get("tables", []):
        body = list(table["rows"]) + ([table["total"]] if table.get("total") else [])
        for row in body:
            for column, cell in zip(table["columns"], row["cells"], strict=False):
                if table["kind"] == "duration":
                    for measure in ("count", "median", "p90"):
                        rows.append(
                            {
                                "table": table["key"],
                                "table_title": table["title"],
                                "row": row["label"],
                                "column": f"{column}: {measure}"
                                + (" (seconds)" if measure != "count" else ""),
                                "value": cell[measure],
                                "text": cell[f"{measure}_text"],
                            }
                        )
                else:
                    rows.append(
                        {
                            "table": table["key"],
                            "table_title": table["title"],
                            "row": row["label"],
                            "column": column,
                            "value": cell["value"],
                            "text": cell["text"],
                        }
                    )
    return rows


def annex_json(report: Report) -> str:
    document = {
        "reference": report.reference,
        "title": report.title,
        "version": report.version,
        "audience": marking(report),
        "period": (report.figures or {}).get("period"),
        "previous_period": (report.figures or {}).get("previous"),
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "supersedes": report.supersedes.reference if report.supersedes_id else None,
        "correction_reason": report.correction_reason or None,
        "disclosure": (
            "Counts only records at or below the audience's level. A count of 1 or 2 that "
            "could point at a non-public situation is given as 'fewer than 3' (value null); "
            "'withheld' marks a figure left out so that it cannot be worked out from a total."
        ),
        "tables": (report.figures or {}).get("tables", []),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def annex_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=["table", "table_title", "row", "column", "value", "text"],
        lineterminator="\r\n",
    )
    writer.writeheader()
    for row in annex_rows(report):
        # A row's label can come from a record (a regional arrangement's name): never a formula
        # when the annex is opened in a spreadsheet. The other columns are the report's own.
        writer.writerow(
            {
                **row,
                "row": spreadsheet_cell(row["row"]),
                "value": "" if row["value"] is None else row["value"],
            }
        )
    return buffer.getvalue()


def report_freeze(report: Report) -> dict[str, Any]:
    """The files stored at publication: {"html", "pdf", "annex_csv", "annex_json"}."""
    if report.published_at is None:
        report.published_at = timezone.now()
    body = report_body_html(report)
    return {
        "html": body,
        "pdf": report_pdf(report, body),
        "annex_csv": annex_csv(report),
        "annex_json": annex_json(report),
    }


# The frozen files a published report is downloaded as: the stored field, its type, its hash.
FROZEN_FILES = {
    "pdf": ("pdf", "application/pdf", "pdf_sha256"),
    "csv": ("annex_csv", "text/csv; charset=utf-8", "annex_csv_sha256"),
    "json": ("annex_json", "application/json; charset=utf-8", "annex_json_sha256"),
}


def download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def download_name(report: Report, extension: str) -> str:
    return report.reference.replace("/", "-") + f".{extension}"


def frozen_download(report: Report, extension: str) -> HttpResponse:
    """A published report's stored file exactly as frozen (never made again), as an attachment
    named after its reference, with its published SHA-256 in X-Content-SHA256."""
    field, content_type, digest = FROZEN_FILES[extension]
    content = getattr(report, field)
    response = download(
        bytes(content) if extension == "pdf" else content,
        content_type,
        download_name(report, extension),
    )
    response["X-Content-SHA256"] = getattr(report, digest)
    return response
