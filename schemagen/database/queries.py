"""The SQL this subpackage sends, read from the packaged `sql/<name>.sql` files.

Every statement schemagen runs on its own account (catalog reads, the runner's history and locks,
creating throwaway databases…) is one file under `sql/`, with a comment saying why where it is not
obvious. Values go in as query parameters (`%(name)s`); where an identifier varies, the file holds a
`{placeholder}` that `composed` fills with `psycopg.sql` objects, so nothing is quoted by hand. A few
files are never sent: they wrap a fragment of catalog text (`parse_*.sql`) so that PostgreSQL's own
parser (pglast) can read it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from psycopg import sql

__all__ = ["composed", "query"]


@cache
def query(name: str) -> str:
    """The text of the packaged `sql/<name>.sql`, read once."""
    return (files("schemagen.database") / "sql" / f"{name}.sql").read_text(encoding="utf-8")


def composed(name: str, **parts: sql.Composable) -> sql.Composed:
    """The packaged statement `name` with each `{placeholder}` filled by the part of that name: an
    `sql.Identifier`, or `sql.SQL` for text that is already SQL (user input, rendered templates)."""
    return sql.SQL(query(name)).format(**parts)
