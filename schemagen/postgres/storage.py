"""PostgreSQL's table storage parameters (`WITH (fillfactor = 90)`): their kinds and ranges, one
spelling of each value, and whether changing one needs more than SHARE UPDATE EXCLUSIVE.

The spelling is the one `reloptions` keeps when the parameter is set with it, so a spec, the
rendered DDL and an inspected database agree on the text: `true`/`false`, an integer, a decimal.
"""

from __future__ import annotations

from typing import Literal

from schemagen.records import dataclass

INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class Parameter:
    kind: Literal["bool", "int", "real", "enum"]
    low: float = 0
    high: float = INT_MAX
    choices: tuple[str, ...] = ()
    # ALTER TABLE … SET takes SHARE UPDATE EXCLUSIVE for every parameter but these
    access_exclusive: bool = False


# Vacuum settings a table and its TOAST table (`toast.` prefix) each have.
_VACUUM: dict[str, Parameter] = {
    "autovacuum_enabled": Parameter("bool"),
    "autovacuum_vacuum_threshold": Parameter("int"),
    "autovacuum_vacuum_insert_threshold": Parameter("int", -1),
    "autovacuum_vacuum_scale_factor": Parameter("real", 0, 100),
    "autovacuum_vacuum_insert_scale_factor": Parameter("real", 0, 100),
    "autovacuum_vacuum_cost_delay": Parameter("real", 0, 100),
    "autovacuum_vacuum_cost_limit": Parameter("int", 1, 10000),
    "autovacuum_freeze_min_age": Parameter("int", 0, 1_000_000_000),
    "autovacuum_freeze_max_age": Parameter("int", 100_000, 2_000_000_000),
    "autovacuum_freeze_table_age": Parameter("int", 0, 2_000_000_000),
    "autovacuum_multixact_freeze_min_age": Parameter("int", 0, 1_000_000_000),
    "autovacuum_multixact_freeze_max_age": Parameter("int", 10_000, 2_000_000_000),
    "autovacuum_multixact_freeze_table_age": Parameter("int", 0, 2_000_000_000),
    "log_autovacuum_min_duration": Parameter("int", -1),
    "vacuum_index_cleanup": Parameter("enum", choices=("auto", "on", "off")),
    "vacuum_truncate": Parameter("bool"),
}

#: Every table storage parameter of PostgreSQL 15, by name.
PARAMETERS: dict[str, Parameter] = {
    "fillfactor": Parameter("int", 10, 100),
    "toast_tuple_target": Parameter("int", 128, 8160),
    "parallel_workers": Parameter("int", 0, 1024),
    "user_catalog_table": Parameter("bool", access_exclusive=True),
    "autovacuum_analyze_threshold": Parameter("int"),
    "autovacuum_analyze_scale_factor": Parameter("real", 0, 100),
    **_VACUUM,
    **{f"toast.{name}": parameter for name, parameter in _VACUUM.items()},
}

_TRUE = frozenset({"true", "on", "yes", "1", "t", "y"})
_FALSE = frozenset({"false", "off", "no", "0", "f", "n"})


class StorageValueError(ValueError):
    """A value PostgreSQL would refuse for the parameter; the message says what it takes."""


def spell(name: str, value: bool | int | float | str) -> str:
    """The canonical text of `value` for parameter `name`; raises StorageValueError or KeyError."""
    return spell_value(PARAMETERS[name], value)


def spell_value(parameter: Parameter, value: bool | int | float | str) -> str:
    """The canonical text of `value` for `parameter`; raises StorageValueError."""
    if parameter.kind == "bool":
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return "true" if value.lower() in _TRUE else "false"
        if not isinstance(value, bool):
            raise StorageValueError("takes true or false")
        return "true" if value else "false"
    if parameter.kind == "enum":
        text = str(value).lower() if not isinstance(value, bool) else ("on" if value else "off")
        if text not in parameter.choices:
            raise StorageValueError(f"takes one of {', '.join(parameter.choices)}")
        return text
    number = _number(value, parameter.kind == "int")
    if not parameter.low <= number <= parameter.high:
        raise StorageValueError(f"takes a value from {_plain(parameter.low)} to {_plain(parameter.high)}")
    return _plain(number)


def _number(value: bool | int | float | str, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise StorageValueError("takes an integer" if integer else "takes a number")
    if isinstance(value, str):
        try:
            value = int(value) if integer else float(value)
        except ValueError:
            raise StorageValueError("takes an integer" if integer else "takes a number") from None
    if integer and not isinstance(value, int):
        raise StorageValueError("takes an integer")
    return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))
