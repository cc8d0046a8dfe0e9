"""Whether a literal parses as a value of its type, as PostgreSQL's input functions would judge it.

A quoted literal in DDL (a column default, `'10.0.0.1'::inet` in a check, `'abc'` compared with an
inet column) is converted by the type's input function when the statement runs, so a malformed one
fails CREATE TABLE. `input_problem(text, type)` says why PostgreSQL would refuse `text` as a value
of `type` (a column type as the Model spells it), or returns None when it would accept it — or when
this module cannot tell: the input functions of date/time types accept many spellings (DateStyle),
and only what is surely wrong is reported. `value_problem` does the same for a spec's YAML value
(a list default of an array column, a number), as the renderer writes it.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["ArrayLiteralError", "input_problem", "number_problem", "parse_array", "value_problem"]

Enums = Mapping[str, Sequence[str]]

_INT_BITS = {"smallint": 16, "integer": 32, "bigint": 64}
_RANGE_SUBTYPES = {
    "int4range": "integer",
    "int8range": "bigint",
    "numrange": "numeric",
    "daterange": "date",
    "tsrange": "timestamp without time zone",
    "tstzrange": "timestamp with time zone",
}
_MULTIRANGES = {
    "int4multirange": "int4range",
    "int8multirange": "int8range",
    "nummultirange": "numrange",
    "datemultirange": "daterange",
    "tsmultirange": "tsrange",
    "tstzmultirange": "tstzrange",
}
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(rf"\s*{_NUMBER}\s*\Z")
_FLOAT_WORDS = {"nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf"}
_MODS = re.compile(r"\(([^)]*)\)")
FLT_MAX = 3.4028234663852886e38
FLT_TRUE_MIN = 1.401298464324817e-45


def _invalid(type_: str, text: str) -> str:
    return f'invalid input syntax for type {type_}: "{_shown(text)}"'


def _shown(text: str) -> str:
    flat = " ".join(text.split()) if "\n" in text or "\t" in text else text
    return flat if len(flat) <= 60 else flat[:59] + "…"


def _base_and_mods(canonical: str) -> tuple[str, list[int]]:
    """`character varying(32)` → (`character varying`, [32]); `time(3) with time zone` → ..."""
    mods: list[int] = []
    match = _MODS.search(canonical)
    if match:
        for part in match.group(1).split(","):
            part = part.strip()
            if part.lstrip("-").isdigit():
                mods.append(int(part))
    base = re.sub(r"\s+", " ", _MODS.sub("", canonical)).strip()
    return base, mods


# --- scalars -----------------------------------------------------------------------------------------


def _integer(text: str, type_: str, version: int) -> str | None:
    stripped = text.strip()
    if not re.fullmatch(r"[+-]?\d+", stripped):
        if version >= 16 and re.fullmatch(r"[+-]?(?:0[xXoObB])?[0-9A-Fa-f_]+", stripped):
            return None  # PostgreSQL 16 takes 0x1F, 0o17, 0b101 and 1_000
        return _invalid(type_, text)
    bits = _INT_BITS[type_]
    if not -(2 ** (bits - 1)) <= int(stripped) < 2 ** (bits - 1):
        return f'value "{_shown(text)}" is out of range for type {type_}'
    return None


def _numeric(text: str, mods: list[int], version: int) -> str | None:
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered == "nan":
        return None
    if lowered in ("infinity", "+infinity", "-infinity", "inf", "+inf", "-inf"):
        if mods:
            return (
                f"numeric field overflow: a numeric({','.join(map(str, mods))}) cannot hold an infinite value"
            )
        return None
    if not _NUMBER_RE.match(stripped):
        if version >= 16 and "_" in stripped:
            return None
        return _invalid("numeric", text)
    if mods:
        precision, scale = mods[0], mods[1] if len(mods) > 1 else 0
        try:
            value = Decimal(stripped)
            rounded = value.quantize(Decimal(1).scaleb(-scale)) if -1000 <= scale <= 1000 else value
        except (InvalidOperation, ValueError):
            return None
        if rounded != 0 and rounded.adjusted() >= precision - scale:
            return (
                f"numeric field overflow: {_shown(stripped)} does not fit numeric({precision},{scale}), "
                f"which holds values below 10^{precision - scale}"
            )
    return None


def _float(text: str, type_: str) -> str | None:
    stripped = text.strip()
    if stripped.lower() in _FLOAT_WORDS:
        return None
    if not _NUMBER_RE.match(stripped):
        return _invalid(type_, text)
    value = float(stripped)
    nonzero = any(c in "123456789" for c in stripped.lower().split("e")[0])
    limit = FLT_MAX if type_ == "real" else math.inf
    if math.isinf(value) or abs(value) > limit:
        return f'"{_shown(stripped)}" is out of range for type {type_}'
    if nonzero and (value == 0 or (type_ == "real" and abs(value) < FLT_TRUE_MIN / 2)):
        return f'"{_shown(stripped)}" is out of range for type {type_}'
    return None


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def boolean_problem(text: str) -> str | None:
    word = text.strip().lower()
    if word in ("1", "0"):
        return None
    if word and (
        any(full.startswith(word) for full in ("true", "false", "yes", "no"))
        or (len(word) >= 2 and any(full.startswith(word) for full in ("on", "off")))
    ):
        return None
    return _invalid("boolean", text)


def _text(text: str, base: str, mods: list[int]) -> str | None:
    if mods and len(text.rstrip(" ")) > mods[0]:
        return f"value too long for type {base}({mods[0]}): {len(text)} characters"
    return None


def _bit(text: str, base: str, mods: list[int]) -> str | None:
    stripped = text
    if stripped[:1] in ("x", "X"):
        if not re.fullmatch(r"[0-9A-Fa-f]*", stripped[1:]):
            return f'"{_shown(stripped[1:])}" is not a valid hexadecimal digit'
        length = 4 * (len(stripped) - 1)
    else:
        if stripped[:1] in ("b", "B"):
            stripped = stripped[1:]
        if not re.fullmatch(r"[01]*", stripped):
            return f'"{_shown(text)}" is not a valid binary digit'
        length = len(stripped)
    if mods and base == "bit" and length != mods[0]:
        return f"bit string length {length} does not match type bit({mods[0]})"
    if mods and base == "bit varying" and length > mods[0]:
        return f"bit string too long for type bit varying({mods[0]})"
    return None


def _bytea(text: str) -> str | None:
    if text.startswith("\\x"):
        digits = re.sub(r"\s", "", text[2:])
        if not re.fullmatch(r"[0-9A-Fa-f]*", digits):
            return f'invalid hexadecimal digit in bytea "{_shown(text)}"'
        if len(digits) % 2:
            return "invalid hexadecimal data: odd number of digits"
        return None
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if text[i + 1 : i + 2] == "\\":
                i += 2
                continue
            if re.fullmatch(r"[0-3][0-7][0-7]", text[i + 1 : i + 4]):
                i += 4
                continue
            return _invalid("bytea", text)
        i += 1
    return None


_UUID = re.compile(r"[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}\Z")


def _uuid(text: str) -> str | None:
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    if not _UUID.match(inner) or inner.endswith("-"):
        return _invalid("uuid", text)
    return None


# --- date and time -----------------------------------------------------------------------------------

_DATE_WORDS = {"epoch", "infinity", "-infinity", "+infinity", "today", "tomorrow", "yesterday", "now"}
_TIME_WORDS = {"allballs", "now"}
_ISO_DATE = r"(\d{4,7})-(\d{1,2})-(\d{1,2})"
_ISO_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
_ZONE = r"(?:\s*(?:Z|z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?))?"
_BC = r"(?:\s+(?:BC|bc|AD|ad))?"
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _date_fields(year: str, month: str, day: str) -> str | None:
    y, m, d = int(year), int(month), int(day)
    if not 1 <= m <= 12:
        return f"month {m} is out of range"
    days = 29 if m == 2 and _leap(y) else _DAYS[m - 1]
    if not 1 <= d <= days:
        return f"day {d} is out of range for month {m}"
    if y == 0:
        return "year 0 is out of range"
    if y > 5874897:
        return f"year {y} is out of range"
    return None


def _time_fields(hour: str, minute: str, second: str | None, fraction: bool = False) -> str | None:
    h, m, s = int(hour), int(minute), int(second or 0)
    if h > 24 or m > 59 or s > 60 or (h == 24 and (m or s or fraction)):
        return f"time {hour}:{minute}{':' + second if second else ''} is out of range"
    return None


def _surely_not(text: str, words: set[str]) -> bool:
    """True when `text` holds no digit and is none of the special words: no spelling takes it."""
    word = text.strip().lower()
    return word not in words and not any(c.isdigit() for c in word)


def _date(text: str, type_: str) -> str | None:
    match = re.fullmatch(rf"\s*{_ISO_DATE}{_BC}\s*", text)
    if match:
        problem = _date_fields(*match.groups())
        return f'date/time field value out of range: "{_shown(text)}" ({problem})' if problem else None
    if _surely_not(text, _DATE_WORDS):
        return _invalid(type_, text)
    return None


def _timestamp(text: str, type_: str) -> str | None:
    match = re.fullmatch(rf"\s*{_ISO_DATE}(?:[T ]\s*{_ISO_TIME})?{_ZONE}{_BC}\s*", text)
    if match:
        year, month, day, hour, minute, second = match.groups()
        problem = _date_fields(year, month, day)
        if problem is None and hour is not None:
            problem = _time_fields(hour, minute, second, "." in text.split(":")[-1])
        return f'date/time field value out of range: "{_shown(text)}" ({problem})' if problem else None
    if _surely_not(text, _DATE_WORDS | {"allballs"}):
        return _invalid(type_, text)
    return None


def _time(text: str, type_: str) -> str | None:
    match = re.fullmatch(rf"\s*{_ISO_TIME}{_ZONE}\s*", text)
    if match:
        hour, minute, second = match.groups()
        problem = _time_fields(hour, minute, second, "." in text)
        return f'date/time field value out of range: "{_shown(text)}" ({problem})' if problem else None
    if _surely_not(text, _TIME_WORDS):
        return _invalid(type_, text)
    return None


# The words interval_in knows (PostgreSQL's deltatktbl), cut to its 10-character token length.
_INTERVAL_WORDS = frozenset(
    [
        "@",
        "ago",
        "c",
        "cent",
        "centuries",
        "century",
        "d",
        "day",
        "days",
        "dec",
        "decade",
        "decades",
        "decs",
        "h",
        "hour",
        "hours",
        "hr",
        "hrs",
        "m",
        "microsecon",
        "mil",
        "millennia",
        "millennium",
        "millisecon",
        "mils",
        "min",
        "mins",
        "minute",
        "minutes",
        "mon",
        "mons",
        "month",
        "months",
        "ms",
        "msec",
        "msecond",
        "mseconds",
        "msecs",
        "s",
        "sec",
        "second",
        "seconds",
        "secs",
        "timezone",
        "timezone_h",
        "timezone_m",
        "us",
        "usec",
        "usecond",
        "useconds",
        "usecs",
        "w",
        "week",
        "weeks",
        "y",
        "year",
        "years",
        "yr",
        "yrs",
    ]
)


def _interval(text: str, version: int) -> str | None:
    stripped = text.strip()
    if stripped[:1] in ("P", "p"):
        return None  # ISO 8601: P1Y2M3DT4H5M6S
    lowered = stripped.lower()
    if version >= 17 and lowered in ("infinity", "-infinity", "+infinity"):
        return None
    if not any(c.isdigit() for c in lowered):
        return _invalid("interval", text)
    for word in re.findall(r"[a-z_]+", lowered):
        if word[:10] not in _INTERVAL_WORDS:
            return _invalid("interval", text)
    return None


# --- network -------------------------------------------------------------------------------------------


def _network(text: str, type_: str) -> str | None:
    stripped = text.strip()
    if not stripped or not re.fullmatch(r"[0-9A-Fa-f.:/]+", stripped):
        return _invalid(type_, text)
    address = stripped.split("/")[0]
    dotted = re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address) is not None
    if ":" not in address and not re.fullmatch(r"[\d./]+", stripped):
        return _invalid(type_, text)
    if not (dotted or ":" in address):
        # cidr takes abbreviations (10/8, 192.168), inet does not
        return _invalid(type_, text) if type_ == "inet" else None
    try:
        if type_ == "cidr":
            ipaddress.ip_network(stripped, strict=True)
        else:
            ipaddress.ip_interface(stripped)
    except ValueError as error:
        if type_ == "cidr" and "has host bits set" in str(error):
            return f'invalid cidr value: "{_shown(text)}" has bits set to right of mask'
        return _invalid(type_, text)
    return None


def _macaddr(text: str, type_: str) -> str | None:
    digits = re.sub(r"[:.\-]", "", text.strip())
    sizes = (12,) if type_ == "macaddr" else (12, 16)
    if not re.fullmatch(r"[0-9A-Fa-f]+", digits) or len(digits) not in sizes:
        return _invalid(type_, text)
    return None


# --- geometry ------------------------------------------------------------------------------------------

_GEOMETRY_POINTS = {"point": (1, 1), "box": (2, 2), "lseg": (2, 2), "path": (1, None), "polygon": (1, None)}
_FLOAT_TOKEN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf(?:inity)?)", re.I)


def _geometry(text: str, type_: str) -> str | None:
    numbers = _FLOAT_TOKEN.findall(text)
    rest = _FLOAT_TOKEN.sub("", text)
    if not re.fullmatch(r"[\s()\[\]<>{},]*", rest):
        return _invalid(type_, text)
    count = len(numbers)
    if type_ == "circle":
        if count != 3:
            return _invalid(type_, text)
        if float(numbers[2]) < 0:
            return f'invalid input syntax for type circle: "{_shown(text)}" (a negative radius)'
        return None
    if type_ == "line":
        if "{" in text:
            if count != 3:
                return _invalid(type_, text)
            if float(numbers[0]) == 0 and float(numbers[1]) == 0:
                return "invalid line specification: A and B cannot both be zero"
            return None
        if count != 4:
            return _invalid(type_, text)
        if numbers[:2] == numbers[2:]:
            return "invalid line specification: must be two distinct points"
        return None
    low, high = _GEOMETRY_POINTS[type_]
    if count % 2 or count < 2 * low or (high is not None and count > 2 * high):
        return _invalid(type_, text)
    return None


# --- json ----------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *_strings(item))]
    return []


def _json(text: str, type_: str) -> str | None:
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return f'invalid input syntax for type {type_}: "{_shown(text)}" is not JSON'
    if type_ == "jsonb" and "\\u" in text:  # json keeps the text as it is
        for string in _strings(parsed):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in string):
                return "a Unicode surrogate escape must come in a high-low pair"
            if "\x00" in string:
                return "unsupported Unicode escape sequence: jsonb cannot hold \\u0000"
    return None


# --- arrays and ranges ---------------------------------------------------------------------------------


class ArrayLiteralError(ValueError):
    pass


Element = str | None
Nested = list[Any]


def parse_array(text: str) -> Nested | None:
    """The elements of an array's text form (`{a,"b c",NULL,{1,2}}`) as nested lists of strings and
    None; None when it carries explicit bounds (`[1:2]={…}`), which are not judged here. Raises
    ArrayLiteralError when PostgreSQL would say "malformed array literal"."""
    stripped = text.strip()
    if stripped.startswith("["):
        return None
    if not stripped.startswith("{"):
        raise ArrayLiteralError('array value must start with "{" or dimension information')
    value, end = _array_level(stripped, 1)
    if stripped[end:].strip():
        raise ArrayLiteralError("junk after closing right brace")
    _rectangular(value)
    return value


def _array_level(text: str, i: int) -> tuple[Nested, int]:
    items: Nested = []
    expecting = True  # an element (or the closing brace of an empty level)
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise ArrayLiteralError("unexpected end of input")
        char = text[i]
        if char == "}":
            if expecting and items:
                raise ArrayLiteralError("unexpected '}' character")
            return items, i + 1
        if not expecting:
            if char != ",":
                raise ArrayLiteralError(f"unexpected {char!r} character")
            expecting = True
            i += 1
            continue
        if char == "{":
            sub, i = _array_level(text, i + 1)
            items.append(sub)
        elif char == '"':
            i += 1
            chars = []
            while i < len(text) and text[i] != '"':
                if text[i] == "\\":
                    i += 1
                if i < len(text):
                    chars.append(text[i])
                i += 1
            if i >= len(text):
                raise ArrayLiteralError("unexpected end of input")
            items.append("".join(chars))
            i += 1
        elif char == ",":
            raise ArrayLiteralError("unexpected ',' character")
        else:
            chars = []
            while i < len(text) and text[i] not in ",}":
                if text[i] in '{"':
                    raise ArrayLiteralError(f"unexpected {text[i]!r} character")
                if text[i] == "\\":
                    i += 1
                if i < len(text):
                    chars.append(text[i])
                i += 1
            word = "".join(chars).strip()
            items.append(None if word.upper() == "NULL" else word)
        expecting = False


def _rectangular(value: Nested) -> None:
    def shape(item: Any) -> tuple[int, ...] | None:
        if not isinstance(item, list):
            return None
        shapes = {shape(child) for child in item}
        if len(shapes) > 1:
            raise ArrayLiteralError("multidimensional arrays must have sub-arrays with matching dimensions")
        inner = shapes.pop() if shapes else None
        return (len(item), *(inner or ()))

    shape(value)


def _flatten(value: Nested) -> list[Element]:
    out: list[Element] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _array(text: str, element: str, enums: Enums, version: int) -> str | None:
    if element == "box":
        return None  # box arrays separate their elements with ';'
    try:
        value = parse_array(text)
    except ArrayLiteralError as error:
        return f'malformed array literal: "{_shown(text)}" ({error})'
    if value is None:
        return None
    for item in _flatten(value):
        if item is not None:
            problem = input_problem(item, element, enums, version)
            if problem:
                return problem
    return None


def _split_range(text: str) -> tuple[str, list[str | None], str] | None:
    stripped = text.strip()
    if len(stripped) < 3 or stripped[0] not in "[(" or stripped[-1] not in "])":
        return None
    bounds: list[str | None] = []
    current: list[str] = []
    quoted = False
    i = 1
    inner_end = len(stripped) - 1
    seen_quote = False
    while i < inner_end:
        char = stripped[i]
        if char == '"':
            quoted = not quoted
            seen_quote = True
        elif char == "\\" and i + 1 < inner_end:
            i += 1
            current.append(stripped[i])
        elif char == "," and not quoted:
            bounds.append("".join(current) if current or seen_quote else None)
            current, seen_quote = [], False
        else:
            current.append(char)
        i += 1
    bounds.append("".join(current) if current or seen_quote else None)
    return stripped[0], bounds, stripped[-1]


def _range(text: str, type_: str, enums: Enums, version: int) -> str | None:
    if text.strip().lower() == "empty":
        return None
    parts = _split_range(text)
    if parts is None or len(parts[1]) != 2:
        return f'malformed range literal: "{_shown(text)}"'
    subtype = _RANGE_SUBTYPES[type_]
    low, high = parts[1]
    for bound in (low, high):
        if bound is not None:
            problem = input_problem(bound, subtype, enums, version)
            if problem:
                return problem
    if low is not None and high is not None:
        try:
            if subtype in ("integer", "bigint", "numeric"):
                wrong = Decimal(low.strip()) > Decimal(high.strip())
            elif re.fullmatch(rf"\s*{_ISO_DATE}\s*", low) and re.fullmatch(rf"\s*{_ISO_DATE}\s*", high):
                wrong = tuple(map(int, low.strip().split("-"))) > tuple(map(int, high.strip().split("-")))
            else:
                wrong = False
        except (InvalidOperation, ValueError):
            wrong = False
        if wrong:
            return "range lower bound must be less than or equal to range upper bound"
    return None


def _multirange(text: str, type_: str, enums: Enums, version: int) -> str | None:
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return f'malformed multirange literal: "{_shown(text)}"'
    inner = stripped[1:-1].strip()
    if not inner:
        return None
    for match in re.finditer(r"\s*([\[(][^\])]*[\])]|empty)\s*(,|\Z)", inner, re.I):
        problem = _range(match.group(1), _MULTIRANGES[type_], enums, version)
        if problem:
            return problem
    return None


# --- the entry points ------------------------------------------------------------------------------------

_DATE_TYPES = {"timestamp without time zone", "timestamp with time zone"}


def input_problem(
    text: str, canonical: str, enums: Enums | None = None, version: int = 15, *, assignment: bool = True
) -> str | None:
    """Why PostgreSQL's input function of `canonical` (a column type, modifiers included) rejects
    `text`; None when it accepts it, or when this cannot tell (an unknown or extension type).

    `assignment`: the value is stored into a column of that type (a default), so a length modifier
    is enforced (`varchar(3)`, `bit(4)`); an explicit cast cuts or pads instead."""
    enums = enums or {}
    if not assignment:
        canonical = _MODS.sub(lambda m: m.group(0) if "," in m.group(1) else "", canonical)
    type_ = canonical.strip()
    if type_.endswith("[]"):
        return _array(text, type_[:-2].rstrip(), enums, version)
    if "\x00" in text:
        return "a value cannot hold a NUL character"
    enum = enums.get(type_) or enums.get(type_.rsplit(".", 1)[-1])
    if enum is not None:
        return None if text in enum else f'invalid input value for enum {type_}: "{_shown(text)}"'
    base, mods = _base_and_mods(type_)
    if base.startswith("interval"):
        return _interval(text, version)
    if base in ("time with time zone", "time without time zone", "time", "timetz"):
        return _time(text, base)
    match base:
        case "smallint" | "integer" | "bigint":
            return _integer(text, base, version)
        case "numeric" | "decimal":
            return _numeric(text, mods, version)
        case "real" | "double precision":
            return _float(text, base)
        case "boolean":
            return boolean_problem(text)
        case "character varying" | "character" | "bpchar":
            return _text(text, "character" if base == "bpchar" else base, mods)
        case "bit" | "bit varying":
            return _bit(text, base, mods)
        case "bytea":
            return _bytea(text)
        case "uuid":
            return _uuid(text)
        case "date":
            return _date(text, base)
        case "inet" | "cidr":
            return _network(text, base)
        case "macaddr" | "macaddr8":
            return _macaddr(text, base)
        case "point" | "box" | "lseg" | "line" | "circle" | "path" | "polygon":
            return _geometry(text, base)
        case "json" | "jsonb":
            return _json(text, base)
        case "pg_lsn":
            return (
                None
                if re.fullmatch(r"\s*[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}\s*", text)
                else _invalid(base, text)
            )
    if base in _DATE_TYPES:
        return _timestamp(text, base)
    if base in _RANGE_SUBTYPES:
        return _range(text, base, enums, version)
    if base in _MULTIRANGES:
        return _multirange(text, base, enums, version)
    return None


def number_problem(value: int | float, canonical: str) -> str | None:
    """Why the number `value`, written as a constant, does not fit `canonical` when stored into it
    (an integer out of range, a numeric(p,s) overflow, a float beyond real)."""
    base, _ = _base_and_mods(canonical.strip())
    if base in _INT_BITS:
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a {base}"
        rounded = round(value)
        bits = _INT_BITS[base]
        if not -(2 ** (bits - 1)) <= rounded < 2 ** (bits - 1):
            return f"{base} out of range: {value!r}"
        return None
    if base in ("numeric", "decimal", "real", "double precision") and math.isfinite(value):
        return input_problem(repr(value) if isinstance(value, float) else str(value), canonical)
    return None


def _element_text(value: Any) -> str | None:
    """A YAML scalar as the renderer writes it inside an array literal (None for NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)
    return str(value)


