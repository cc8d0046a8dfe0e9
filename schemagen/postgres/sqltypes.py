"""Canonical spelling of PostgreSQL column types, as ``format_type()`` prints them.

The type text is parsed by PostgreSQL's own grammar (pglast), so anything accepted here is
valid DDL and the canonical form is derived from the grammar's resolved type name rather
than from a lookalike dialect: in sqlglot 30, ``integer ARRAY`` becomes ``INT``, ``bit
varying(5)`` becomes ``BIT``, ``float(24)`` becomes ``DOUBLE`` and ``int; drop table x`` is a type.
sqlglot earns its place where it is strong: reading another database's type names (``datetime``,
``nvarchar``, ``int64``), so an unknown type gets the PostgreSQL type its author meant as the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

from pglast import ast, parse_sql
from pglast.enums import SetOperation
from pglast.parser import ParseError

from schemagen.postgres.identifiers import ident
from schemagen.postgres.nodes import name_parts, required

__all__ = [
    "UnknownTypeError",
    "canonical_type",
    "format_type_name",
    "has_toast_table",
    "is_array",
    "is_integer",
    "is_text_like",
    "type_family",
    "varchar_length",
]


class UnknownTypeError(ValueError):
    """A type that is not valid PostgreSQL type syntax or has invalid modifiers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Internal names (as the grammar resolves them, or as users may spell them) -> format_type().
_RENAMED = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "varbit": "bit varying",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
    "time": "time",
    "timetz": "time",
    "bit": "bit",
    "bpchar": "character",
    "numeric": "numeric",
    "interval": "interval",
    "serial4": "serial",
    "serial8": "bigserial",
    "serial2": "smallserial",
}
_WITH_TZ = frozenset({"timestamptz", "timetz"})
_LENGTH_TYPES = frozenset({"varchar", "bpchar", "bit", "varbit"})
_PRECISION_TYPES = frozenset({"timestamp", "timestamptz", "time", "timetz"})
_SERIALS = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})

# Built-in types that take no modifier; spelled the same by format_type().
_PLAIN_BUILTINS = frozenset(
    (
        "text",
        "bytea",
        "json",
        "jsonb",
        "uuid",
        "date",
        "inet",
        "cidr",
        "macaddr",
        "macaddr8",
        "money",
        "xml",
        "tsvector",
        "tsquery",
        "oid",
        "name",
        "point",
        "line",
        "lseg",
        "box",
        "path",
        "polygon",
        "circle",
        "jsonpath",
        "pg_lsn",
        "xid",
        "xid8",
        "cid",
        "tid",
        "int4range",
        "int8range",
        "numrange",
        "tsrange",
        "tstzrange",
        "daterange",
        "int4multirange",
        "int8multirange",
        "nummultirange",
        "tsmultirange",
        "tstzmultirange",
        "datemultirange",
        "txid_snapshot",
        "pg_snapshot",
        "regclass",
        "regtype",
        "regproc",
        "regprocedure",
        "regoper",
        "regoperator",
        "regnamespace",
        "regrole",
        "regconfig",
        "regdictionary",
        "regcollation",
    )
)

# Types that extensions commonly add: accepted by name, since the spec cannot see the extension's catalog.
EXTENSION_TYPES = frozenset(
    {
        "citext",
        "hstore",
        "ltree",
        "lquery",
        "ltxtquery",
        "cube",
        "earth",
        "seg",
        "isbn",
        "isbn13",
        "issn",
        "issn13",
        "ean13",
        "upc",
        "ismn",
        "ismn13",
        "geometry",
        "geography",
        "box2d",
        "box3d",
        "raster",
        "vector",
        "halfvec",
        "sparsevec",
    }
)

# How other databases' type names are read when suggesting the PostgreSQL one, most common first.
_FOREIGN_DIALECTS = ("mysql", "tsql", "bigquery", "snowflake", "clickhouse", "duckdb", "oracle")

