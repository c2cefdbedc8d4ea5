"""Settings come from the environment; production settings pass Django's deployment check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "r2p.settings",
    "DEBUG": "false",
    "HTTPS": "true",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "r2p.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://r2p.example.org",
    # Nothing connects while checking, so services that do not exist are fine.
    "DATABASE_URL": "postgres://r2p@db.invalid:5432/r2p",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.invalid:587",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_passes_with_nothing_silenced_under_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("PORT", "eighty", "PORT='eighty' is not a whole number"),
        ("PORT", "70000", "PORT='70000' must be between 1 and 65535"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL must be a URL starting with postgres://"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with redis://"),
        ("SECRET_KEY", "too-short", "SECRET_KEY must be at least 50 characters"),
        ("CSRF_TRUSTED_ORIGINS", "r2p.example.org", "must start with http:// or https://"),
        ("EMAIL_URL", "carrier-pigeon://x", "EMAIL_URL must be a URL starting with smtp://"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not a logging level"),
    ],
)
def test_a_bad_variable_stops_start_up_with_its_name(name, value, message):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_escalation_targets_take_status_hours_pairs(monkeypatch):
    from r2p.settings import env_hours_by_status

    monkeypatch.setenv("ESCALATION_TARGET_HOURS", "draft=24, at_desk=12")
    targets = env_hours_by_status("ESCALATION_TARGET_HOURS")
    assert (targets["draft"], targets["at_desk"], targets["in_review"]) == (24, 12, 48)
    monkeypatch.setenv("ESCALATION_TARGET_HOURS", "decided=5")
    with pytest.raises(ImproperlyConfigured, match="ESCALATION_TARGET_HOURS"):
        env_hours_by_status("ESCALATION_TARGET_HOURS")
