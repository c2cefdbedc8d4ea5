"""Progress for people on stderr; stdout is kept for the one JSON line."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