# Interval field masks (PostgreSQL datetime.h) -> format_type() suffix.
_INTERVAL_FULL_RANGE = 0x7FFF
_YEAR, _MONTH, _DAY, _HOUR, _MINUTE, _SECOND = (1 << 2, 1 << 1, 1 << 3, 1 << 10, 1 << 11, 1 << 12)
_INTERVAL_FIELDS = {
    _YEAR: " year",
    _MONTH: " month",
    _DAY: " day",
    _HOUR: " hour",
    _MINUTE: " minute",
    _SECOND: " second",
    _YEAR | _MONTH: " year to month",
    _DAY | _HOUR: " day to hour",
    _DAY | _HOUR | _MINUTE: " day to minute",
    _DAY | _HOUR | _MINUTE | _SECOND: " day to second",
    _HOUR | _MINUTE: " hour to minute",
    _HOUR | _MINUTE | _SECOND: " hour to second",
    _MINUTE | _SECOND: " minute to second",
    _INTERVAL_FULL_RANGE: "",
}

# Text after the type could close our CAST( and smuggle in clauses; none may be present.
_SELECT_CLAUSES = (
    "distinctClause",
    "intoClause",
    "fromClause",
    "whereClause",
    "groupClause",
    "havingClause",
    "windowClause",
    "valuesLists",
    "sortClause",
    "limitOffset",
    "limitCount",
    "lockingClause",
    "withClause",
)

_MAX_VARCHAR = 10485760
_MODIFIER = re.compile(r"\([^)]*\)")


def _int_modifiers(type_label: str, typmods: tuple[ast.Node, ...]) -> list[int]:
    values = []
    for mod in typmods:
        if not (isinstance(mod, ast.A_Const) and isinstance(mod.val, ast.Integer)):
            raise UnknownTypeError(f"type modifiers of {type_label} must be integer constants")
        values.append(required(mod.val.ival))
    return values


def _format_builtin(internal: str, typmods: tuple[ast.Node, ...] | None) -> str:
    base = _RENAMED.get(internal, internal)
    mods = _int_modifiers(base, typmods) if typmods else []
    if internal in _LENGTH_TYPES:
        if len(mods) > 1:
            raise UnknownTypeError(f"{base} takes one length modifier")
        if mods:
            if not 1 <= mods[0] <= _MAX_VARCHAR:
                raise UnknownTypeError(f"length for type {base} must be between 1 and {_MAX_VARCHAR}")
            return f"{base}({mods[0]})"
        # bpchar without a length is not CHARACTER(1) (the grammar adds that), format_type agrees.
        return "bpchar" if internal == "bpchar" else base
    if internal == "numeric":
        if len(mods) > 2:
            raise UnknownTypeError("numeric takes at most precision and scale")
        if not mods:
            return "numeric"
        precision, scale = mods[0], mods[1] if len(mods) == 2 else 0
        if not 1 <= precision <= 1000:
            raise UnknownTypeError(f"NUMERIC precision {precision} must be between 1 and 1000")
        if not -1000 <= scale <= 1000:
            raise UnknownTypeError(f"NUMERIC scale {scale} must be between -1000 and 1000")
        return f"numeric({precision},{scale})"
    if internal in _PRECISION_TYPES:
        suffix = " with time zone" if internal in _WITH_TZ else " without time zone"
        if len(mods) > 1:
            raise UnknownTypeError(f"{base} takes one precision modifier")
        if mods:
            # PostgreSQL silently reduces >6 with a WARNING; a spec should say what it gets.
            if not 0 <= mods[0] <= 6:
                raise UnknownTypeError(f"{base} precision {mods[0]} must be between 0 and 6")
            return f"{base}({mods[0]}){suffix}"
        return base + suffix
    if internal == "interval":
        if not mods:
            return "interval"
        fields = _INTERVAL_FIELDS.get(mods[0])
        if fields is None or len(mods) > 2:
            raise UnknownTypeError("invalid interval type modifier")
        if len(mods) == 2:
            if not 0 <= mods[1] <= 6:
                raise UnknownTypeError(f"interval precision {mods[1]} must be between 0 and 6")
            return f"interval{fields}({mods[1]})"
        return f"interval{fields}"
    if mods:
        raise UnknownTypeError(f"type modifier is not allowed for type {base}")
    return base


