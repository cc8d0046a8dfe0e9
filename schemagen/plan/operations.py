"""The planner's output: typed operations. SQL appears only when templates render their steps."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class Lock(IntEnum):
    """PostgreSQL's table lock levels, weakest first; a step states the strongest it takes."""

    NONE = 0
    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def label(self) -> str:
        return "no table lock" if self is Lock.NONE else self.name.replace("_", " ")


@dataclass(frozen=True, order=True)
class TableLock:
    """A table-level lock a statement takes: the relation, schema-qualified, and the mode."""

    schema: str
    relation: str
    mode: Lock

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.relation}"


@dataclass(frozen=True)
class Step:
    """One SQL statement: the template that renders it, its arguments, and what it locks.

    `lock` and `on` state the strongest lock for the header; `locks` lists every table the statement
    locks, with its mode, where it locks more than the table it names (a foreign key locks both
    ends, a detach the parent, the partition and the tables the partition references). `brief` marks
    an ACCESS EXCLUSIVE that lasts only for a catalog change (no scan, no rewrite); anything else
    holding ACCESS EXCLUSIVE must be flagged by a hazard.
    """

    template: str
    args: dict[str, Any]
    lock: Lock
    on: str = ""
    transactional: bool = True
    brief: bool = True
    locks: tuple[TableLock, ...] = ()

    def __hash__(self) -> int:
        return hash((self.template, self.lock, self.on))


@dataclass(frozen=True)
class Hazard:
    """Something a reviewer must know about an operation: a stable code, what happens, the fix."""

    code: str
    message: str
    fix: str
    destructive: bool = False


@dataclass(frozen=True)
class Operation:
    """One change of the schema: its statements in order, what they lock, and what to know.

    The inverse of a whole plan is planned, not hand-written: the down migration of A → B is
    `plan(B, A, down=True)` with the renames reversed, so it goes through the same rules as any change.
    """

    kind: str
    target: str
    comment: str
    up: tuple[Step, ...]
    hazards: tuple[Hazard, ...] = ()
    order: int = 50  # phase in the plan (see differ.Phase); ties keep the planner's order

    @property
    def lock(self) -> Lock:
        return max((s.lock for s in self.up), default=Lock.NONE)

    @property
    def transactional(self) -> bool:
        return all(s.transactional for s in self.up)
