"""Event-file imports: parsing ACLED and UCDP rows, whole-file checks, row errors, re-imports."""

from __future__ import annotations

import io
import re
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from cases import importers, services
from cases.importers import (
    IMPORT_MAX_BYTES,
    import_job_create,
    import_job_errors_csv,
    import_job_run,
)
from cases.models import (
    Category,
    DatePrecision,
    ImportJob,
    ImportRowError,
    Origin,
    Signal,
    Source,
)
from cases.taxonomy import (
    ACLED_EVENT_TYPES,
    ACLED_SUB_EVENT_TYPES,
    UCDP_VIOLENCE_TYPES,
    acled_category,
)
from r2p.errors import ApplicationValidationError
from r2p.models import AuditEvent, Classification

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = "Zephyrine Quillfeather"


def dataset_source_create(actor) -> Source:
    """The source event files are attributed to, with an identity that must never show."""
    return services.source_create(
        created_by=actor,
        source_type="event_dataset",
        reliability="B",
        classification=Classification.PUBLIC,
        name=SECRET_NAME,
        organisation="Conflict data project",
    )


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def dataset_source(analyst) -> Source:
    return dataset_source_create(analyst)


def run_import(actor, source, name: str, fmt: str, **kwargs) -> ImportJob:
    job = import_job_create(
        actor=actor,
        file=FIXTURES / name,
        format=fmt,
        source=source.pseudonym,
        enqueue=False,
        **kwargs,
    )
    return import_job_run(job.pk)


def errors_by_row(job: ImportJob) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = {}
    for error in ImportRowError.objects.filter(job=job):
        found.setdefault(error.row, {}).setdefault(error.field, []).append(error.problem)
    return found


pytestmark = pytest.mark.django_db


# --- ACLED ------------------------------------------------------------------------------------


def test_an_acled_2020_export_imports_its_good_rows_and_names_each_bad_one(
    analyst, dataset_source, media_root
):
    job = run_import(analyst, dataset_source, "acled_2020_style.csv", "acled")

    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_total, job.rows_done) == (13, 13)
    assert (job.rows_imported, job.rows_already_present, job.rows_failed) == (4, 0, 9)
    errors = errors_by_row(job)
    assert sorted(errors) == [3, 4, 5, 6, 7, 9, 10, 11, 13]
    assert errors[3] == {
        "country": [
            '"Atlantis" is not a country name that maps to an ISO 3166 code; correct the name '
            "or add an iso3 column."
        ]
    }
    assert errors[4] == {"latitude": ["Latitude 91 is outside -90 to 90."]}
    assert errors[5] == {
        "fatalities": ['Must be 0 or more; a count cannot be negative. Found "-3".']
    }
    assert errors[6] == {"event_date": ['09 May 2060 is in the future. Found "9-May-60".']}
    assert errors[7]["event_date"][0].startswith('"31-Feb-20" is not a date in a known format')
    assert errors[9] == {
        "event_id_cnty": ["Repeats the event id of row 1; only the first is kept."]
    }
    assert errors[10] == {
        "event_type": ['"Parades" is not an ACLED event type in the taxonomy (docs/taxonomy.md).']
    }
    assert errors[11] == {
        "time_precision": ['"7" is not a precision code; use one of 1, 2, 3.'],
        "fatalities": ['"abc" is not a whole number.'],
    }

    israel = Signal.objects.get(origin=Origin.ACLED, external_id="TST1")
    assert israel.headline == ("Peaceful protest: Protesters (Israel) in Haifa, Israel")
    assert israel.description == "On 9 May 2020, medical interns protested in Haifa."
    assert israel.original_source_text == "Jerusalem Post"
    assert (israel.country, israel.admin1, israel.place_name) == ("ISR", "Haifa", "Haifa")
    assert (israel.occurred_on, israel.occurred_precision) == (date(2020, 5, 9), "day")
    assert (israel.latitude, israel.longitude) == (32.8184, 34.9885)
    assert israel.category == Category.OTHER
    assert israel.fatalities_best == 0 and israel.fatalities_low is None
    assert israel.perpetrators == "Protesters (Israel); Health Workers (Israel)"
    assert (israel.source, israel.credibility) == (dataset_source, 3)
    assert (israel.classification, israel.status, israel.created_by) == (0, "new", analyst)

    kosovo = Signal.objects.get(origin=Origin.ACLED, external_id="TST2")
    assert kosovo.country == "XKX"
    assert kosovo.occurred_precision == DatePrecision.WEEK
    assert kosovo.category == Category.VIOLENCE_AGAINST_CIVILIANS
    assert kosovo.targeted_group == "Civilians (Kosovo)"
    assert kosovo.headline == (
        "Attack: Unidentified Armed Group (Kosovo) against Civilians (Kosovo) in Pristina, Kosovo"
    )

    assert errors[13] == {
        "event_id_cnty": [
            "The event id is blank; without it a second import could not recognise the row."
        ]
    }
    # No event id, but ACLED's row id: that recognises the row instead.
    journalists = Signal.objects.get(origin=Origin.ACLED, external_id="data_id:12")
    assert journalists.country == "COD"
    assert journalists.targeted_group == (
        "Civilians (Democratic Republic of Congo); Journalists (Democratic Republic of Congo)"
    )

    looting = Signal.objects.get(origin=Origin.ACLED, external_id="TST8")
    assert looting.fatalities_best is None  # blank: unknown, not zero
    assert looting.category == Category.OTHER


