"""Generated names: the project's naming templates, cut to PostgreSQL's 63 bytes with a stable suffix."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable

MAX_IDENTIFIER_BYTES = 63
_HASH_CHARS = 8

#: The placeholders each naming template may use.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "primary_key": frozenset({"table"}),
    "foreign_key": frozenset({"table", "columns"}),
    "unique": frozenset({"table", "columns"}),
    "index": frozenset({"table", "columns"}),
    "check": frozenset({"table", "name"}),
    "partition": frozenset({"table", "suffix"}),
    "archive_table": frozenset({"table"}),
    "archive_function": frozenset({"table"}),
    "refresh_function": frozenset({"view"}),
    "sequence": frozenset({"table", "column"}),
}


def template_problem(kind: str, template: str) -> str | None:
    """Why `template` cannot be a naming template of `kind`, or None when it can."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        return str(error)
    unknown = fields - PLACEHOLDERS[kind]
    if unknown:
        return f"unknown placeholder {{{sorted(unknown)[0]}}}"
    if not template.strip():
        return "empty template"
    return None


def truncate(name: str) -> str:
    """`name` if it fits 63 bytes; else a prefix plus `_` and 8 hex digits of its sha256.

    The suffix depends only on the full name, so the same long name is cut the same way every time
    and two long names that share a prefix still differ.
    """
    data = name.encode()
    if len(data) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha256(data).hexdigest()[:_HASH_CHARS]
    keep = data[: MAX_IDENTIFIER_BYTES - _HASH_CHARS - 1].decode(errors="ignore")
    return f"{keep}_{digest}"


def sequence_name(table: str, column: str) -> str | None:
    """The name PostgreSQL gives the sequence of an identity column, `{table}_{column}_seq`; None when
    that is longer than 63 bytes (PostgreSQL then shortens it its own way)."""
    name = f"{table}_{column}_seq"
    return name if len(name.encode()) <= MAX_IDENTIFIER_BYTES else None


class Namer:
    """Fills the naming templates of one project."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates

    def make(self, kind: str, **fields: str | Iterable[str]) -> str:
        values = {k: v if isinstance(v, str) else "_".join(v) for k, v in fields.items()}
        try:
            return truncate(self.templates[kind].format(**values))
        except (KeyError, IndexError, ValueError):
            # an invalid template is reported by the checks; fall back to the default shape
            return truncate("_".join(values.values()))


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name1`, `name2`… (as PostgreSQL names clashing indexes) when it is taken."""
    if name not in taken:
        taken.add(name)
        return name
    counter = 1
    while True:
        candidate = truncate(f"{name}{counter}")
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        counter += 1