def _format_modifier(mod: ast.Node) -> str:
    if isinstance(mod, ast.A_Const) and mod.val is not None:
        val = mod.val
        if isinstance(val, ast.Integer):
            return str(val.ival)
        if isinstance(val, ast.Float):
            return required(val.fval)
        if isinstance(val, ast.String):
            return "'" + required(val.sval).replace("'", "''") + "'"
    if isinstance(mod, ast.ColumnRef) and all(isinstance(f, ast.String) for f in required(mod.fields)):
        return ".".join(ident(part) for part in name_parts(mod.fields))
    raise UnknownTypeError("type modifiers must be simple constants or identifiers")


def format_type_name(
    type_name: ast.TypeName, enum_names: frozenset[str] = frozenset(), *, suggest: bool = True
) -> str:
    """Canonical spelling of a parsed ``TypeName`` node (also used for casts in expressions).

    `suggest`: name another database's type's PostgreSQL equivalent in the error (off while looking
    one up: sqlglot may spell a type it does not know as itself)."""
    if type_name.setof:
        raise UnknownTypeError("SETOF is not a column type")
    if type_name.pct_type:
        raise UnknownTypeError("%TYPE is not a column type")
    names = name_parts(type_name.names)
    typmods = type_name.typmods
    if len(names) == 2 and names[0] == "pg_catalog":
        names = names[1:]
    if len(names) == 1:
        name = names[0]
        if name in _SERIALS:
            if type_name.arrayBounds:
                raise UnknownTypeError(f"array of {name} is not implemented")
            if typmods:
                raise UnknownTypeError(f"type modifier is not allowed for type {name}")
            return _RENAMED.get(name, name)
        if name in _RENAMED or name in _PLAIN_BUILTINS:
            base = _format_builtin(name, typmods)
        elif name == "char":
            # Only reachable quoted: unquoted CHAR is resolved to bpchar by the grammar.
            if typmods:
                raise UnknownTypeError('type modifier is not allowed for type "char"')
            base = '"char"'
        elif name not in enum_names and name not in EXTENSION_TYPES:
            raise UnknownTypeError(
                _unknown_type_message(name, enum_names) if suggest else f"{name} is not a PostgreSQL type"
            )
        else:
            base = ident(name)
            if typmods:
                base += "(" + ",".join(_format_modifier(m) for m in typmods) + ")"
    else:
        base = ".".join(ident(n) for n in names)
        if typmods:
            base += "(" + ",".join(_format_modifier(m) for m in typmods) + ")"
    # PostgreSQL does not record array dimensions: format_type() always prints a single [].
    return base + "[]" if type_name.arrayBounds else base


def _unknown_type_message(name: str, enum_names: frozenset[str]) -> str:
    folded = sorted(n for n in enum_names if n.lower() == name and n != name)
    if folded:
        # a type is SQL: unquoted, `Mood` is `mood`
        return f"{name} is not a type of the spec; a type name is SQL, so write {ident(folded[0])} in quotes"
    suggestion = foreign_equivalent(name)
    if suggestion:
        return f"{name} is not a PostgreSQL type: use {suggestion}"
    # the names PostgreSQL prints (bigint, boolean) as well as its internal ones (int8, bool)
    known = _PLAIN_BUILTINS | set(_RENAMED) | set(_RENAMED.values()) | enum_names
    close = difflib.get_close_matches(name, sorted(known), n=1)
    if close:
        return f"{name} is neither a PostgreSQL type nor an enum of the spec; did you mean {close[0]}?"
    return f"{name} is neither a PostgreSQL type nor an enum of the spec"


