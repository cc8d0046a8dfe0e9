"""plan/steps.py: one statement per migration template, and the facts the rest of the planner reads
from statements instead of template names."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from schemagen.model import (
    Column,
    Enum,
    ForeignKey,
    Index,
    IndexElement,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionScheme,
    Table,
)
from schemagen.plan import Lock, steps, usertype_steps
from schemagen.plan.operations import Statement, TableLock

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "postgres" / "migrate"
MACROS = {"add_if_absent"}  # imported by other templates, never rendered as a statement

USERS = Table("users", "public", (Column("id", "bigint"),))
ORDERS = Table("orders", "public", (Column("id", "bigint"), Column("user_id", "bigint")))
ORDERS_USER = ForeignKey("orders_user_id_fkey", ("user_id",), "public", "users", ("id",))


def statements() -> list[type[Statement]]:
    return [
        item
        for module in (steps, usertype_steps)
        for item in vars(module).values()
        if isinstance(item, type) and issubclass(item, Statement) and item is not Statement
    ]


def test_every_template_has_exactly_one_statement() -> None:
    templates = {p.name.removesuffix(".sql.j2") for p in TEMPLATES.glob("*.sql.j2")} - MACROS
    names = [cls.template for cls in statements()]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(templates)


def test_a_statements_arguments_are_its_fields() -> None:
    step = steps.add_column(ORDERS, Column("note", "text", nullable=True), rewrites=False)
    assert step.template == "add_column"
    assert dict(step.args) == {"table": "orders", "schema": "public", "column": Column("note", "text", True)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.statement.table = "other"


def test_a_parked_enum_is_dropped_under_its_parked_name_only() -> None:
    mood = Enum("mood", "public", ("a", "b"))
    assert dict(steps.drop_enum(mood).args) == {"enum": mood}
    assert dict(steps.drop_enum(mood, parked="mood_old").args) == {"enum": mood, "name": "mood_old"}


def test_validate_commits_on_its_own_and_scans() -> None:
    step = steps.validate_constraint("public", "orders", "orders_user_id_fkey")
    assert step.statement.own_transaction and not step.transactional
    assert step.lock is Lock.SHARE_UPDATE_EXCLUSIVE and step.runs_long


def test_a_foreign_key_locks_both_ends() -> None:
    added = steps.add_constraint("public", "orders", ORDERS_USER, not_valid=True, on="users")
    assert added.lock is Lock.SHARE_ROW_EXCLUSIVE and added.on == "users"
    assert [(lock.relation, lock.mode) for lock in added.locks] == [
        ("orders", Lock.SHARE_ROW_EXCLUSIVE),
        ("users", Lock.SHARE_ROW_EXCLUSIVE),
    ]
    dropped = steps.drop_constraint("public", "orders", ORDERS_USER.name, foreign_key=ORDERS_USER)
    assert {lock.mode for lock in dropped.locks} == {Lock.ACCESS_EXCLUSIVE}
    check = steps.drop_constraint("public", "orders", "orders_positive")
    assert check.locks == () and check.on == "orders"


def test_index_builds() -> None:
    index = Index("orders_user_id_idx", "orders", (IndexElement(column="user_id"),))
    concurrent = steps.create_index(
        index, name=index.name, table="orders", schema="public", concurrently=True
    )
    assert (concurrent.lock, concurrent.transactional, concurrent.runs_long) == (
        Lock.SHARE_UPDATE_EXCLUSIVE,
        False,
        True,
    )
    only = steps.create_index(index, name=index.name, table="orders", schema="public", only=True)
    assert (only.lock, only.transactional, only.runs_long) == (Lock.SHARE, True, False)
    partitioned = steps.drop_index("public", "orders", index.name, partitioned=True)
    assert (partitioned.lock, partitioned.transactional, partitioned.args["concurrently"]) == (
        Lock.ACCESS_EXCLUSIVE,
        True,
        False,
    )


def test_units_of_work_and_what_they_lock_first() -> None:
    assert steps.begin().statement.opens_unit and steps.partition_begin().statement.opens_unit
    assert steps.commit().statement.closes_unit and steps.partition_commit().statement.closes_unit
    assert not steps.begin().transactional
    locks = (
        TableLock("public", "users", Lock.ACCESS_EXCLUSIVE),
        TableLock("public", "orders", Lock.SHARE_ROW_EXCLUSIVE),
    )
    first = steps.lock_tables(locks)
    assert first.statement.takes_locks_first and first.locks == locks
    assert (first.lock, first.on) == (Lock.ACCESS_EXCLUSIVE, "users, orders")
    assert not steps.drop_table("public", "orders").statement.takes_locks_first


def test_statements_that_make_a_relation() -> None:
    assert steps.create_table(USERS).statement.made_relations() == {("public", "users")}
    assert steps.rename_table("public", "users", "accounts").statement.made_relations() == {
        ("public", "accounts")
    }
    scheme = PartitionScheme("hash", (PartitionKey(column="id"),), ())
    child = PartitionChild("users_p1", PartitionBound(modulus=2, remainder=1))
    created = steps.partition_create("public", "users", scheme, child, (), referenced=[("public", "orgs")])
    assert created.statement.made_relations() == {("public", "users_p1")}
    assert created.args["scheme"].children == (child,)
    assert [(lock.relation, lock.mode) for lock in created.locks] == [
        ("users", Lock.ACCESS_EXCLUSIVE),
        ("orgs", Lock.SHARE_ROW_EXCLUSIVE),
    ]
    assert steps.drop_table("public", "users").statement.made_relations() == frozenset()


def test_a_detach_for_a_move_holds_its_lock_to_the_commit() -> None:
    held = steps.partition_detach("public", "users", "users_p0", referenced=[], brief=False)
    assert (held.lock, held.brief, held.runs_long) == (Lock.ACCESS_EXCLUSIVE, False, True)
    concurrent = steps.partition_detach("public", "users", "users_p0", referenced=[], concurrently=True)
    assert (concurrent.lock, concurrent.transactional) == (Lock.SHARE_UPDATE_EXCLUSIVE, False)
