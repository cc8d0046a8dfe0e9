"""Hazard constructors: each builds a `Hazard` from its rule in the registry (`diagnostics.rules`,
codes SG9xx), which holds its message, its fix and its documentation.

SG90x destructive (data is lost; SG906: a down migration cannot bring back what the lost data held),
SG92x rewrite or long lock, SG93x data-dependent (may fail on existing rows). `migrate new` refuses
destructive hazards unless the spec's `allow_destructive` (or `--allow-destructive`) allows them.
"""

from __future__ import annotations

from schemagen.diagnostics import rules
from schemagen.diagnostics.rules import Rule
from schemagen.plan.operations import Hazard


def _hazard(rule: Rule, **fields: object) -> Hazard:
    return Hazard(
        rule.code,
        rule.message.format(**fields),
        rule.hint.format(**fields),
        destructive=rule.code in rules.DESTRUCTIVE,
    )


def drop_table(table: str) -> Hazard:
    return _hazard(rules.DROP_TABLE, table=table)


def drop_column(table: str, column: str) -> Hazard:
    return _hazard(rules.DROP_COLUMN, table=table, column=column)


def narrowing(target: str, old: str, new: str) -> Hazard:
    return _hazard(rules.NARROWING, target=target, old=old, new=new)


def shrink_window(table: str, partitions: list[str]) -> Hazard:
    return _hazard(rules.SHRINK_WINDOW, table=table, partitions=", ".join(partitions))


def remove_enum_value(enum: str, values: list[str]) -> Hazard:
    return _hazard(rules.REMOVE_ENUM_VALUE, enum=enum, values=", ".join(values))


#: Hazards of a down migration that brings a structure back without what held it in place.
NOT_RESTORED = frozenset({rules.NOT_NULL_NOT_RESTORED.code})


def drop_extension(name: str) -> Hazard:
    return _hazard(rules.DROP_EXTENSION, extension=name)


def not_null_not_restored(table: str, column: str) -> Hazard:
    return _hazard(rules.NOT_NULL_NOT_RESTORED, table=table, column=column)


def rewrite(table: str, why: str) -> Hazard:
    return _hazard(rules.REWRITE, table=table, why=why)


def long_lock(table: str, why: str) -> Hazard:
    return _hazard(rules.LONG_LOCK, table=table, why=why)


def rebuild(table: str, why: str) -> Hazard:
    return _hazard(rules.REBUILD, table=table, why=why)


def data_dependent(target: str, why: str) -> Hazard:
    return _hazard(rules.DATA_DEPENDENT, target=target, why=why)


def integrity_gap(table: str, foreign_keys: list[str]) -> Hazard:
    return _hazard(rules.INTEGRITY_GAP, table=table, foreign_keys=", ".join(foreign_keys))


def redistributed_foreign_key(table: str, foreign_key: str) -> Hazard:
    return _hazard(rules.REDISTRIBUTED_FOREIGN_KEY, table=table, foreign_key=foreign_key)


def per_node_default(table: str, column: str, default: str) -> Hazard:
    return _hazard(rules.PER_NODE_DEFAULT, table=table, column=column, default=default)


def conversion_may_fail(target: str, old: str, new: str) -> Hazard:
    return _hazard(rules.CONVERSION_MAY_FAIL, target=target, old=old, new=new)


def is_allowed(hazard: Hazard, target: str, allowed: tuple[str, ...]) -> bool:
    """Whether `allow_destructive` names this change (or says `all`)."""
    wanted = {a.strip().lower() for a in allowed}
    return "all" in wanted or any(word in wanted for word in _keys(hazard, target))


def _keys(hazard: Hazard, target: str) -> list[str]:
    kind = rules.ALLOWED_BY.get(hazard.code, "")
    targets = [target]
    if hazard.code == rules.DROP_TABLE.code:
        # a dropped table's target is schema-qualified; its fix names it as the spec does, bare
        targets.append(target.split(".", 1)[-1])
    return [f"{kind} {t}".lower() for t in targets] + [t.lower() for t in targets]