def test_importing_the_same_file_twice_creates_nothing_new(analyst, dataset_source, media_root):
    first = run_import(analyst, dataset_source, "acled_2020_style.csv", "acled")
    before = Signal.objects.count()

    second = run_import(analyst, dataset_source, "acled_2020_style.csv", "acled")

    assert Signal.objects.count() == before == 4
    assert second.status == ImportJob.Status.DONE
    assert (second.rows_imported, second.rows_already_present, second.rows_failed) == (0, 4, 9)
    assert second.file_sha256 == first.file_sha256


def test_a_legacy_acled_file_with_uppercase_headers_and_multiline_notes_is_read(
    analyst, dataset_source, media_root
):
    job = run_import(analyst, dataset_source, "acled_legacy_style.csv", "acled")

    assert (job.rows_total, job.rows_imported, job.rows_failed) == (4, 4, 0), errors_by_row(job)
    signals = {s.external_id: s for s in Signal.objects.filter(origin=Origin.ACLED)}
    riot = signals["1TST"]
    assert riot.occurred_on == date(2015, 1, 1) and riot.country == "BGD"
    assert riot.description.count("\n") == 2
    assert riot.description.startswith("One person was injured in a gunfight at a cattle market.")
    assert riot.category == Category.OTHER
    assert riot.perpetrators == "Rioters (Bangladesh); AL: Awami League"
    assert signals["2TST"].category == Category.VIOLENCE_AGAINST_CIVILIANS  # "Against" in caps
    assert signals["2TST"].occurred_on == date(2015, 2, 15)
    assert signals["3TST"].category == Category.ARMED_MOBILISATION  # "Strategic development"
    assert signals["3TST"].occurred_precision == DatePrecision.WEEK
    assert signals["4TST"].category == Category.ARMED_CLASH
    assert signals["4TST"].country == "PAK"


def test_na_and_blank_values_mean_unknown_and_civilian_targeting_is_honoured(
    analyst, dataset_source, media_root
):
    job = run_import(analyst, dataset_source, "acled_current_na.csv", "acled")

    assert (job.rows_imported, job.rows_failed) == (2, 1)
    assert list(errors_by_row(job)) == [3]
    assert errors_by_row(job)[3] == {
        "event_date": ['28 Dec 2099 is in the future. Found "28 December 2099".']
    }
    displaced = Signal.objects.get(external_id="TBEN1")
    assert displaced.occurred_on == date(2022, 12, 28)
    assert displaced.perpetrators == "Civilians (Benin); Refugees/IDPs (Benin)"
    assert displaced.targeted_group == ""
    landmine = Signal.objects.get(external_id="TBEN2")
    assert (landmine.latitude, landmine.longitude, landmine.fatalities_best) == (None, None, None)
    assert landmine.category == Category.VIOLENCE_AGAINST_CIVILIANS
    assert landmine.occurred_precision == DatePrecision.MONTH
    assert landmine.admin1 == "Alibori"


# --- UCDP -------------------------------------------------------------------------------------


