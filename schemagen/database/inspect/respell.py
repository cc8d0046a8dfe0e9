"""Expressions, view queries and SQL-standard function bodies spelled as a reference spec spells them,
where PostgreSQL reads both spellings the same way.

PostgreSQL keeps no source text, only parsed forms, so inspect reads `status = 'pending'` back as
`status = 'pending'::order_status`. Given the spec a drift check compares with, every expression
(check, default, generated column, index, partition key), view query and SQL-standard function body
the spec spells differently is put to PostgreSQL on a temporary copy of its table (or a function) in
`pg_temp` (a probe), inside the inspection's rolled-back transaction; when PostgreSQL stores the
spec's spelling exactly as it stores the database's, the spec's spelling is kept. Drift is then what
PostgreSQL would build differently, never a matter of parentheses.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any, TypeVar

import psycopg
from psycopg import sql

from schemagen.database.inspect.catalog_text import same_index_definition
from schemagen.database.inspect.templates import Templates
from schemagen.database.queries import composed, query
from schemagen.model import (
    CheckConstraint,
    Column,
    CompositeType,
    Domain,
    Enum,
    Function,
    Index,
    Model,
    PartitionScheme,
    RangeType,
    SequenceGenerator,
    Table,
    View,
)
from schemagen.model.access import Policy
from schemagen.postgres import routines


def literal(value: Any, type_: str | None) -> str:
    """A value as the templates spell it (`render.templating.literal`, imported with Jinja on first
    use: an inspection without a reference never needs it)."""
    from schemagen.render.templating import literal as spelled

    return spelled(value, type_)


__all__ = ["Respeller", "StoredText"]

PROBE_PREFIX = "schemagen_probe"
PROBE_INDEX = "schemagen_probe_index"
PROBE_COLUMN = "schemagen_probe"  # the column inspect_probe_generated.sql adds


@dataclass
class StoredText:
    """PostgreSQL's own (unprettified) text of what a reference may spell differently, as the catalog
    reader found it: what a probe's text is compared with."""

    checks: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (schema, table, check)
    defaults: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (schema, table, column)
    indexes: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, index)
    queries: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, view)
    partition_keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, relation)
    domain_checks: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (schema, domain, check)
    domain_defaults: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, domain)
    # (schema, table, policy) → its USING and WITH CHECK
    policies: dict[tuple[str, str, str], tuple[str | None, str | None]] = field(default_factory=dict)


#: what the spec keys `schema.name` besides tables, views and domains (those keyed as they are respelled)
Item = TypeVar("Item", SequenceGenerator, Function, CompositeType | RangeType, Enum)