def value_problem(value: Any, canonical: str, enums: Enums | None = None, version: int = 15) -> str | None:
    """Why the literal the renderer writes for the YAML `value` is not a value of `canonical`: a
    string or a date is quoted and read by the type's input function; a list is an array's text form.
    Numbers and booleans are not judged here (they are typed constants, cast to the column)."""
    type_ = canonical.strip()
    if type_.endswith("[]"):
        element = type_[:-2].rstrip()
        if element == "box":
            return None  # box arrays separate their elements with ';'
        if isinstance(value, str):
            return input_problem(value, type_, enums, version)
        if not isinstance(value, list):
            return None
        try:
            _rectangular(value)
        except ArrayLiteralError as error:
            return f"malformed array literal: {error}"
        for item in _flatten(value):
            if isinstance(item, dict) and item and element not in ("json", "jsonb"):
                return f"a mapping is not a value of {element}"
            text = _element_text(item)
            if text is not None:
                problem = input_problem(text, element, enums, version)
                if problem:
                    return problem
        return None
    if isinstance(value, datetime):
        return input_problem(value.isoformat(sep=" "), type_, enums, version)
    if isinstance(value, date):
        return input_problem(value.isoformat(), type_, enums, version)
    if isinstance(value, str):
        return input_problem(value, type_, enums, version)
    return None
