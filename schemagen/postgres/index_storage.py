"""PostgreSQL 15's index storage parameters (`CREATE INDEX … WITH (fillfactor = 70)`), per access
method, with their ranges and the lock `ALTER INDEX … SET` takes for each (reloptions.c)."""

from __future__ import annotations

from schemagen.postgres.storage import Parameter, StorageValueError, spell_value

__all__ = ["PARAMETERS", "StorageValueError", "spell"]

_FILLFACTOR = Parameter("int", 10, 100)
#: the most gin_pending_list_limit takes (MAX_KILOBYTES)
_MAX_KILOBYTES = (2**31 - 1) // 1024

#: By access method, its storage parameters.
PARAMETERS: dict[str, dict[str, Parameter]] = {
    "btree": {"fillfactor": _FILLFACTOR, "deduplicate_items": Parameter("bool")},
    "hash": {"fillfactor": _FILLFACTOR},
    "gist": {
        "fillfactor": _FILLFACTOR,
        "buffering": Parameter("enum", choices=("auto", "on", "off"), access_exclusive=True),
    },
    "spgist": {"fillfactor": _FILLFACTOR},
    "gin": {
        "fastupdate": Parameter("bool", access_exclusive=True),
        "gin_pending_list_limit": Parameter("int", 64, _MAX_KILOBYTES, access_exclusive=True),
    },
    "brin": {
        "pages_per_range": Parameter("int", 1, 131072, access_exclusive=True),
        "autosummarize": Parameter("bool"),
    },
}


def spell(method: str, name: str, value: bool | int | float | str) -> str:
    """The canonical text of `value` for parameter `name` of an index using `method`; raises
    StorageValueError, or KeyError when the method has no such parameter."""
    return spell_value(PARAMETERS[method][name], value)


def access_exclusive(method: str, names: list[str]) -> bool:
    """Whether ALTER INDEX … SET/RESET of `names` takes ACCESS EXCLUSIVE (else SHARE UPDATE EXCLUSIVE)."""
    known = PARAMETERS.get(method, {})
    return any(name not in known or known[name].access_exclusive for name in names)