@lru_cache(maxsize=1024)
def foreign_equivalent(name: str) -> str | None:
    """The PostgreSQL type another database means by `name` (`datetime` → timestamp), via sqlglot
    (imported here: only a type PostgreSQL does not know needs it, and it is a tenth of a second)."""
    import sqlglot
    import sqlglot.errors

    for dialect in _FOREIGN_DIALECTS:
        try:
            data_type = sqlglot.exp.DataType.build(name, dialect=dialect)
        except (sqlglot.errors.SqlglotError, ValueError):
            continue
        if data_type.this == sqlglot.exp.DataType.Type.USERDEFINED:
            continue
        try:
            return _canonical_type(data_type.sql(dialect="postgres"), frozenset(), suggest=False)
        except UnknownTypeError:
            continue
    return None


#: Longer than any type spelled by hand; a longer text is refused before it is parsed.
MAX_TYPE_CHARS = 1000


@lru_cache(maxsize=4096)
def canonical_type(text: str, enum_names: frozenset[str] = frozenset()) -> str:
    """Return PostgreSQL's canonical lower-case spelling of the type ``text``.

    User-defined types (enums, extension types such as citext) come back as written, folded
    like the parser folds them. Raises ``UnknownTypeError`` for anything that is not a type.
    """
    return _canonical_type(text, enum_names, suggest=True)


def _canonical_type(text: str, enum_names: frozenset[str], *, suggest: bool) -> str:
    if len(text) > MAX_TYPE_CHARS:
        raise UnknownTypeError(f"a type of {len(text):,} characters is not a type schemagen takes")
    stripped = text.strip()
    if not stripped:
        raise UnknownTypeError("empty type")
    if "\x00" in stripped:
        raise UnknownTypeError("type contains a NUL character")
    # CAST(...) keeps the type alone between parentheses: a comment or ';' cannot escape it.
    try:
        stmts = parse_sql(f"SELECT CAST(NULL AS {stripped})")
    except ParseError as exc:
        raise UnknownTypeError(f"not a valid type: {stripped!r} ({exc.args[0]})") from None
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    targets = stmt.targetList if isinstance(stmt, ast.SelectStmt) else None
    cast = targets[0].val if targets and len(targets) == 1 else None
    if not (
        # a cast implies the first two, spelled out for the type checker
        isinstance(stmt, ast.SelectStmt)
        and targets
        and isinstance(cast, ast.TypeCast)
        and isinstance(cast.arg, ast.A_Const)
        and targets[0].name is None
        and stmt.op == SetOperation.SETOP_NONE
        and all(getattr(stmt, clause) is None for clause in _SELECT_CLAUSES)
    ):
        raise UnknownTypeError(f"not a valid type: {stripped!r}")
    return format_type_name(required(cast.typeName), enum_names, suggest=suggest)


def _base(canonical: str) -> str:
    return _MODIFIER.sub("", canonical).strip()


_FAMILIES = {
    "smallint": "integer",
    "integer": "integer",
    "bigint": "integer",
    "serial": "integer",
    "bigserial": "integer",
    "smallserial": "integer",
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "int": "integer",
    "numeric": "numeric",
    "decimal": "numeric",
    "real": "numeric",
    "double precision": "numeric",
    "float4": "numeric",
    "float8": "numeric",
    "text": "text",
    "character varying": "text",
    "varchar": "text",
    "character": "text",
    "char": "text",
    "bpchar": "text",
    "citext": "text",
    "name": "text",
    "boolean": "boolean",
    "bool": "boolean",
    "json": "json",
    "jsonb": "json",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamp",
    "timestamptz": "timestamp",
    "date": "date",
    "time": "time",
    "time without time zone": "time",
    "time with time zone": "time",
    "timetz": "time",
    "uuid": "uuid",
    "bytea": "bytea",
}


