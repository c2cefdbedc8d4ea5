"""The real ACLED and UCDP files in ../shared/data, imported end to end.

They skip only when that folder is absent, and fail instead when R2P_REQUIRE_SHARED_DATA=1
(as .ci/run sets it), so CI can never pass without having imported them.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pytest

from cases.importers import import_job_create, import_job_run
from cases.models import Category, ImportJob, ImportRowError, Origin, Signal, Source
from tests.cases.test_importers import dataset_source_create

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def dataset_source(analyst) -> Source:
    return dataset_source_create(analyst)


def shared_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_file():
        if os.environ.get("R2P_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"R2P_REQUIRE_SHARED_DATA=1 but {path.resolve()} is missing")
        pytest.skip(f"{SHARED_DATA.resolve()} is absent")
    return path


def import_twice(actor, source, name: str, fmt: str) -> tuple[ImportJob, ImportJob, float]:
    path = shared_file(name)
    started = time.monotonic()
    job = import_job_create(actor=actor, file=path, format=fmt, source=source, enqueue=False)
    first = import_job_run(job.pk)
    elapsed = time.monotonic() - started
    assert first.status == ImportJob.Status.DONE, first.failure
    signals = Signal.objects.count()
    again = import_job_create(actor=actor, file=path, format=fmt, source=source, enqueue=False)
    second = import_job_run(again.pk)
    assert second.status == ImportJob.Status.DONE, second.failure
    assert Signal.objects.count() == signals, "the second import created signals"
    assert second.rows_imported == 0
    assert second.rows_already_present == first.rows_imported
    assert second.rows_failed == first.rows_failed
    print(f"\n{name}: {first.rows_total} rows in {elapsed:.1f} s")
    return first, second, elapsed


def accounted(job: ImportJob, records: int) -> None:
    assert job.rows_total == job.rows_done == records
    assert job.rows_imported + job.rows_failed + job.rows_already_present == records


def test_the_acled_2020_global_sample_imports_all_but_its_truncated_last_row(
    analyst, dataset_source, media_root
):
    first, _, _ = import_twice(
        analyst, dataset_source, "acled_2020_global_sample_RPanlilio.csv", "acled"
    )

    accounted(first, 5071)
    assert (first.rows_imported, first.rows_failed) == (5070, 1)
    # The file's last row stops after the actors: no date problem, but no country either.
    assert list(ImportRowError.objects.filter(job=first).values_list("row", "field")) == [
        (5071, "country")
    ]
    signals = Signal.objects.filter(origin=Origin.ACLED)
    assert signals.filter(country="XKX").count() == 1
    assert signals.values("country").distinct().count() == 106
    assert signals.filter(fatalities_best__isnull=True).count() == 0
    yemen = signals.get(external_id="YEM52360")
    assert yemen.fatalities_best == 7 and yemen.original_source_text == (
        "Mareb Press; Yemen Data Project"
    )
    assert yemen.description.startswith("On 9 May 2020, clashes erupted between pro-Houthi")


def test_the_legacy_acled_asia_2015_file_imports_every_record_despite_multiline_notes(
    analyst, dataset_source, media_root
):
    first, _, _ = import_twice(
        analyst, dataset_source, "acled_asia_2015_legacy_katehara.csv", "acled"
    )

    accounted(first, 10194)
    assert (first.rows_imported, first.rows_failed) == (10194, 0)
    signals = Signal.objects.filter(origin=Origin.ACLED)
    assert set(signals.values_list("country", flat=True)) == {
        "BGD", "IND", "KHM", "LAO", "LKA", "MMR", "NPL", "PAK", "THA", "VNM",
    }  # fmt: skip
    categories = Counter(signals.values_list("category", flat=True))
    # 677 "Violence against civilians" and 6 "Violence Against Civilians" are one type.
    assert categories[Category.VIOLENCE_AGAINST_CIVILIANS] == 683
    assert categories[Category.ARMED_MOBILISATION] == 107 + 2
    assert signals.filter(description__contains="\n").exists()


def test_the_benin_export_reads_na_as_unknown(analyst, dataset_source, media_root):
    first, _, _ = import_twice(
        analyst, dataset_source, "acled_benin_2009_2022_JoshMerfeld.csv", "acled"
    )

    accounted(first, 811)
    assert (first.rows_imported, first.rows_failed) == (811, 0)
    signals = Signal.objects.filter(origin=Origin.ACLED)
    assert set(signals.values_list("country", flat=True)) == {"BEN"}
    assert not signals.filter(admin1="NA").exists()
    assert not signals.filter(targeted_group__contains="NA").exists()
    newest = signals.get(external_id="BEN892")
    assert str(newest.occurred_on) == "2022-12-28"


def test_the_ucdp_syria_file_imports_fast_with_its_estimates(analyst, dataset_source, media_root):
    first, second, elapsed = import_twice(
        analyst, dataset_source, "ucdp_ged_syria_2016_2019.csv", "ucdp"
    )

    accounted(first, 16566)
    accounted(second, 16566)
    assert (first.rows_imported, first.rows_failed) == (16566, 0)
    assert elapsed < 60, f"16,566 rows took {elapsed:.0f} s"
    signals = Signal.objects.filter(origin=Origin.UCDP)
    categories = Counter(signals.values_list("category", flat=True))
    assert categories == {
        Category.ARMED_CLASH: 11507 + 4577,
        Category.VIOLENCE_AGAINST_CIVILIANS: 482,
    }
    assert sum(signals.values_list("fatalities_best", flat=True)) == 112337
    assert signals.filter(original_source_text="").count() == 0


def test_a_missing_shared_folder_skips_on_a_laptop_but_fails_in_ci(monkeypatch, tmp_path):
    import tests.cases.test_import_real_files as module

    monkeypatch.setattr(module, "SHARED_DATA", tmp_path / "absent")
    monkeypatch.delenv("R2P_REQUIRE_SHARED_DATA", raising=False)
    with pytest.raises(pytest.skip.Exception):
        shared_file("ucdp_ged_syria_2016_2019.csv")
    monkeypatch.setenv("R2P_REQUIRE_SHARED_DATA", "1")
    with pytest.raises(pytest.fail.Exception, match="R2P_REQUIRE_SHARED_DATA=1"):
        shared_file("ucdp_ged_syria_2016_2019.csv")
