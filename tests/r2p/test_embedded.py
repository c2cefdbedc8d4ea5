"""The embedded PostgreSQL and Redis a newcomer gets: they start, keep their data, and stop."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    import psycopg2, redis
    from r2p import embedded

    phase = sys.argv[1]
    db_url = embedded.postgres_start()
    redis_url = embedded.redis_start() + "/0"
    assert embedded.started_here == {"postgres", "redis"}, embedded.started_here
    conn = psycopg2.connect(db_url.replace("postgres://", "postgresql://"))
    conn.autocommit = True
    r = redis.Redis.from_url(redis_url)
    with conn.cursor() as cur:
        if phase == "first":
            cur.execute("CREATE TABLE warning (id int)")
            cur.execute("INSERT INTO warning VALUES (42)")
            r.set("queued", "task-1")
        else:
            cur.execute("SELECT id FROM warning")
            print("postgres kept", cur.fetchone()[0])
            print("redis kept", r.get("queued").decode())
    conn.close()
    embedded.stop_what_this_process_started()
    assert not embedded.postgres_is_running()
    assert embedded.redis_base_url() is None
    print("stopped cleanly")
    """
)


def test_the_embedded_services_keep_their_data_across_a_stop_and_a_start(tmp_path):
    env = {**os.environ, "R2P_DATA_DIR": str(tmp_path / "data")}
    env.pop("XDG_RUNTIME_DIR", None)
    for phase in ("first", "second"):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, phase],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert "postgres kept 42" in result.stdout
    assert "redis kept task-1" in result.stdout
    assert "stopped cleanly" in result.stdout
    redis_conf = (tmp_path / "data" / "redis" / "redis.conf").read_text()
    assert "appendonly yes" in redis_conf and "bind 127.0.0.1" in redis_conf
    assert "requirepass" in redis_conf
