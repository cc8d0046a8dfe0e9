"""Whether a hash split runs online (`recipes.reshard`), and the names of what it builds meanwhile.

An online split builds each new partition as a table of its own, loads it from the old partition
while that partition takes writes (a trigger logs the primary key of each row written, and the log
is replayed into the new tables), and holds the parent's ACCESS EXCLUSIVE only for the swap. It needs
what the log needs (a primary key, a key of plain columns), new partitions without partitions of
their own, and names that fit.
Other moves keep the one-transaction recipe of `recipes.partitions`.
"""

from __future__ import annotations

from schemagen.model import Table
from schemagen.plan.changes import HashSplit, PartitionMove
from schemagen.plan.schemes import clone_index_labels, clone_index_names

#: PostgreSQL's longest identifier, in bytes.
NAME_BYTES = 63


def temporary(name: str) -> str:
    """The name a new partition (or one of its indexes) has until the swap."""
    return f"{name}_new"


def check_name(child: str) -> str:
    """The CHECK that states a new partition's bound until it is attached."""
    return f"{child}_bound"


def capture_name(source: str) -> str:
    """The trigger (and its function) on an old partition that logs the keys of the rows written."""
    return f"schemagen_capture_{source}"


def log_name(source: str) -> str:
    """The change log of an old partition: the keys its trigger records, until the swap replays them."""
    return f"schemagen_log_{source}"


#: The column of the change log that says which operation wrote the key.
LOG_OPERATION = "schemagen_op"

#: Catch-up transactions between the copy and the swap. The first replays what was written during
#: the copy, each next one what was written during the one before, so the swap replays only the
#: writes of the last one and of its own wait for the lock.
CATCH_UPS = 2


#: The change `online` was asked about last, and its answer: the recipe and then the analyzer ask about
#: each change in turn (kept, so its id is not reused).
_LAST: list[tuple[PartitionMove, bool]] = []


def online(change: PartitionMove) -> bool:
    """Whether `change` is a hash split the online recipe can make."""
    if _LAST and _LAST[0][0] is change:
        return _LAST[0][1]
    answer = _online(change)
    _LAST[:] = [(change, answer)]
    return answer


def _online(change: PartitionMove) -> bool:
    table = change.table
    if not isinstance(change.why, HashSplit) or change.default is not None or change.parent != table.name:
        return False
    if any(k.column is None for k in change.scheme.key):
        return False
    added = _table_facts(table)
    if added is None:
        return False
    if any(child.sub is not None or child.bound.modulus is None for child in change.new):
        return False
    if any(child.schema not in (None, table.schema) for child in (*change.old, *change.new)):
        return False  # `names:` pins a partition to another schema: moved in one transaction
    names = [n for s in change.sources for n in (capture_name(s), log_name(s))]
    for child in change.new:
        names += [temporary(child.name), check_name(temporary(child.name))]
        if len(temporary(child.name).encode()) + added <= NAME_BYTES:
            continue  # each of its indexes' names fits too
        labels = clone_index_labels(table)
        names += [temporary(n) for n in clone_index_names(table, child.name, frozenset(), labels).values()]
    return all(len(n.encode()) <= NAME_BYTES for n in names)


#: `_table_facts` of the table asked about last (kept, so its id is not reused): a table's partitions
#: are split one after the other.
_FACTS: list[tuple[Table, int | None]] = []


def _table_facts(table: Table) -> int | None:
    """None when no split of `table` can run online whatever its partitions (no primary key, one that
    holds the log's own column, a foreign key to itself); else the longest an index name can add to its
    partition's: `_columns`, `_label` and the number appended while the name is taken (by another index
    of the same partition at most)."""
    if _FACTS and _FACTS[0][0] is table:
        return _FACTS[0][1]
    added: int | None = None
    if not (
        table.primary_key is None
        or LOG_OPERATION in table.primary_key.columns
        or any(fk.ref_table == table.name and fk.ref_schema == table.schema for fk in table.foreign_keys)
    ):
        labels = clone_index_labels(table)
        added = max((end_bytes for *_, end_bytes in labels), default=0) + len(str(len(labels)))
    _FACTS[:] = [(table, added)]
    return added
