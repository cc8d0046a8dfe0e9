"""What only an index's definition tells of its keys: the collation a key has of its own. The catalog
keeps each key's collation (`pg_index.indcollation`) but not whether it is the one the key's column or
expression has anyway; `pg_get_indexdef` writes `COLLATE` exactly where it is not, so its text says."""

from __future__ import annotations

import pglast
from pglast import ast


def own_collations(definition: str) -> list[tuple[str | None, str] | None]:
    """Per key of a `CREATE INDEX` statement (INCLUDE columns excluded): `(schema, collation)` for a
    key written with `COLLATE`, else None. An empty list when the text does not parse, or says no
    `COLLATE` at all (most do: then no key has a collation of its own, and nothing need be parsed)."""
    if "collate" not in definition.lower():
        return []
    try:
        statements = pglast.parse_sql(definition)
    except pglast.parser.ParseError:
        return []
    if len(statements) != 1 or not isinstance(statements[0].stmt, ast.IndexStmt):
        return []
    found: list[tuple[str | None, str] | None] = []
    for param in statements[0].stmt.indexParams or ():
        names = [n.sval for n in param.collation or ()]
        if not names:
            found.append(None)
        elif len(names) == 1:
            found.append((None, names[0]))
        else:
            found.append((names[-2], names[-1]))
    return found
