"""The planner's cheaper readings of partition names and bounds give what the plain ones gave: a clone's
index name is makeObjectName's whether or not it fits uncut, and bounds keyed by their fields' text
match exactly when their reprs do."""

from __future__ import annotations

from datetime import date

from schemagen.model import Index, IndexElement, PartitionBound, PrimaryKey, Table, UniqueConstraint
from schemagen.plan import schemes
from schemagen.postgres.names import index_name_addition, make_object_name


def _named_as_postgres_does(table: Table, relation: str, taken: set[str]) -> dict[str, str]:
    """ChooseIndexName for each clone, every candidate through makeObjectName."""
    names: dict[str, str] = {}
    picked: set[str] = set()
    wanted = [(table.primary_key.name, "pkey", [])] if table.primary_key is not None else []
    wanted += [(u.name, "key", list(u.columns)) for u in table.uniques]
    wanted += [(i.name, "idx", [e.column or "" for e in i.elements]) for i in table.indexes]
    for key, label, columns in wanted:
        addition = index_name_addition(columns) if columns else None
        candidate, n = make_object_name(relation, addition, label), 0
        while candidate in taken or candidate in picked:
            n += 1
            candidate = make_object_name(relation, addition, f"{label}{n}")
        picked.add(candidate)
        names[key] = candidate
    return names


def test_clone_index_names_are_make_object_names_at_every_length() -> None:
    for column in ("c", "a_rather_long_column_name_of_thirty", "é" * 20):
        table = Table(
            "t",
            "public",
            (),
            primary_key=PrimaryKey("t_pkey", (column,)),
            uniques=(UniqueConstraint("t_key", (column, "other")),),
            indexes=(
                Index("t_a_idx", "t", (IndexElement(column=column),)),
                Index("t_b_idx", "t", (IndexElement(column=column), IndexElement(column="x"))),
            ),
        )
        labels = schemes.clone_index_labels(table)
        for length in range(1, 70):  # each side of 63 bytes, with names of 1- and 2-byte characters
            for relation in ("p" * length, "ü" * (length // 2) + "p" * (length % 2)):
                expected = _named_as_postgres_does(table, relation, set())
                assert schemes.clone_index_names(table, relation, frozenset(), labels) == expected
                # names taken already: the label is numbered, as by makeObjectName
                taken = set(expected.values())
                assert schemes.clone_index_names(table, relation, taken) == _named_as_postgres_does(
                    table, relation, taken
                )


def test_bound_keys_match_when_reprs_do() -> None:
    bounds = [
        PartitionBound(modulus=4, remainder=1),
        PartitionBound(modulus=4, remainder=2),
        PartitionBound(modulus=8, remainder=1),
        PartitionBound(range_from=date(2024, 1, 1), range_to=date(2024, 2, 1)),
        PartitionBound(range_from="2024-01-01", range_to="2024-02-01"),
        PartitionBound(range_from=[1, "a"], range_to=[2, "b"]),  # type: ignore[arg-type]
        PartitionBound(range_from=[1, "a"], range_to=[2, "c"]),  # type: ignore[arg-type]
        PartitionBound(values=(1,)),
        PartitionBound(values=(1.0,)),
        PartitionBound(values=(True,)),
        PartitionBound(values=("1",)),
        PartitionBound(is_default=True),
    ]
    for x in bounds:
        for y in bounds:
            assert (schemes.bound_key(x) == schemes.bound_key(y)) == (repr(x) == repr(y))
