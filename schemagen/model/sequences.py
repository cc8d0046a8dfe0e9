"""Sequences as PostgreSQL resolves them: the options it chooses when a statement leaves them out,
the canonical form of a `SequenceGenerator` (those options left out), and the default that numbers a
column from a sequence.

A spec that writes `start: 1` and one that leaves it out mean the same sequence, and so does the
catalog of either; `canonical` makes their Models equal, whichever side spelled what.
"""

from __future__ import annotations

from dataclasses import replace

from schemagen.model.naming import truncate
from schemagen.model.objects import Default, IdentityOptions, SequenceGenerator, SequenceType
from schemagen.postgres.identifiers import qname

__all__ = [
    "TYPE_LIMITS",
    "canonical",
    "canonical_identity",
    "default_bounds",
    "identity_sequence",
    "resolved",
    "sequence_default",
    "sequence_type",
    "serial_name",
]

#: The smallest and largest value of each type a sequence may be.
TYPE_LIMITS: dict[SequenceType, tuple[int, int]] = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def sequence_type(type_: str) -> SequenceType | None:
    """`type_` (a canonical type) as a sequence's type, or None when a sequence cannot be one."""
    for name in TYPE_LIMITS:
        if name == type_:
            return name
    return None


def default_bounds(type_: SequenceType, increment: int) -> tuple[int, int]:
    """MINVALUE and MAXVALUE when left out: 1 to the type's largest for an ascending sequence, the
    type's smallest to -1 for a descending one."""
    low, high = TYPE_LIMITS[type_]
    return (1, high) if increment > 0 else (low, -1)


def resolved(sequence: SequenceGenerator) -> tuple[int, int, int]:
    """(start, min, max) as PostgreSQL has them: START defaults to MINVALUE for an ascending sequence
    and to MAXVALUE for a descending one."""
    low, high = default_bounds(sequence.type, sequence.increment)
    low = sequence.min_value if sequence.min_value is not None else low
    high = sequence.max_value if sequence.max_value is not None else high
    start = sequence.start
    if start is None:
        start = low if sequence.increment > 0 else high
    return start, low, high


def canonical(sequence: SequenceGenerator) -> SequenceGenerator:
    """`sequence` with every option that equals what PostgreSQL would choose left out (None)."""
    start, low, high = resolved(sequence)
    default_low, default_high = default_bounds(sequence.type, sequence.increment)
    default_start = low if sequence.increment > 0 else high
    return replace(
        sequence,
        start=None if start == default_start else start,
        min_value=None if low == default_low else low,
        max_value=None if high == default_high else high,
    )


def identity_sequence(type_: str, options: IdentityOptions | None) -> SequenceGenerator:
    """The sequence an identity column of `type_` has, as a nameless `SequenceGenerator`."""
    kind = sequence_type(type_) or "bigint"
    if options is None:
        return SequenceGenerator("", "", kind)
    return SequenceGenerator(
        "",
        "",
        kind,
        start=options.start,
        increment=options.increment,
        min_value=options.min_value,
        max_value=options.max_value,
        cache=options.cache,
        cycle=options.cycle,
    )


def canonical_identity(type_: str, options: IdentityOptions | None) -> IdentityOptions | None:
    """`options` of an identity column of `type_` with PostgreSQL's own left out; None when all are."""
    sequence = canonical(identity_sequence(type_, options))
    found = IdentityOptions(
        start=sequence.start,
        increment=sequence.increment,
        min_value=sequence.min_value,
        max_value=sequence.max_value,
        cache=sequence.cache,
        cycle=sequence.cycle,
    )
    return None if found == IdentityOptions() else found


def sequence_default(schema: str, name: str) -> Default:
    """The default of a column numbered by sequence `schema.name`: `nextval('schema.name'::regclass)`."""
    text = qname(name, schema).replace("'", "''")
    return Default(expression=f"nextval('{text}'::regclass)", sequence=name)


def serial_name(table: str, column: str) -> str:
    """The name `serial: true` gives the sequence of `table.column`: `{table}_{column}_seq`, as
    PostgreSQL names a serial's (cut to 63 bytes with a hash suffix when longer), when the project's
    `naming.sequence` is the default."""
    return truncate(f"{table}_{column}_seq")
