"""`make run`: migrate, prepare, then run the web server, one worker and one beat together.

When DATABASE_URL and REDIS_URL are unset the embedded PostgreSQL and Redis are started by
settings; this command hands their URLs to its children and stops them on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from r2p import embedded

GRACE_SECONDS = 20


class Command(BaseCommand):
    help = "Run r2p: gunicorn, a Celery worker and Celery beat, with migrations applied first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1"))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("r2p_demo")

        env = os.environ.copy()
        env["DATABASE_URL"] = settings.DATABASE_URL
        env["REDIS_URL"] = settings.REDIS_URL
        env.setdefault("DJANGO_SETTINGS_MODULE", "r2p.settings")
        bin_dir = Path(sys.executable).parent
        port = settings.PORT
        commands = {
            "web": [
                str(bin_dir / "gunicorn"),
                "r2p.wsgi",
                "--bind",
                f"{options['bind']}:{port}",
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            "worker": [
                str(bin_dir / "celery"),
                "-A",
                "r2p",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                "worker@%h",
            ],
            "beat": [
                str(bin_dir / "celery"),
                "-A",
                "r2p",
                "beat",
                "--loglevel",
                "INFO",
                "--pidfile=",
            ],
        }
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum=None, frame=None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for name, command in commands.items():
                # A session of their own: Ctrl-C reaches this process only, which then stops
                # the children in order and the embedded services last.
                children[name] = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nr2p is running on http://{options['bind']}:{port}/ "
                    "(web, worker, beat). Ctrl-C stops everything.\n"
                )
            )
            exit_code = 0
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with status {child.returncode}; stopping")
                        exit_code = 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop_children(children)
            if settings.EMBEDDED_REDIS:
                embedded.redis_stop()
            if settings.EMBEDDED_POSTGRES:
                embedded.postgres_stop()
            self.stdout.write("r2p stopped.")
        sys.exit(exit_code)

    def _stop_children(self, children: dict[str, subprocess.Popen]) -> None:
        for child in reversed(children.values()):
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