def test_a_ucdp_ged_file_keeps_its_three_estimates_and_its_precision(
    analyst, dataset_source, media_root
):
    job = run_import(analyst, dataset_source, "ucdp_small.csv", "ucdp")

    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_imported, job.rows_failed) == (7, 3, 4)
    errors = errors_by_row(job)
    assert errors[4] == {"latitude": ["Latitude 91 is outside -90 to 90."]}
    assert errors[5] == {
        "best": ['Must be 0 or more; a count cannot be negative. Found "-1".'],
        "low": ['Must be 0 or more; a count cannot be negative. Found "-2".'],
    }
    assert errors[6] == {"date_start": ['02 Jan 2099 is in the future. Found "2099-01-02".']}
    assert errors[7] == {
        "date_prec": ['"9" is not a precision code; use one of 1, 2, 3, 4, 5.'],
        "type_of_violence": ['"4" is not a UCDP type of violence; use 1, 2 or 3.'],
    }

    state = Signal.objects.get(origin=Origin.UCDP, external_id="900001")
    assert (state.fatalities_best, state.fatalities_low, state.fatalities_high) == (4, 4, 6)
    assert state.category == Category.ARMED_CLASH and state.credibility == 2
    assert state.headline == (
        "State-based armed conflict: Government of Syria and Syrian insurgents in "
        "Teir Maaleh village, Homs Governorate, Syria"
    )
    assert state.original_source_text == '"SOHR,2016-01-01,Shells hit the village"'
    assert (state.country, state.admin1, state.place_name) == (
        "SYR",
        "Homs Governorate",
        "Teir Maaleh village",
    )
    assert (state.latitude, state.longitude) == (34.802462, 36.707602)

    non_state = Signal.objects.get(origin=Origin.UCDP, external_id="900002")
    assert non_state.occurred_on == date(2017, 3, 1)
    assert non_state.occurred_precision == DatePrecision.MONTH
    assert non_state.credibility == 3  # low event clarity
    assert "Dates: 2017-03-01 to 2017-03-30." in non_state.description

    one_sided = Signal.objects.get(origin=Origin.UCDP, external_id="900003")
    assert one_sided.category == Category.VIOLENCE_AGAINST_CIVILIANS
    assert one_sided.targeted_group == "Civilians"
    assert one_sided.occurred_precision == DatePrecision.YEAR
    # UCDP's own low estimate (177) contradicts its best (142): the best is kept, the bound
    # left out, and the description says so.
    assert (one_sided.fatalities_best, one_sided.fatalities_low) == (142, None)
    assert one_sided.fatalities_high == 177
    assert "low estimate (177) is above its best estimate; left out" in one_sided.description


# --- Whole-file problems ----------------------------------------------------------------------


def _latin1_position() -> int:
    return (FIXTURES / "acled_latin1.csv").read_bytes().index(b"\xe9")


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        (
            "acled_missing_columns.csv",
            "acled",
            "The file lacks required ACLED columns: event_date, fatalities.",
        ),
        (
            "acled_latin1.csv",
            "acled",
            "The file is not UTF-8: the byte 0xE9 at byte position {latin1} (line 2) is not "
            "valid UTF-8. Save the file as UTF-8 CSV and upload it again.",
        ),
        (
            "not_a_csv.png",
            "acled",
            "This is not a CSV file: it looks like a PNG image. Export the data as CSV (UTF-8) "
            "and upload that.",
        ),
        ("binary_blob.csv", "ucdp", "This is not a CSV file: it contains binary data"),
        ("acled_semicolons.csv", "acled", "seem separated by semicolons or tabs"),
        (
            "unclosed_quote.csv",
            "acled",
            "The file is not valid CSV: a quoted field that starts on line 2 is never closed.",
        ),
        ("acled_header_only.csv", "acled", "The file has a header but no data rows."),
        ("ucdp_small.csv", "acled", "It looks like the UCDP GED format: choose that one."),
        ("acled_2020_style.csv", "ucdp", "It looks like the ACLED format: choose that one."),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole_with_a_clear_reason(
    analyst, dataset_source, media_root, name, fmt, expected
):
    with pytest.raises(ApplicationValidationError) as caught:
        import_job_create(
            actor=analyst, file=FIXTURES / name, format=fmt, source=dataset_source.pseudonym
        )

    [message] = caught.value.fields["file"]
    assert expected.format(latin1=f"{_latin1_position():,}") in message
    assert not ImportJob.objects.exists()
    assert not any(Path(media_root).rglob("*.*")) if Path(media_root).exists() else True


def test_a_file_above_the_stated_limit_is_refused_before_it_is_read(
    analyst, dataset_source, media_root, tmp_path
):
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:
        handle.truncate(IMPORT_MAX_BYTES + 1)  # sparse: no time spent writing it

    with pytest.raises(ApplicationValidationError) as caught:
        import_job_create(actor=analyst, file=big, format="acled", source=dataset_source.pseudonym)

    assert caught.value.fields["file"] == [
        "The file is 50.0 MiB; the limit is 50.0 MiB. Split it into smaller files and import each."
    ]
    assert IMPORT_MAX_BYTES == 50 * 1024 * 1024