class Respeller:
    """Spell what the reference spells differently its way, where PostgreSQL stores both the same."""

    def __init__(self, conn: psycopg.Connection, stored: StoredText, templates: Templates) -> None:
        self.conn = conn
        self.stored = stored
        self.templates = templates
        self.probes: dict[tuple[str, str], str | None] = {}
        self.numbers = count(1)

    def apply(self, model: Model, reference: Model) -> Model:
        ref_tables = {(t.schema, t.name): t for t in reference.tables}
        ref_views = {(v.schema, v.name): v for v in reference.views}
        tables = tuple(self.table(t, ref_tables.get((t.schema, t.name))) for t in model.tables)
        views = tuple(self.view(v, ref_views.get((v.schema, v.name))) for v in model.views)
        ref_domains = {(d.schema, d.name): d for d in reference.domains}
        domains = tuple(self.domain(d, ref_domains.get((d.schema, d.name))) for d in model.domains)
        # keyed as the spec keys them (a sequence of a re-keyed table follows it there)
        sequences = _keyed_as(model.sequences, reference.sequences, lambda s: (s.schema, s.name))
        ref_functions = {(f.schema, f.name, f.identity): f for f in reference.functions}
        respelled = tuple(
            self.function(f, ref_functions.get((f.schema, f.name, f.identity))) for f in model.functions
        )
        functions = _keyed_as(respelled, reference.functions, lambda f: (f.schema, f.name, f.identity))
        types = _keyed_as(model.types, reference.types, lambda t: (t.schema, t.name))
        enums = _keyed_as(model.enums, reference.enums, lambda e: (e.schema, e.name))
        return replace(
            model,
            tables=tables,
            views=views,
            domains=domains,
            sequences=sequences,
            functions=functions,
            enums=enums,
            types=types,
        )

    # --- probes ----------------------------------------------------------------------------------------

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """A savepoint that is always rolled back; a statement PostgreSQL refuses means "not the same"."""
        try:
            with self.conn.transaction(force_rollback=True):
                yield
        except psycopg.Error:
            pass

    def probe_name(self) -> str:
        return f"{PROBE_PREFIX}_{next(self.numbers)}"

    def probe_table(self, table: Table) -> str | None:
        """The name of a temporary copy of `table`'s columns (made once); None when PostgreSQL refuses."""
        key = (table.schema, table.name)
        if key not in self.probes:
            name = self.probe_name()
            statement = composed(
                "inspect_probe_table",
                probe=sql.Identifier(name),
                source=sql.Identifier(table.schema, table.name),
            )
            try:
                with self.conn.transaction():  # a savepoint, kept
                    self.conn.execute(statement)
                self.probes[key] = name
            except psycopg.Error:
                self.probes[key] = None
        return self.probes[key]

    def stored_text(self, statement: sql.SQL | sql.Composed, read: str, **params: Any) -> str | None:
        """What the query `read` answers after `statement` ran in a rolled-back savepoint; None when
        PostgreSQL refuses the statement."""
        answer: str | None = None
        with self.attempt():
            self.conn.execute(statement)
            row = self.conn.execute(query(read), params).fetchone()
            answer = row[0] if row else None
        return answer

    # --- tables ----------------------------------------------------------------------------------------

    def table(self, table: Table, ref: Table | None) -> Table:
        if ref is None:
            return table
        # keyed as the spec keys it (a qualified key is the spec's choice, not the database's)
        table = replace(table, spec_key=ref.spec_key)
        columns = tuple(
            self.column(table, column, ref_column) if (ref_column := ref.column(column.name)) else column
            for column in table.columns
        )
        ref_checks = {c.name: c for c in ref.checks}
        checks = tuple(self.check(table, check, ref_checks.get(check.name)) for check in table.checks)
        ref_indexes = {i.name: i for i in ref.indexes}
        indexes = tuple(self.index(table, index, ref_indexes.get(index.name)) for index in table.indexes)
        partition = table.partition
        if partition is not None and ref.partition is not None:
            partition = self.scheme(table, partition, ref.partition, table.name)
        access = table.access
        if access is not None and ref.access is not None and access.policies and ref.access.policies:
            ref_policies = {p.name: p for p in ref.access.policies}
            policies = tuple(self.policy(table, p, ref_policies.get(p.name)) for p in access.policies)
            access = replace(access, policies=policies)
        return replace(
            table, columns=columns, checks=checks, indexes=indexes, partition=partition, access=access
        )

    def policy(self, table: Table, policy: Policy, ref: Policy | None) -> Policy:
        """`policy` with the reference's expressions when PostgreSQL stores both alike."""
        if ref is None or (ref.using, ref.with_check) == (policy.using, policy.with_check):
            return policy
        if (ref.using is None) != (policy.using is None) or (ref.with_check is None) != (
            policy.with_check is None
        ):
            return policy
        probe = self.probe_table(table)
        if probe is None:
            return policy
        clauses = [
            sql.SQL(f"{word} ({text})")
            for word, text in (("USING", ref.using), ("WITH CHECK", ref.with_check))
            if text is not None
        ]
        statement = composed(
            "inspect_probe_policy",
            probe=sql.Identifier("pg_temp", probe),
            kind=sql.SQL("PERMISSIVE" if policy.permissive else "RESTRICTIVE"),
            command=sql.SQL(policy.command.upper()),
            clauses=sql.SQL(" ").join(clauses),
        )
        answer: tuple[str | None, str | None] | None = None
        with self.attempt():
            self.conn.execute(statement)
            row = self.conn.execute(
                query("inspect_probe_policy_read"), {"probe": f"pg_temp.{probe}"}
            ).fetchone()
            answer = (row[0], row[1]) if row else None
        stored = self.stored.policies.get((table.schema, table.name, policy.name))
        if answer is not None and answer == stored:
            return replace(policy, using=ref.using, with_check=ref.with_check)
        return policy

    def check(self, table: Table, check: CheckConstraint, ref: CheckConstraint | None) -> CheckConstraint:
        probe = self.probe_table(table) if ref is not None and ref.expression != check.expression else None
        if ref is None or probe is None:
            return check
        statement = composed(
            "inspect_probe_check", probe=sql.Identifier("pg_temp", probe), expression=sql.SQL(ref.expression)
        )
        ours = self.stored_text(statement, "inspect_probe_check_read", probe=f"pg_temp.{probe}")
        same = ours is not None and ours == self.stored.checks.get((table.schema, table.name, check.name))
        return replace(check, expression=ref.expression) if same else check

    def scheme(
        self, table: Table, scheme: PartitionScheme, ref: PartitionScheme, relation: str
    ) -> PartitionScheme:
        """`scheme` with the reference's partition key expressions where PostgreSQL reads them alike,
        on every level."""
        if scheme.kind != ref.kind:
            return scheme
        key = scheme.key
        if key != ref.key and len(key) == len(ref.key) and self.same_partition_key(table, ref, relation):
            key = ref.key
        ref_sub = ref.children[0].sub if ref.children else None
        children = tuple(
            replace(c, sub=self.scheme(table, c.sub, ref_sub, c.name)) if c.sub and ref_sub else c
            for c in scheme.children
        )
        return replace(scheme, key=key, children=children)

    def same_partition_key(self, table: Table, ref: PartitionScheme, relation: str) -> bool:
        name = self.probe_name()
        clause = self.templates.render("postgres/partition.sql.j2", "partition_by", replace(ref, children=()))
        statement = composed(
            "inspect_probe_partitioned",
            probe=sql.Identifier(name),
            source=sql.Identifier(table.schema, table.name),
            partition_by=sql.SQL(clause),
        )
        ours = self.stored_text(statement, "inspect_probe_partitioned_read", probe=f"pg_temp.{name}")
        return ours is not None and ours == self.stored.partition_keys.get((table.schema, relation))

    def column(self, table: Table, column: Column, ref: Column) -> Column:
        raw = self.stored.defaults.get((table.schema, table.name, column.name))
        if column.default is not None and ref.default is not None and ref.default != column.default:
            probe = self.probe_table(table)
            default = ref.default
            text = default.expression if default.is_expression else literal(default.value, column.type)
            if probe is not None and text is not None:
                statement = composed(
                    "inspect_probe_default",
                    probe=sql.Identifier("pg_temp", probe),
                    column=sql.Identifier(column.name),
                    expression=sql.SQL(text),
                )
                ours = self.stored_text(
                    statement, "inspect_probe_default_read", probe=f"pg_temp.{probe}", column=column.name
                )
                if ours is not None and ours == raw:
                    column = replace(column, default=default)
        if column.generated is not None and ref.generated is not None and ref.generated != column.generated:
            probe = self.probe_table(table)
            if probe is not None:
                statement = composed(
                    "inspect_probe_generated",
                    probe=sql.Identifier("pg_temp", probe),
                    type=sql.SQL(column.type),
                    expression=sql.SQL(ref.generated),
                )
                ours = self.stored_text(
                    statement, "inspect_probe_default_read", probe=f"pg_temp.{probe}", column=PROBE_COLUMN
                )
                if ours is not None and ours == raw:
                    column = replace(column, generated=ref.generated)
        return column

    def index(self, table: Table, index: Index, ref: Index | None) -> Index:
        if ref is None or ref == replace(index, table=ref.table):
            return index
        probe = self.probe_table(table)
        if probe is None:
            return index
        candidate = replace(ref, name=PROBE_INDEX, table=probe)
        statement = self.templates.render("postgres/index.sql.j2", "create_index", candidate, "pg_temp")
        ours = self.stored_text(
            sql.SQL(statement), "inspect_probe_index_read", index=f"pg_temp.{PROBE_INDEX}"
        )
        actual = self.stored.indexes.get((table.schema, index.name), "")
        if ours is not None and same_index_definition(ours, actual):
            return replace(ref, name=index.name, table=index.table)
        return index

    # --- domains ---------------------------------------------------------------------------------------

    def domain(self, domain: Domain, ref: Domain | None) -> Domain:
        """Checks and the default spelled as the reference spells them, on a probe domain of the same
        base type."""
        if ref is None:
            return domain
        domain = replace(domain, spec_key=ref.spec_key)  # keyed as the spec keys it
        if ref.type != domain.type:
            return domain
        ref_checks = {c.name: c for c in ref.checks}
        checks = []
        for check in domain.checks:
            other = ref_checks.get(check.name)
            if other is not None and other.expression != check.expression:
                statement = composed(
                    "inspect_probe_domain_check",
                    probe=sql.Identifier("pg_temp", name := self.probe_name()),
                    type=sql.SQL(domain.type),
                    expression=sql.SQL(other.expression),
                )
                ours = self.stored_text(statement, "inspect_probe_domain_check_read", probe=f"pg_temp.{name}")
                if ours is not None and ours == self.stored.domain_checks.get(
                    (domain.schema, domain.name, check.name)
                ):
                    check = replace(check, expression=other.expression)
            checks.append(check)
        default = domain.default
        if default is not None and ref.default is not None and ref.default != default:
            text = (
                ref.default.expression
                if ref.default.is_expression
                else literal(ref.default.value, domain.type)
            )
            statement = composed(
                "inspect_probe_domain_default",
                probe=sql.Identifier("pg_temp", name := self.probe_name()),
                type=sql.SQL(domain.type),
                expression=sql.SQL(f"({text})"),
            )
            ours = self.stored_text(statement, "inspect_probe_domain_default_read", probe=f"pg_temp.{name}")
            if ours is not None and ours == self.stored.domain_defaults.get((domain.schema, domain.name)):
                default = ref.default
        return replace(domain, checks=tuple(checks), default=default)

    # --- views -----------------------------------------------------------------------------------------

    def view(self, view: View, ref: View | None) -> View:
        if ref is None:
            return view
        view = replace(view, spec_key=ref.spec_key)  # keyed as the spec keys it
        if ref.query == view.query:
            return view
        name = self.probe_name()
        statement = composed("inspect_probe_view", probe=sql.Identifier(name), query=sql.SQL(ref.query))
        ours = self.stored_text(statement, "inspect_probe_view_read", probe=f"pg_temp.{name}")
        if ours is not None and ours == self.stored.queries.get((view.schema, view.name)):
            return replace(view, query=ref.query, depends_on=ref.depends_on)
        return view

    def function(self, function: Function, ref: Function | None) -> Function:
        """A SQL-standard body as the spec spells it, when PostgreSQL prints the spec's as the database's
        (`RETURN a + 1` is stored as `RETURN (a + 1)`); a body in quotes is stored as written."""
        if ref is None or ref.body == function.body or function.standard_body is None:
            return function
        if ref.standard_body is None or (ref.language, ref.returns) != (function.language, function.returns):
            return function
        # a copy of the same name in pg_temp: a body prints the arguments it reads as `name.argument`
        probe = replace(ref, schema="pg_temp")
        statement = sql.SQL(self.templates.render("postgres/function.sql.j2", "create_function", probe))
        ours = self.stored_text(
            statement, "inspect_probe_function_read", name=ref.name, identity=function.identity
        )
        if ours is not None and routines.canonical_body(ours, "sql") == function.body:
            return replace(function, body=ref.body)
        return function


def _keyed_as(
    items: Iterable[Item], reference: Iterable[Item], place: Callable[[Item], Hashable]
) -> tuple[Item, ...]:
    """`items` (read from the database) keyed as the reference (the spec) keys the same object: a key
    `schema.name` is the spec's choice, not the database's."""
    keys = {place(r): r.spec_key for r in reference}
    return tuple(replace(i, spec_key=keys[place(i)]) if place(i) in keys else i for i in items)
