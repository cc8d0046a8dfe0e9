"""Whether PostgreSQL can convert a column's values from one type to another with `USING col::new`, as
its own coercion rules decide (`find_coercion_pathway`): the same base type (a new modifier), a cast of
`pg_cast` in any context, an array of element types that convert, or a conversion through the types'
text forms (any type to a string type; a string type to any type, which fails on a value the new type
cannot read). Types the built-in catalog does not know (enums, domains, extension types) are not
judged.
"""

from __future__ import annotations

from typing import Literal

from schemagen.postgres import builtins

#: `cast`: a cast converts every value (it may still narrow); `text`: through the text form, which
#: fails on a value the new type cannot read; `none`: PostgreSQL has no conversion; `unknown`: a type
#: the catalog does not know.
Castability = Literal["cast", "text", "none", "unknown"]

_STRING = "S"


def castability(old: str, new: str, version: int = 15) -> Castability:
    """How `old::new` converts, by the built-in catalog of PostgreSQL `version`."""
    found = builtins.catalog(version)
    source, target = builtins.type_key(old), builtins.type_key(new)
    return _pathway(found, source, target)


def _pathway(found: builtins.Catalog, source: str, target: str) -> Castability:
    if source == target:
        return "cast"
    a, b = found.type(source), found.type(target)
    if a is None or b is None or a.typtype != "b" or b.typtype != "b":
        return "unknown"
    if found.cast(source, target) is not None:
        return "cast"
    if a.category == "A" and b.category == "A" and a.of is not None and b.of is not None:
        return _pathway(found, a.of, b.of)
    if a.category == "A" or b.category == "A":
        # an array reads from and writes to text only
        if b.category == _STRING:
            return "cast"
        return "text" if a.category == _STRING else "none"
    if b.category == _STRING:
        return "cast"
    if a.category == _STRING:
        return "text"
    return "none"


def binary_coercible(old: str, new: str, version: int = 15) -> bool:
    """Whether PostgreSQL relabels the values without converting them (a WITHOUT FUNCTION cast it
    applies on assignment, `cidr` → `inet`), so the table keeps its file: not when the new type has a
    modifier, which a value must fit."""
    target = builtins.type_key(new)
    if target != new:
        return False
    how = builtins.catalog(version).cast(builtins.type_key(old), target)
    return how is not None and how[0] in "ia" and how[1:] == "b"