def test_an_unknown_source_a_classification_above_clearance_and_no_file_are_field_errors(
    analyst, media_root
):
    with pytest.raises(ApplicationValidationError) as caught:
        import_job_create(
            actor=analyst,
            file=None,
            format="acled",
            source="SRC-NOPE",
            classification="STRICTLY_CONFIDENTIAL",
        )

    assert caught.value.fields == {
        "source": ["No source is known as 'SRC-NOPE'; choose one from the list of sources."],
        "classification": [
            "You are cleared up to CONFIDENTIAL and cannot file material marked STRICTLY "
            "CONFIDENTIAL."
        ],
        "file": ["Choose a CSV file to upload."],
    }


@pytest.mark.parametrize("person", ["liaison", "partner", "auditor", "outsider", "special_adviser"])
def test_people_without_the_import_permission_cannot_create_a_job(
    request, person, dataset_source, media_root
):
    user = request.getfixturevalue(person)
    with pytest.raises(ApplicationValidationError) as caught:
        import_job_create(
            actor=user,
            file=FIXTURES / "acled_2020_style.csv",
            format="acled",
            source=dataset_source.pseudonym,
        )
    assert caught.value.fields == {"non_field_errors": ["Your role cannot import event files."]}
    assert not ImportJob.objects.exists()


# --- Running, resuming, auditing --------------------------------------------------------------


def test_a_job_is_audited_once_at_its_start_and_once_at_its_end_never_per_row(
    analyst, dataset_source, media_root
):
    job = run_import(analyst, dataset_source, "acled_2020_style.csv", "acled")

    rows = AuditEvent.objects.filter(object_type="cases.importjob", object_id=str(job.pk))
    assert [r.action for r in rows.order_by("id")] == ["import.create", "import.finish"]
    finish = rows.get(action="import.finish").summary
    assert finish == {
        "status": "done",
        "source": dataset_source.pseudonym,
        "rows_total": 13,
        "rows_imported": 4,
        "rows_already_present": 0,
        "rows_failed": 9,
    }
    assert not AuditEvent.objects.filter(action__startswith="signal.").exists()


def test_row_errors_quote_short_values_but_never_notes_actors_outlets_or_identities(
    analyst, dataset_source, media_root
):
    job = run_import(analyst, dataset_source, "acled_2020_style.csv", "acled")

    report = "".join(import_job_errors_csv(job))
    for never in (
        SECRET_NAME,
        "Conflict data project",
        "Clashes",
        "Military Forces",
        "Mareb Press",
        "Atlantis Herald",
        "shopkeepers",
    ):
        assert never not in report
    assert report.splitlines()[0] == "row,field,problem"
    assert "4,latitude,Latitude 91 is outside -90 to 90." in report


def test_a_job_already_done_is_left_alone(analyst, dataset_source, media_root):
    job = run_import(analyst, dataset_source, "acled_2020_style.csv", "acled")
    finished = job.finished_at

    again = import_job_run(job.pk)

    assert (again.status, again.finished_at, again.rows_imported) == ("done", finished, 4)
    assert ImportRowError.objects.filter(job=job).count() == 10
    assert AuditEvent.objects.filter(action="import.finish").count() == 1


def test_a_half_done_job_run_again_continues_after_its_last_batch(
    analyst, dataset_source, media_root, monkeypatch
):
    monkeypatch.setattr(importers, "BATCH_SIZE", 4)
    job = import_job_create(
        actor=analyst,
        file=FIXTURES / "acled_2020_style.csv",
        format="acled",
        source=dataset_source.pseudonym,
        enqueue=False,
    )

    def crash_after_first_batch(current: ImportJob) -> None:
        raise RuntimeError("the worker was lost")

    stopped = import_job_run(job.pk, progress=crash_after_first_batch)
    assert stopped.status == ImportJob.Status.FAILED
    assert stopped.rows_done == 4
    assert stopped.failure.startswith(
        "The import met an internal error (RuntimeError) after row 4. The rows before it were "
        "kept; run it again"
    )
    assert Signal.objects.count() == 2

    resumed = import_job_run(job.pk)

    assert resumed.status == ImportJob.Status.DONE and resumed.failure == ""
    assert (resumed.rows_done, resumed.rows_imported, resumed.rows_failed) == (13, 4, 9)
    assert resumed.rows_already_present == 0
    assert Signal.objects.count() == 4
    # The repeat of row 1's id in row 9 is still recognised although row 1 was in the first run.
    assert errors_by_row(resumed)[9] == {
        "event_id_cnty": ["Repeats the event id of row 1; only the first is kept."]
    }


