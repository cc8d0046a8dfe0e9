"""Functions and procedures: a signature and a result spelled as PostgreSQL prints them
(`pg_get_function_arguments`, `pg_get_function_result`), and whether a body parses: one in quotes
(`AS $$ … $$`), or a SQL-standard one (`RETURN expr`, `BEGIN ATOMIC … END`).

A spec writes an argument as `name type` (or `type` alone, `OUT name type`, `name type DEFAULT expr`);
`signature` gives each type its canonical spelling so a spec and an inspected database compare equal.
"""

from __future__ import annotations

import re

from pglast import parser as pg_parser

from schemagen.postgres import sqltypes
from schemagen.postgres.expressions import names_mentioned
from schemagen.records import dataclass

_MODES = ("in", "out", "inout", "variadic")
_DEFAULT = re.compile(r"\s+default\s+|\s*=\s*", re.IGNORECASE)
#: results that are pseudo-types, not column types
_PSEUDO = frozenset({"trigger", "void", "record", "event_trigger"})


class SignatureError(ValueError):
    """An argument or a result that is not a type PostgreSQL (or the spec) has."""


@dataclass(frozen=True, slots=True)
class Signature:
    """`arguments` as `pg_get_function_arguments` prints them; `identity`: the input arguments without
    defaults (`pg_get_function_identity_arguments`), which name the function in DROP and COMMENT."""

    arguments: str
    identity: str


def split_top_level(text: str) -> list[str]:
    """`a int, b numeric(10, 2)` → [`a int`, `b numeric(10, 2)`]: commas outside brackets and quotes."""
    parts: list[str] = []
    depth, start, quote = 0, 0, ""
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def _type(text: str, type_names: frozenset[str]) -> str:
    try:
        return sqltypes.canonical_type(text, type_names)
    except sqltypes.UnknownTypeError as error:
        raise SignatureError(str(error)) from None


def argument(text: str, type_names: frozenset[str]) -> tuple[str, str | None]:
    """One argument as PostgreSQL prints it, and as `pg_get_function_identity_arguments` does (without
    its default; None for an OUT one)."""
    default = None
    match = _DEFAULT.search(text)
    if match:
        text, default = text[: match.start()], text[match.end() :].strip()
    words = text.split(None, 1)
    mode = ""
    if len(words) == 2 and words[0].lower() in _MODES:
        mode, text = words[0].upper(), words[1]
    try:
        name, type_ = "", _type(text, type_names)
    except SignatureError:
        words = text.split(None, 1)
        if len(words) != 2:
            raise
        name, type_ = words[0], _type(words[1], type_names)
    shown = " ".join(p for p in (mode if mode != "IN" else "", name, type_) if p)
    identity = None if mode == "OUT" else shown
    if default is not None:
        shown += f" DEFAULT {default}"
    return shown, identity


def signature(arguments: list[str], type_names: frozenset[str]) -> Signature:
    """The signature of the spec's `arguments` (each one argument, or several written as PostgreSQL
    writes them, separated by commas)."""
    shown, identity = [], []
    for written in arguments:
        for part in split_top_level(written):
            text, input_type = argument(part, type_names)
            shown.append(text)
            if input_type is not None:
                identity.append(input_type)
    return Signature(", ".join(shown), ", ".join(identity))


def result(text: str, type_names: frozenset[str]) -> str:
    """A function's result as `pg_get_function_result` prints it: `trigger`, `SETOF film`,
    `TABLE(id integer, title text)`."""
    stripped = " ".join(text.split())
    lowered = stripped.lower()
    if lowered in _PSEUDO:
        return lowered
    if lowered.startswith("setof "):
        return "SETOF " + result(stripped[6:], type_names)
    if lowered.startswith("table") and stripped[5:].lstrip().startswith("(") and stripped.endswith(")"):
        inner = stripped[5:].lstrip()[1:-1]
        return "TABLE(" + ", ".join(argument(p, type_names)[0] for p in split_top_level(inner)) + ")"
    return _type(stripped, type_names)


#: the start of a SQL-standard body (PostgreSQL 14+), written after the function's attributes without
#: quotes: `RETURN expr`, or `BEGIN ATOMIC statement; … END`
_STANDARD_BODY = re.compile(r"\s*(?:(?P<return>RETURN)\b|(?P<atomic>BEGIN\s+ATOMIC)\b)", re.IGNORECASE)
_ATOMIC_END = re.compile(r"\bEND\s*;?\s*$", re.IGNORECASE)
#: what a SQL-standard body is parsed behind: it is a clause of CREATE FUNCTION, not a statement
_STANDARD_PREFIX = "CREATE FUNCTION schemagen_body() RETURNS void LANGUAGE sql\n"


@dataclass(frozen=True, slots=True)
class StandardBody:
    """A SQL-standard body taken apart: `kind` "return" (`RETURN expr`: `inner` is the expression) or
    "atomic" (`BEGIN ATOMIC … END`: `inner` is the statements between)."""

    kind: str
    inner: str


def standard_body(language: str, body: str) -> StandardBody | None:
    """The parts of a SQL-standard body, or None for a body in quotes (or not in `language: sql`)."""
    found = _STANDARD_BODY.match(body) if language == "sql" else None
    if found is None:
        return None
    rest = body[found.end() :]
    if found["return"]:
        return StandardBody("return", rest.strip())
    return StandardBody("atomic", _ATOMIC_END.sub("", rest).strip())


def standard_body_names(body: str) -> frozenset[str] | None:
    """The relations, functions and types a SQL-standard body names (last name part), or None when it
    does not parse."""
    try:
        statements = pg_parser.parse_sql(_STANDARD_PREFIX + body)
    except pg_parser.ParseError:
        return None
    return names_mentioned(statements)


def canonical_body(body: str, language: str = "") -> str:
    """The body as compared and rendered: without the blank space around it (nor, for a SQL-standard
    body, a semicolon after it: the statement's own)."""
    text = body.strip()
    if standard_body(language, text) is not None:
        text = text.rstrip(";").rstrip()
    return text


def body_problem(language: str, body: str) -> str | None:
    """Why a body of `language: sql` does not parse, or None (a PL/pgSQL body is checked by PostgreSQL
    when the function is created)."""
    if language != "sql":
        return None
    standard = standard_body(language, body) is not None
    try:
        statements = pg_parser.parse_sql(_STANDARD_PREFIX + body if standard else body)
    except pg_parser.ParseError as error:
        return f"its body does not parse: {error.args[0]}"
    if standard and len(statements) != 1:
        return "a SQL-standard body (`RETURN …` or `BEGIN ATOMIC … END`) is one clause: nothing may follow it"
    return None
