"""Where schemagen keeps what it may reuse between runs: compiled templates and methods, `check`'s
clean trees, inspect's template shapes, each in a folder or file of its own under one root."""

from __future__ import annotations

import os


def cache_root() -> str | None:
    """`$XDG_CACHE_HOME/schemagen` (default `~/.cache/schemagen`); None when `SCHEMAGEN_NO_CACHE` is
    set. Nothing is made here: a cache that cannot be written is no cache, which each user says."""
    if os.environ.get("SCHEMAGEN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "schemagen")
