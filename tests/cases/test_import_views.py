"""Import pages and API: upload, live progress, row errors and their CSV, and who gets nothing."""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect
from rest_framework.test import APIClient

from cases import importers, services
from cases.importers import import_job_create, import_job_run
from cases.models import ImportJob, Signal, Source
from r2p import services as core_services
from r2p.models import Classification
from tests.cases.test_importers import SECRET_NAME, dataset_source_create
from tests.e2e.conftest import (
    ARTIFACTS,
    browser,  # noqa: F401 - the Playwright fixture, used below
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def dataset_source(analyst) -> Source:
    return dataset_source_create(analyst)


@pytest.fixture
def browser_page(browser):  # noqa: F811 - the fixture imported above
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def upload(name: str, content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type=content_type)


def make_job(actor, source, name="acled_2020_style.csv", fmt="acled", **kwargs) -> ImportJob:
    return import_job_create(
        actor=actor,
        file=FIXTURES / name,
        format=fmt,
        source=source.pseudonym,
        enqueue=False,
        **kwargs,
    )


def markings(page: str) -> list[str]:
    return re.findall(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page)


# --- Upload -----------------------------------------------------------------------------------


def test_an_analyst_uploads_an_acled_file_and_lands_on_its_progress_page(
    client, analyst, dataset_source, media_root
):
    client.force_login(analyst)
    form = client.get(reverse("cases:import-create"))
    assert form.status_code == 200
    page = form.content.decode()
    assert f'<option value="{dataset_source.pseudonym}">{dataset_source.pseudonym} (B)' in page
    assert "at most 50 MiB" in page and 'enctype="multipart/form-data"' in page
    assert SECRET_NAME not in page
    assert '<option value="STRICTLY_CONFIDENTIAL"' not in page  # above Amina's clearance

    response = client.post(
        reverse("cases:import-create"),
        {
            "file": upload("acled_2020_style.csv"),
            "format": "acled",
            "source": dataset_source.pseudonym,
            "classification": "PUBLIC",
        },
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:import-detail", args=[job.pk])
    assert (job.status, job.rows_total, job.created_by, job.source) == (
        "queued",
        13,
        analyst,
        dataset_source,
    )
    assert job.original_filename == "acled_2020_style.csv"
    assert Path(job.file.path).read_bytes() == (FIXTURES / "acled_2020_style.csv").read_bytes()
    detail = client.get(response["Location"]).content.decode()
    assert f"Import {job.pk} is queued: 13 rows." in detail
    assert '<strong data-field="rows_done">0</strong> of <span data-field="rows_total">13' in (
        detail
    )
    assert f'href="{reverse("cases:import-detail", args=[job.pk])}">Refresh</a>' in detail
    assert 'src="/static/cases/imports.js" defer' in detail
    assert "<script>" not in detail and "style=" not in detail
    assert "Waiting for a worker" in detail


@pytest.mark.parametrize(
    ("name", "content_type", "field", "message"),
    [
        (
            "not_a_csv.png",
            "image/png",
            "file",
            "This is not a CSV file: it looks like a PNG image.",
        ),
        ("acled_latin1.csv", "text/csv", "file", "The file is not UTF-8: the byte 0xE9"),
        (
            "acled_missing_columns.csv",
            "text/csv",
            "file",
            "The file lacks required ACLED columns: event_date, fatalities.",
        ),
        ("binary_blob.csv", "text/csv", "file", "This is not a CSV file: it contains binary data"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason_beside_the_file_field(
    client, analyst, dataset_source, media_root, name, content_type, field, message
):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:import-create"),
        {
            "file": upload(name, content_type),
            "format": "acled",
            "source": dataset_source.pseudonym,
            "classification": "PUBLIC",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field][0].startswith(message)
    page = response.content.decode()
    invalid = re.search(r'<div class="field field--invalid">\s*<label for="id_file">', page)
    assert invalid, "the file field is not marked invalid"
    assert not ImportJob.objects.exists()


def test_an_empty_form_says_what_each_field_needs(client, analyst, media_root):
    client.force_login(analyst)
    response = client.post(reverse("cases:import-create"), {"classification": "PUBLIC"})

    errors = response.context["form"].errors
    assert errors["file"] == ["Choose a CSV file to upload."]
    assert errors["format"] == ["Choose a format: acled, ucdp."]
    assert errors["source"] == [
        "Choose the source the file comes from (its pseudonym, e.g. SRC-4K7Q)."
    ]


# --- The job page -----------------------------------------------------------------------------


def test_the_job_page_shows_the_counts_the_first_errors_and_the_report_link(
    client, analyst, dataset_source, media_root
):
    job = import_job_run(make_job(analyst, dataset_source).pk)
    client.force_login(analyst)

    response = client.get(reverse("cases:import-detail", args=[job.pk]))

    page = response.content.decode()
    assert markings(page) == ["PUBLIC", "PUBLIC"]
    assert 'data-field="rows_imported">4</dd>' in page
    assert 'data-field="rows_failed">9</dd>' in page
    assert "10 problems in 9 rows" in page
    assert "<td>Latitude 91 is outside -90 to 90.</td>" in page
    assert reverse("cases:import-errors-csv", args=[job.pk]) in page
    assert 'data-finished="true"' in page and ">Refresh</a>" not in page
    assert SECRET_NAME not in page


def test_the_error_report_downloads_as_csv_with_row_field_and_problem(
    client, analyst, dataset_source, media_root
):
    job = import_job_run(make_job(analyst, dataset_source).pk)
    client.force_login(analyst)

    response = client.get(reverse("cases:import-errors-csv", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["row", "field", "problem"]
    assert len(rows) == 11
    assert ["4", "latitude", "Latitude 91 is outside -90 to 90."] in rows
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), key=int)


def test_the_progress_endpoint_answers_the_counters_as_json(
    client, analyst, dataset_source, media_root
):
    job = make_job(analyst, dataset_source)
    client.force_login(analyst)
    url = reverse("cases:import-progress", args=[job.pk])

    queued = client.get(url)
    assert queued["Cache-Control"].startswith("max-age=0")
    assert queued.json()["status"] == "queued" and queued.json()["finished"] is False
    import_job_run(job.pk)
    done = client.get(url).json()

    assert {k: done[k] for k in ("status", "rows_total", "rows_done", "percent", "finished")} == {
        "status": "done",
        "rows_total": 13,
        "rows_done": 13,
        "percent": 100,
        "finished": True,
    }
    assert (done["rows_imported"], done["rows_already_present"], done["rows_failed"]) == (4, 0, 9)
    assert done["source"] == dataset_source.pseudonym and done["elapsed_text"].endswith(" s")


def test_the_list_shows_jobs_newest_first_and_filters_by_status(
    client, analyst, dataset_source, media_root
):
    done = import_job_run(make_job(analyst, dataset_source).pk)
    queued = make_job(analyst, dataset_source, "ucdp_small.csv", "ucdp")
    client.force_login(analyst)

    everything = client.get(reverse("cases:import-list"))
    only_done = client.get(reverse("cases:import-list"), {"status": "done"})

    assert [job.pk for job in everything.context["page"].rows] == [queued.pk, done.pk]
    assert [job.pk for job in only_done.context["page"].rows] == [done.pk]
    page = everything.content.decode()
    assert "Showing 2 imports, newest first." in page
    assert f'<span class="mono">{dataset_source.pseudonym}</span>' in page
    assert SECRET_NAME not in page


def test_the_list_says_what_to_do_when_there_is_nothing_yet(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("cases:import-list")).content.decode()
    assert "No event file has been imported yet." in page
    assert reverse("cases:import-create") in page


def test_the_list_costs_the_same_queries_for_two_jobs_and_for_twelve(
    client, analyst, dataset_source, media_root
):
    client.force_login(analyst)
    for _ in range(2):
        make_job(analyst, dataset_source, "ucdp_small.csv", "ucdp")
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("cases:import-list")).status_code == 200
    for _ in range(10):
        make_job(analyst, dataset_source, "ucdp_small.csv", "ucdp")
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(reverse("cases:import-list"))
    assert len(response.context["page"].rows) == 12
    assert len(twelve) == len(two)


# --- Who may see what -------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["liaison", "partner", "auditor", "outsider"])
def test_people_outside_the_intake_get_nothing_from_the_import_pages(
    client, request, person, analyst, dataset_source, media_root
):
    job = import_job_run(make_job(analyst, dataset_source).pk)
    client.force_login(request.getfixturevalue(person))

    for name, args in [
        ("cases:import-list", []),
        ("cases:import-create", []),
        ("cases:import-detail", [job.pk]),
        ("cases:import-progress", [job.pk]),
        ("cases:import-errors-csv", [job.pk]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404, name
        assert b"Latitude 91" not in b"".join(
            response.streaming_content if response.streaming else [response.content]
        )
    refused = client.post(
        reverse("cases:import-create"),
        {"file": upload("ucdp_small.csv"), "format": "ucdp", "source": dataset_source.pseudonym},
    )
    assert refused.status_code == 404
    assert ImportJob.objects.count() == 1


def test_a_special_adviser_follows_imports_but_cannot_start_one(
    client, special_adviser, analyst, dataset_source, media_root
):
    job = make_job(analyst, dataset_source)
    client.force_login(special_adviser)

    assert client.get(reverse("cases:import-list")).status_code == 200
    assert client.get(reverse("cases:import-detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("cases:import-create")).status_code == 403
    page = client.get(reverse("cases:import-list")).content.decode()
    assert reverse("cases:import-create") not in page


def test_a_job_filed_above_a_persons_clearance_does_not_exist_for_them(
    client, analyst, senior_analyst, dataset_source, media_root
):
    secret = make_job(
        senior_analyst,
        dataset_source,
        "ucdp_small.csv",
        "ucdp",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    client.force_login(analyst)

    assert client.get(reverse("cases:import-detail", args=[secret.pk])).status_code == 404
    assert client.get(reverse("cases:import-progress", args=[secret.pk])).status_code == 404
    assert list(client.get(reverse("cases:import-list")).context["page"].rows) == []

    client.force_login(senior_analyst)
    page = client.get(reverse("cases:import-detail", args=[secret.pk])).content.decode()
    assert markings(page) == ["STRICTLY CONFIDENTIAL", "STRICTLY CONFIDENTIAL"]


# --- API --------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    _, key = core_services.token_create(user=user, expires_days=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_a_partner_tool_uploads_a_file_and_follows_its_import_over_the_api(
    analyst, dataset_source, media_root
):
    api = api_for(analyst)

    created = api.post(
        reverse("api-imports"),
        {"file": upload("ucdp_small.csv"), "format": "ucdp", "source": dataset_source.pseudonym},
        format="multipart",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "queued" and body["rows_total"] == 7
    assert body["classification"] == "PUBLIC" and body["source"] == dataset_source.pseudonym
    assert created["Location"] == f"/api/v1/imports/{body['id']}/"
    import_job_run(body["id"])

    progress = api.get(created["Location"])

    assert progress.status_code == 200
    job = progress.json()
    assert (job["status"], job["rows_done"], job["rows_imported"], job["rows_failed"]) == (
        "done",
        7,
        3,
        4,
    )
    assert job["problems"] == 6
    assert job["first_row_errors"][0] == {
        "row": 4,
        "field": "latitude",
        "problem": "Latitude 91 is outside -90 to 90.",
    }
    assert Signal.objects.filter(origin="ucdp").count() == 3


@pytest.mark.parametrize(
    ("fields", "name", "expected"),
    [
        (
            {"format": "ucdp", "source": "SRC-NOPE"},
            "ucdp_small.csv",
            {"source": ["No source is known as 'SRC-NOPE'; choose one from the list of sources."]},
        ),
        (
            {"format": "acled"},
            "not_a_csv.png",
            {
                "file": [
                    "This is not a CSV file: it looks like a PNG image. Export the data as CSV "
                    "(UTF-8) and upload that."
                ]
            },
        ),
        (
            {"format": "acled"},
            "acled_missing_columns.csv",
            {
                "file": [
                    "The file lacks required ACLED columns: event_date, fatalities. Its header "
                    "has: event_id_cnty, event_type, actor1, country, location, latitude, "
                    "longitude, source, notes."
                ]
            },
        ),
        ({"format": "xlsx"}, "ucdp_small.csv", {"format": ['"xlsx" is not a valid choice.']}),
        (
            {"format": "ucdp", "classification": "STRICTLY_CONFIDENTIAL"},
            "ucdp_small.csv",
            {
                "classification": [
                    "You are cleared up to CONFIDENTIAL and cannot file material marked "
                    "STRICTLY CONFIDENTIAL."
                ]
            },
        ),
    ],
)
def test_the_api_refuses_bad_uploads_field_by_field(
    analyst, dataset_source, media_root, fields, name, expected
):
    data = {"source": dataset_source.pseudonym, **fields, "file": upload(name)}

    response = api_for(analyst).post(reverse("api-imports"), data, format="multipart")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"] == expected
    assert not ImportJob.objects.exists()


def test_the_api_answers_403_to_uploads_and_404_to_jobs_for_people_outside_the_intake(
    liaison, outsider, partner, analyst, senior_analyst, dataset_source, media_root
):
    job = make_job(analyst, dataset_source)
    secret = make_job(
        senior_analyst,
        dataset_source,
        "ucdp_small.csv",
        "ucdp",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    for person in (liaison, outsider, partner):
        api = api_for(person)
        refused = api.post(
            reverse("api-imports"),
            {"file": upload("ucdp_small.csv"), "format": "ucdp", "source": "x"},
            format="multipart",
        )
        assert refused.status_code == 403, person.username
        assert api.get(reverse("api-import", args=[job.pk])).status_code == 404
    assert api_for(analyst).get(reverse("api-import", args=[secret.pk])).status_code == 404
    assert api_for(analyst).get(reverse("api-import", args=[999999])).status_code == 404
    assert ImportJob.objects.count() == 2


def test_a_source_registered_for_the_file_never_shows_its_identity_on_import_pages(
    client, senior_analyst, analyst, media_root
):
    hidden = services.source_create(
        created_by=senior_analyst,
        source_type="event_dataset",
        reliability="C",
        classification=Classification.PUBLIC,
        name="Xanthippe Oddfellow",
    )
    job = import_job_run(make_job(senior_analyst, hidden).pk)
    client.force_login(analyst)
    for url in (
        reverse("cases:import-list"),
        reverse("cases:import-detail", args=[job.pk]),
        reverse("cases:import-progress", args=[job.pk]),
    ):
        assert b"Xanthippe" not in client.get(url).content


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_amina_uploads_a_file_in_the_browser_and_watches_its_import_finish(
    browser_page, live_server, analyst, password, dataset_source, media_root, monkeypatch
):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{reverse('cases:import-create')}")

    page.get_by_label("Event file").set_input_files(FIXTURES / "not_a_csv.png")
    page.get_by_label("Format").select_option("acled")
    page.get_by_label("Source").select_option(dataset_source.pseudonym)
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".field--invalid .field-error")).to_contain_text(
        "This is not a CSV file: it looks like a PNG image."
    )
    expect(page.get_by_label("Event file")).to_be_focused()
    screenshot(page, "import-form-error")

    page.get_by_label("Event file").set_input_files(FIXTURES / "acled_2020_style.csv")
    page.get_by_role("button", name="Import").click()
    status = page.locator(".import-progress .status")
    expect(status).to_have_text("Queued")
    screenshot(page, "import-queued")

    # A slow worker: batches of four rows, a pause after each, so the page can be seen moving.
    monkeypatch.setattr(importers, "BATCH_SIZE", 4)
    job = ImportJob.objects.get()

    def work() -> None:
        try:
            import_job_run(job.pk, progress=lambda current: time.sleep(1.5))
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        expect(status).to_have_text("Running", timeout=10_000)
        expect(page.get_by_text("Waiting for a worker")).to_be_hidden()
        expect(page.locator('[data-field="rows_done"]')).to_have_text("4", timeout=10_000)
        screenshot(page, "import-running")
        expect(status).to_have_text("Done", timeout=20_000)
    finally:
        worker.join()
    expect(page.locator("#row-errors table")).to_contain_text("Latitude 91 is outside -90 to 90.")
    expect(page.locator('[data-field="rows_imported"]')).to_have_text("4")
    screenshot(page, "import-done")

    page.get_by_role("link", name="Imports", exact=True).first.click()
    expect(page.get_by_role("table")).to_contain_text("acled_2020_style.csv")
    screenshot(page, "import-list")


def test_an_upload_spooled_to_a_temporary_file_is_read_like_a_small_one(
    client, analyst, dataset_source, media_root, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # larger uploads go to a temporary file
    client.force_login(analyst)
    response = client.post(
        reverse("cases:import-create"),
        {
            "file": upload("ucdp_small.csv"),
            "format": "ucdp",
            "source": dataset_source.pseudonym,
            "classification": "PUBLIC",
        },
    )

    assert response.status_code == 302
    job = import_job_run(ImportJob.objects.get().pk)
    assert (job.status, job.rows_imported, job.rows_failed) == ("done", 3, 4)


def test_the_import_endpoints_are_described_in_a_valid_openapi_document(client, analyst):
    import yaml
    from openapi_spec_validator import validate

    client.force_login(analyst)
    document = yaml.safe_load(client.get(reverse("api-schema")).content)

    validate(document)
    upload_body = document["paths"][reverse("api-imports")]["post"]["requestBody"]["content"]
    schema_name = upload_body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    file_field = document["components"]["schemas"][schema_name]["properties"]["file"]
    assert file_field["format"] == "binary"
    detail = document["paths"]["/api/v1/imports/{id}/"]["get"]["responses"]
    assert detail["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ImportJob")


def test_a_failed_import_is_run_again_from_its_page_and_the_retry_is_audited(
    client, analyst, django_capture_on_commit_callbacks, monkeypatch
):
    from cases import importers, services
    from cases.models import ImportJob
    from r2p.models import AuditEvent

    source = services.source_create(
        created_by=analyst, source_type="event_dataset", reliability="B", name="ACLED"
    )
    job = ImportJob.objects.create(
        format="acled",
        source=source,
        file="imports/x.csv",
        original_filename="x.csv",
        file_sha256="1" * 64,
        created_by=analyst,
        status=ImportJob.Status.FAILED,
        failure="The database went away after row 2,000.",
    )
    queued = []
    monkeypatch.setattr(importers, "_enqueue", queued.append)
    client.force_login(analyst)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Run this import again" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/retry/")
    assert response.status_code == 302 and queued == [job.pk]
    assert AuditEvent.objects.filter(action="import.retry").exists()
    job.status = ImportJob.Status.DONE
    job.save()
    client.post(f"/imports/{job.pk}/retry/")
    assert queued == [job.pk]  # a finished import is not run again


def test_stalled_imports_are_queued_again_by_the_periodic_task(analyst, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from cases import importers, services
    from cases.models import ImportJob
    from cases.tasks import import_jobs_requeue_task

    source = services.source_create(
        created_by=analyst, source_type="event_dataset", reliability="B", name="UCDP"
    )

    def job(status, minutes_ago):
        created = ImportJob.objects.create(
            format="ucdp",
            source=source,
            file="imports/y.csv",
            original_filename="y.csv",
            file_sha256="2" * 64,
            created_by=analyst,
            status=status,
            started_at=timezone.now() - timedelta(minutes=minutes_ago),
        )
        ImportJob.objects.filter(pk=created.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        return created.pk

    stale_queued = job(ImportJob.Status.QUEUED, 30)
    stale_running = job(ImportJob.Status.RUNNING, 30)
    job(ImportJob.Status.QUEUED, 1)
    job(ImportJob.Status.DONE, 60)
    queued = []
    monkeypatch.setattr(importers, "_enqueue", queued.append)
    assert sorted(import_jobs_requeue_task()) == sorted([stale_queued, stale_running])
    assert sorted(queued) == sorted([stale_queued, stale_running])
