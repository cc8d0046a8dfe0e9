"""What the spec shapes do besides checking types, in plain Python (no pydantic): the short forms
expanded before a key is validated (a column written as `varchar(32)?`, a reference as `users.id`, a
list for a mapping…) and the checks run on a whole shape after its keys are validated.

`parse/spec.py` and `parse/access.py` attach them to the pydantic shapes; `parse/fast.py` applies the
same functions when it reads a valid spec without pydantic, so both readings agree by construction.
"""

from __future__ import annotations

from typing import Any

# short forms of parse/spec.py


def lower_words(value: Any) -> Any:
    return value.lower().replace("_", " ") if isinstance(value, str) else value


def reference(value: Any) -> Any:
    """`users` → {table: users}; `users.id` → {table: users, column: id}."""
    if isinstance(value, str):
        table, _, column = value.partition(".")
        return {"table": table, "column": column} if column else {"table": table}
    return value


def foreign_key_target(value: Any) -> Any:
    """`users` → {table: users}; `users.id` → {table: users, columns: [id]}."""
    if isinstance(value, str):
        table, _, column = value.partition(".")
        return {"table": table, "columns": [column]} if column else {"table": table}
    return value


def column(value: Any) -> Any:
    """`varchar(32)` → {type: varchar(32)}; a trailing `?` makes the column nullable."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("?"):
            return {"type": text[:-1].strip(), "nullable": True}
        return {"type": text}
    return value


def using(value: Any) -> Any:
    """`using: expr` → {up: expr}."""
    return {"up": value} if isinstance(value, str) else value


def columns(value: Any) -> Any:
    """`[a, b]` → {columns: [a, b]}."""
    return {"columns": value} if isinstance(value, list) else value


def check(value: Any) -> Any:
    return {"expression": value} if isinstance(value, str) else value


def one_index_key(shape: Any) -> Any:
    if (shape.column is None) == (shape.expression is None):
        raise ValueError("an index key has exactly one of `column` or `expression`")
    return shape


def one_index_definition(shape: Any) -> Any:
    if (shape.columns is None) == (shape.expression is None):
        raise ValueError("an index has exactly one of `columns` or `expression`")
    return shape


def period(value: Any) -> Any:
    """`1 month`, `month` and `months` all mean one month."""
    if isinstance(value, str):
        words = value.lower().split()
        if len(words) == 2 and words[0] == "1":
            words = words[1:]
        if len(words) == 1:
            return words[0].removesuffix("s") if words[0] != "s" else value
    return value


def window_or_bounds(shape: Any) -> Any:
    window = (shape.every, shape.from_, shape.to)
    policy = (shape.premake, shape.retain, shape.expire)
    if shape.bounds is not None and any(v is not None for v in (*window, *policy)):
        raise ValueError(
            "a range has either `every`/`from`/`to` (with `premake`, `retain`, `expire`) or `bounds`, "
            "not both"
        )
    if shape.bounds is None and (shape.every is None or shape.from_ is None):
        raise ValueError("a range needs `every`, `from` and `to` (or explicit `bounds`)")
    if shape.bounds is None and shape.to is None and shape.premake is None:
        raise ValueError("a range needs `to`, or `premake` to end where maintenance has made periods")
    return shape


def one_partition_kind(shape: Any) -> Any:
    if sum(x is not None for x in (shape.range, shape.list, shape.hash)) != 1:
        raise ValueError("a partition has exactly one of `range`, `list` or `hash`")
    return shape


def enum(value: Any) -> Any:
    return {"values": value} if isinstance(value, list) else value


def empty(value: Any) -> Any:
    """`name:` with nothing after it is `name: {}`: every option at its default."""
    return {} if value is None else value


def arguments(value: Any) -> Any:
    """`"a integer, b text"` (as PostgreSQL writes a signature) → [`a integer`, `b text`]."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


def initial_value(value: Any) -> Any:
    """`initial_value: 0` as well as `initial_value: "0"`: PostgreSQL keeps it as text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def function_or_procedure(shape: Any) -> Any:
    if shape.aggregate is not None:
        given = [k for k in ("language", "body", "returns") if getattr(shape, k) is not None]
        if shape.procedure or given:
            shown = ", ".join(f"`{k}:`" for k in (["procedure"] if shape.procedure else []) + given)
            raise ValueError(f"an aggregate has no {shown}: its state and final functions say it all")
        return shape
    if shape.language is None or shape.body is None:
        missing = " and ".join(f"`{k}:`" for k in ("language", "body") if getattr(shape, k) is None)
        raise ValueError(f"a function needs {missing} (or `aggregate:` for an aggregate)")
    if shape.procedure and shape.returns is not None:
        raise ValueError("a procedure returns nothing: drop `returns:` or `procedure: true`")
    if not shape.procedure and shape.returns is None:
        raise ValueError("a function needs `returns:` (write `procedure: true` for a procedure)")
    return shape


def events(value: Any) -> Any:
    """`events: update` as well as `events: [update]`."""
    return [value] if isinstance(value, str) else value


def trigger_arguments(value: Any) -> Any:
    """A trigger's arguments are strings: `[title, 3]` as `['title', '3']` (not booleans or null)."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value]
    return value


def one_or_many(value: Any) -> Any:
    """`allow_destructive: all` as well as `allow_destructive: [all]`."""
    return [value] if isinstance(value, str) else value


# short forms of parse/access.py


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def lower_all(value: Any) -> Any:
    return [v.lower() if isinstance(v, str) else v for v in value] if isinstance(value, list) else value


def privileges(value: Any) -> Any:
    """`role: [select]` and `role: select` as well as `role: {privileges: [select], …}`."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return {"privileges": value}
    return value


def roles(value: Any) -> Any:
    return [value] if isinstance(value, str) else value
