"""The demo intake `make run` loads on its first start."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from cases import access
from cases.models import ImportJob, Signal, Situation, Source
from r2p.models import User

pytestmark = pytest.mark.django_db

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_the_first_run_loads_demo_sources_situations_and_signals_through_the_services(capsys):
    call_command("r2p_demo")
    out = capsys.readouterr().out
    assert "Demo intake: 7 sources, 3 situations, 11 signals." in out
    assert Source.objects.count() == 7 and Situation.objects.count() == 3
    assert Signal.objects.filter(origin="demo").count() == 11
    amina = User.objects.get(username="amina")
    bruno = User.objects.get(username="bruno")
    # Amina cannot see the strictly confidential material; Bruno, who filed it, can.
    strict = Signal.objects.filter(classification=2)
    assert strict.exists()
    assert not access.signals_visible(amina).filter(pk__in=strict).exists()
    assert access.signals_visible(bruno).filter(pk__in=strict).count() == strict.count()
    assert bruno.has_perm("cases.protect_sources")
    # A second run adds nothing.
    call_command("r2p_demo")
    assert Source.objects.count() == 7


def test_the_acled_sample_is_queued_through_the_real_import_path_when_shared_data_is_there(
    capsys, django_capture_on_commit_callbacks, monkeypatch
):
    if not SHARED_DATA.exists():
        if os.environ.get("R2P_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"R2P_REQUIRE_SHARED_DATA=1 but {SHARED_DATA} is missing")
        pytest.skip("../shared/data is absent")
    from cases import importers

    queued = []
    monkeypatch.setattr(importers, "_enqueue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("r2p_demo")
    job = ImportJob.objects.get()
    assert job.original_filename == "acled_2020_global_sample_RPanlilio.csv"
    assert queued == [job.pk]
    assert f"import job {job.pk}" in capsys.readouterr().out