def test_a_missing_stored_file_fails_the_job_with_a_clear_message(
    analyst, dataset_source, media_root
):
    job = import_job_create(
        actor=analyst,
        file=FIXTURES / "ucdp_small.csv",
        format="ucdp",
        source=dataset_source.pseudonym,
        enqueue=False,
    )
    Path(job.file.path).unlink()

    failed = import_job_run(job.pk)

    assert failed.status == ImportJob.Status.FAILED
    assert failed.failure == "The stored file is missing; upload it again to import it."
    assert failed.finished_at is not None


def test_the_job_is_enqueued_only_once_its_transaction_commits(
    analyst, dataset_source, media_root, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[int] = []
    from cases import tasks

    monkeypatch.setattr(tasks.import_events_task, "delay", lambda job_id: sent.append(job_id))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(
            actor=analyst,
            file=FIXTURES / "ucdp_small.csv",
            format="ucdp",
            source=dataset_source.pseudonym,
        )
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [job.pk]
    assert job.status == ImportJob.Status.QUEUED and job.rows_total == 7


# --- The Celery task in a real worker ---------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_import_it_was_sent_after_the_commit(
    media_root, monkeypatch, analyst, dataset_source, request
):
    # The worker is another process: it must find the stored file where this test put it.
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    request.getfixturevalue("celery_worker")
    with transaction.atomic():
        job = import_job_create(
            actor=analyst,
            file=FIXTURES / "ucdp_small.csv",
            format="ucdp",
            source=dataset_source.pseudonym,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            break
        time.sleep(0.25)
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_imported, job.rows_failed) == (3, 4)
    assert Signal.objects.filter(origin=Origin.UCDP).count() == 3


# --- The command ------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_writes_the_error_report(
    analyst, dataset_source, media_root, tmp_path
):
    out = io.StringIO()
    report = tmp_path / "errors.csv"

    call_command(
        "import_events",
        str(FIXTURES / "ucdp_small.csv"),
        format="ucdp",
        source=dataset_source.pseudonym,
        username="amina",
        errors_csv=str(report),
        stdout=out,
    )

    text = out.getvalue()
    assert "7 rows of UCDP GED (CSV)" in text
    assert "7 of 7 rows: 3 imported, 0 already present, 4 with errors" in text
    assert re.search(
        r"Done in [\d.]+ s .*: 3 imported, 0 already present, 4 rows with errors", text
    )
    lines = report.read_text().splitlines()
    assert (
        lines[0] == "row,field,problem"
        and lines[1] == "4,latitude,Latitude 91 is outside -90 to 90."
    )
    assert Signal.objects.filter(origin=Origin.UCDP).count() == 3
    job = ImportJob.objects.get()
    assert job.status == "done" and job.classification == Classification.PUBLIC


def test_the_command_says_how_to_get_the_errors_when_no_path_is_given(
    analyst, dataset_source, media_root
):
    out = io.StringIO()
    call_command(
        "import_events",
        str(FIXTURES / "acled_2020_style.csv"),
        format="acled",
        source=dataset_source.pseudonym,
        username="amina",
        stdout=out,
    )
    job = ImportJob.objects.get()
    assert (
        f"10 problems in 9 rows: rerun with --errors-csv PATH to write them, or download "
        f"/imports/{job.pk}/errors.csv in the browser." in out.getvalue()
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["acled_missing_columns.csv", "--format", "acled"],
            "file: The file lacks required ACLED columns: event_date, fatalities.",
        ),
        (["not_a_csv.png", "--format", "ucdp"], "file: This is not a CSV file"),
        (["ucdp_small.csv", "--format", "ucdp", "--source", "SRC-NOPE"], "source: No source"),
        (
            ["ucdp_small.csv", "--format", "ucdp", "--classification", "SECRET"],
            "classification: unknown classification 'SECRET'",
        ),
        (["ucdp_small.csv", "--format", "ucdp", "--username", "nobody"], "no active account"),
    ],
)
def test_the_command_fails_clearly_on_a_file_level_problem(
    analyst, dataset_source, media_root, arguments, message
):
    name, *options = arguments
    if "--source" not in options:
        options += ["--source", dataset_source.pseudonym]
    if "--username" not in options:
        options += ["--username", "amina"]
    with pytest.raises(CommandError) as caught:
        call_command("import_events", str(FIXTURES / name), *options, stdout=io.StringIO())
    assert message in str(caught.value)
    assert not ImportJob.objects.exists()


