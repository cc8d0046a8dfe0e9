"""Generated names: the project's naming templates, cut to PostgreSQL's 63 bytes with a stable suffix."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Iterable

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


def clip(name: str, size: int) -> str:
    """The longest prefix of `name` of at most `size` bytes that ends on a whole character (what
    PostgreSQL's `pg_mbcliplen` keeps).

    >>> clip("abc", 2), clip("名名", 5), clip("名名", 6)
    ('ab', '名', '名名')
    """
    return name.encode()[: max(size, 0)].decode(errors="ignore")


def postgres_name(name1: str, name2: str | None, label: str) -> str:
    """The name PostgreSQL derives for an object of `name1` (a table), `name2` (its columns joined by
    `_`, if any) and `label` (`seq`, `idx`, `key`, `pkey`, `fkey`…) — `makeObjectName()` in
    indexcmds.c: `name1_name2_label`, the longer of the two names shortened a byte at a time until
    it fits 63 bytes, then each cut back to a whole character.

    >>> postgres_name("Foo", "Bar", "idx")
    'Foo_Bar_idx'
    >>> postgres_name("名" * 21, "id", "seq") == "名" * 18 + "_id_seq"  # 56 bytes cut to 54
    True
    """
    overhead = len(label.encode()) + 1 if label else 0
    size1, size2 = len(name1.encode()), 0
    if name2 is not None:
        size2 = len(name2.encode())
        overhead += 1
    available = MAX_IDENTIFIER_BYTES - overhead
    while size1 + size2 > available:
        if size1 > size2:
            size1 -= 1
        else:
            size2 -= 1
    parts = [clip(name1, size1)]
    if name2 is not None:
        parts.append(clip(name2, size2))
    if label:
        parts.append(label)
    return "_".join(parts)


def sequence_name(table: str, column: str) -> str:
    """The name PostgreSQL gives the sequence of an identity column, `{table}_{column}_seq`, shortened
    its own way past 63 bytes (a clash with another relation would get a number: not told here)."""
    return postgres_name(table, column, "seq")


class Namer:
    """Fills the naming templates of one project."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates

    def make(self, kind: str, **fields: str | Iterable[str]) -> str:
        values = fields
        for value in fields.values():
            if not isinstance(value, str):  # columns, joined
                values = {k: v if isinstance(v, str) else "_".join(v) for k, v in fields.items()}
                break
        try:
            # `format(**values)` without copying them (a positional field is a ValueError here, an
            # IndexError there: either falls back)
            name = self.templates[kind].format_map(values)
        except (KeyError, IndexError, ValueError):
            # an invalid template is reported by the checks; fall back to the default shape
            return truncate("_".join(values.values()))  # type: ignore[arg-type]
        # a name of 63 ASCII characters or fewer is 63 bytes or fewer: kept whole (`truncate`)
        return name if len(name) <= MAX_IDENTIFIER_BYTES and name.isascii() else truncate(name)

    def partition_namer(self, table: str) -> Callable[[str], str]:
        """`make("partition", table=table, suffix=…)` for the many partitions of one table: the same
        names, without a call's keyword arguments and their checks for each."""
        template = self.templates.get("partition")
        if template is None:
            return lambda suffix: truncate(f"{table}_{suffix}")
        if template == "{table}_{suffix}":  # the default template: what it formats, joined directly
            head = f"{table}_"

            def joined(suffix: str) -> str:
                made = head + suffix
                return made if len(made) <= MAX_IDENTIFIER_BYTES and made.isascii() else truncate(made)

            return joined
        values = {"table": table, "suffix": ""}

        def name(suffix: str) -> str:
            values["suffix"] = suffix
            try:
                made = template.format_map(values)
            except (KeyError, IndexError, ValueError):  # as `make`
                return truncate(f"{table}_{suffix}")
            return made if len(made) <= MAX_IDENTIFIER_BYTES and made.isascii() else truncate(made)

        return name


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
