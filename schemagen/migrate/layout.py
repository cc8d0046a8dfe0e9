"""Where the migration files live under `generated/`: a module of its own so that `check`'s cache of
clean trees can name the folder without importing the history and its Model."""

from __future__ import annotations

__all__ = ["MIGRATIONS_DIR"]

MIGRATIONS_DIR = "migrations"