# --- Parsing helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9-May-20", date(2020, 5, 9)),
        ("27-Apr-97", date(1997, 4, 27)),
        ("01-January-2015", date(2015, 1, 1)),
        ("28 December 2022", date(2022, 12, 28)),
        ("2016-01-01", date(2016, 1, 1)),
        ("2016-01-01 00:00:00.000", date(2016, 1, 1)),
        ("5 MAY 2019", date(2019, 5, 5)),
        ("31-Feb-20", None),
        ("05/09/2020", None),  # day or month first? Refused rather than guessed.
        ("yesterday", None),
    ],
)
def test_dates_are_read_in_every_format_the_files_use(text, expected):
    assert importers._date_parse(text) == expected


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Kosovo", "XKX"),
        ("Democratic Republic of Congo", "COD"),
        ("Ivory Coast", "CIV"),
        ("Palestine", "PSE"),
        ("Curacao", "CUW"),
        ("Laos", "LAO"),
        ("Vietnam", "VNM"),
        ("Turkey", "TUR"),
        ("Syria", "SYR"),
        ("DR Congo (Zaire)", "COD"),
        ("Yemen (North Yemen)", "YEM"),
        ("Russia (Soviet Union)", "RUS"),
        ("Bosnia-Herzegovina", "BIH"),
        ("  benin ", "BEN"),
        ("Atlantis", None),
        ("Niger Delta", None),  # a fuzzy match would say Niger
        ("Akrotiri and Dhekelia", None),
    ],
)
def test_country_names_map_to_iso_codes_offline_and_never_by_guessing(name, code):
    assert importers._lookup_name(name) == code


def test_a_headline_stays_within_300_characters_and_keeps_the_place():
    headline = importers.headline_compose(
        "Armed clash", "A" * 250, "B" * 250, "Al Madid, Sanaa, Yemen", against=False
    )
    assert len(headline) <= 300
    assert headline.startswith("Armed clash: AAAA") and headline.endswith(
        " in Al Madid, Sanaa, Yemen"
    )


# --- The taxonomy and its documentation -------------------------------------------------------


def _doc_table(heading: str) -> list[list[str]]:
    text = (ROOT / "docs" / "taxonomy.md").read_text()
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    return rows[2:]  # past the header and its rule


def _code(cell: str) -> str:
    return cell.strip("`")


def test_the_documented_acled_tables_are_the_ones_the_code_uses():
    subs = {row[1].lower(): _code(row[2]) for row in _doc_table("### Sub-event types")}
    assert subs == {key: value.value for key, value in ACLED_SUB_EVENT_TYPES.items()}
    types = {
        row[0].lower(): _code(row[2])
        for row in _doc_table("### Event types (when the sub-event type is absent or not listed)")
    }
    assert types == {key: value.value for key, value in ACLED_EVENT_TYPES.items()}
    documented = {_code(row[0]) for row in _doc_table("## The categories")}
    assert documented == set(Category.values)


def test_the_documented_ucdp_table_is_the_one_the_code_uses():
    table = {int(row[0]): _code(row[2]) for row in _doc_table("## UCDP GED")}
    assert table == {key: value.value for key, value in UCDP_VIOLENCE_TYPES.items()}


@pytest.mark.parametrize(
    ("event_type", "sub_event_type", "targeting", "expected"),
    [
        ("Violence Against Civilians", "", "", Category.VIOLENCE_AGAINST_CIVILIANS),
        ("Explosions/Remote violence", "Air/drone strike", "", Category.ARMED_CLASH),
        (
            "Explosions/Remote violence",
            "Air/drone strike",
            "Civilian targeting",
            Category.VIOLENCE_AGAINST_CIVILIANS,
        ),
        ("Protests", "Excessive force against protesters", "Civilian targeting", "civic_space"),
        ("Violence against civilians", "Sexual violence", "Civilian targeting", "sexual_violence"),
        ("Battles", "A sub-event ACLED adds next year", "", Category.ARMED_CLASH),
        ("Parades", "Float", "", None),
    ],
)
def test_acled_categories_follow_the_sub_event_then_the_event_then_civilian_targeting(
    event_type, sub_event_type, targeting, expected
):
    assert acled_category(event_type, sub_event_type, targeting) == expected
