"""Domains: created, given a new default or NOT NULL, checks added (NOT VALID, then validated) or
dropped, and dropped. A new base type or collation is refused by the diff: PostgreSQL cannot alter them."""

from __future__ import annotations

from schemagen.model import Table
from schemagen.plan import steps
from schemagen.plan.changes import (
    AddDomainCheck,
    CreateDomain,
    DropDomain,
    DropDomainCheck,
    SetDomainDefault,
    SetDomainNotNull,
)
from schemagen.plan.operations import Kind, Operation, Phase


def _relations(tables: tuple[Table, ...]) -> list[tuple[str, str]]:
    return [(t.schema, t.name) for t in tables]


def create_domain(change: CreateDomain) -> Operation:
    domain = change.domain
    return Operation(
        Kind.CREATE_DOMAIN,
        domain.name,
        f"create domain {domain.name}",
        (steps.create_domain(domain),),
        order=Phase.DOMAINS,
        source=change,
    )


def set_domain_default(change: SetDomainDefault) -> Operation:
    domain = change.domain
    return Operation(
        Kind.ALTER_DOMAIN,
        domain.name,
        f"set the default of domain {domain.name}",
        (steps.alter_domain_default(domain),),
        order=Phase.COLUMNS,
        source=change,
    )


def set_domain_not_null(change: SetDomainNotNull) -> Operation:
    domain = change.domain
    if not change.not_null:
        return Operation(
            Kind.ALTER_DOMAIN,
            domain.name,
            f"make domain {domain.name} nullable",
            (steps.alter_domain_not_null(domain, False),),
            order=Phase.COLUMNS,
            source=change,
        )
    return Operation(
        Kind.ALTER_DOMAIN,
        domain.name,
        f"make domain {domain.name} NOT NULL",
        (steps.alter_domain_not_null(domain, True, _relations(change.tables)),),
        order=Phase.CONSTRAINTS,
        source=change,
    )


def add_domain_check(change: AddDomainCheck) -> Operation:
    """NOT VALID first (reads nothing), then VALIDATE: PostgreSQL reads each column of the type."""
    domain, check = change.domain, change.check
    return Operation(
        Kind.ADD_DOMAIN_CHECK,
        f"{domain.name}.{check.name}",
        f"add check {check.name} to domain {domain.name}",
        (
            steps.add_domain_check(domain, check),
            steps.validate_domain_check(domain, check.name, _relations(change.tables)),
        ),
        order=Phase.CONSTRAINTS,
        source=change,
    )


def drop_domain_check(change: DropDomainCheck) -> Operation:
    domain, check = change.domain, change.check
    return Operation(
        Kind.DROP_DOMAIN_CHECK,
        f"{domain.name}.{check.name}",
        f"drop check {check.name} of domain {domain.name}",
        (steps.drop_domain_check(domain, check.name),),
        order=Phase.DROP_CONSTRAINTS,
        source=change,
    )


def drop_domain(change: DropDomain) -> Operation:
    domain = change.domain
    return Operation(
        Kind.DROP_DOMAIN,
        domain.name,
        f"drop domain {domain.name}",
        (steps.drop_domain(domain),),
        order=Phase.DROP_DOMAINS,
        source=change,
    )
