"""The benchmark's own database on the configured PostgreSQL server.

It is created (and, unless reused, dropped first) through a maintenance connection to the
application's database, so only the right to create databases is needed. Only a database whose
name says "bench" and that is not the application's may ever be dropped.
"""

from __future__ import annotations

from typing import Any

import psycopg2
from psycopg2 import sql


class BenchDatabaseError(RuntimeError):
    """The benchmark database cannot be used; the message says why and what to do."""


def _connect(params: dict[str, Any]):
    # Django's connection parameters, less what only Django's wrapper understands.
    clean = {k: v for k, v in params.items() if k not in {"cursor_factory", "context"}}
    try:
        conn = psycopg2.connect(**clean)
    except psycopg2.Error as exc:
        raise BenchDatabaseError(f"cannot reach PostgreSQL: {exc}".strip()) from None
    conn.autocommit = True
    return conn


def bench_name_check(name: str, app_database: str) -> None:
    if "bench" not in name:
        raise BenchDatabaseError(
            f"refusing to use database {name!r}: a benchmark database's name must contain "
            "'bench', so that it can never be mistaken for real data"
        )
    if name == app_database:
        raise BenchDatabaseError(f"{name!r} is the application's own database")


def bench_database_prepare(*, params: dict[str, Any], name: str, reuse: bool) -> bool:
    """Make sure database `name` exists; empty unless `reuse`. True when it was created now."""
    bench_name_check(name, params.get("dbname", ""))
    conn = _connect(params)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and reuse:
                return False
            try:
                if exists:
                    cursor.execute(
                        sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
                    )
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg2.Error as exc:
                raise BenchDatabaseError(
                    f"cannot create the benchmark database {name!r}: {exc}".strip()
                    + " (the database user needs the CREATEDB right)"
                ) from None
    finally:
        conn.close()
    return True


def bench_database_drop(*, params: dict[str, Any], name: str) -> None:
    bench_name_check(name, params.get("dbname", ""))
    conn = _connect(params)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        conn.close()