def type_family(canonical: str, enum_names: frozenset[str] = frozenset()) -> str:
    """Coarse family of a canonical type, used to check that defaults fit their column."""
    if canonical.endswith("[]"):
        return "array"
    if canonical in enum_names or canonical.rsplit(".", 1)[-1] in enum_names:
        return "enum"
    base = _base(canonical)
    if base.startswith("interval"):
        return "interval"
    return _FAMILIES.get(base, "other")


def is_text_like(canonical: str) -> bool:
    """True for text, character varying, character and citext (not arrays of them)."""
    return type_family(canonical) == "text"


def is_integer(canonical: str) -> bool:
    """True for smallint, integer, bigint and the serial pseudo-types."""
    return type_family(canonical) == "integer"


def is_array(canonical: str) -> bool:
    return canonical.endswith("[]")


_VARCHAR_LENGTH = re.compile(r"character varying\((\d+)\)\Z")


def varchar_length(canonical: str) -> int | None:
    """The length limit of ``character varying(n)``; None when unlimited or another type."""
    match = _VARCHAR_LENGTH.match(canonical)
    return int(match.group(1)) if match else None


# Bytes of the fixed-length built-in types (their typlen), as format_type() spells them.
_FIXED_SIZES = {
    "smallint": 2,
    "integer": 4,
    "bigint": 8,
    "real": 4,
    "double precision": 8,
    "boolean": 1,
    "date": 4,
    "time without time zone": 8,
    "time with time zone": 12,
    "timestamp without time zone": 8,
    "timestamp with time zone": 8,
    "interval": 16,
    "uuid": 16,
    "money": 8,
    "oid": 4,
    '"char"': 1,
    "macaddr": 6,
    "macaddr8": 8,
    "point": 16,
    "pg_lsn": 8,
}
_BOUNDED = re.compile(r"(character varying|character|bit varying|bit|numeric)\((\d+)(?:,\s*\d+)?\)\Z")
# PostgreSQL gives a table a TOAST table when a row may exceed this many bytes (TOAST_TUPLE_THRESHOLD
# with 8 kB pages), counting the largest value of each bounded type.
_TOAST_TUPLE_THRESHOLD = 2032


def _largest_value(canonical: str, enum_names: frozenset[str]) -> int | None:
    """The most bytes a value of the type takes, or None when a value may be of any size."""
    if canonical.endswith("[]"):
        return None
    if canonical in enum_names or canonical.rsplit(".", 1)[-1] in enum_names:
        return 4
    base = re.sub(r"\(\d+\)", "", canonical)  # time(3) with time zone, interval(6)
    if base in _FIXED_SIZES:
        return _FIXED_SIZES[base]
    if base.startswith("interval"):
        return 16
    bounded = _BOUNDED.match(canonical)
    if bounded is None:
        return None
    kind, size = bounded.group(1), int(bounded.group(2))
    if kind == "numeric":
        return (size + 3) // 4 * 2 + 8
    if kind.startswith("bit"):
        return (size + 7) // 8 + 8
    return size * 4 + 4  # characters of up to 4 bytes each, in UTF-8


def has_toast_table(types: Iterable[str], enum_names: frozenset[str] = frozenset()) -> bool:
    """Whether PostgreSQL gives a table with columns of these types a TOAST table (`toast.` storage
    parameters are kept only then): some column of a variable-length type, and a row that may not fit
    in a quarter of a page."""
    total, variable = 24, False
    for canonical in types:
        largest = _largest_value(canonical, enum_names)
        if largest is None:
            return True
        base = re.sub(r"\(\d+\)", "", canonical)
        variable = variable or not (base in _FIXED_SIZES or base.startswith("interval"))
        total += largest
    return variable and total > _TOAST_TUPLE_THRESHOLD
