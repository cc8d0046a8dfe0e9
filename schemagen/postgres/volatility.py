"""Which PostgreSQL functions are not IMMUTABLE: one table for the whole project.

The immutability checks (index expressions, partition keys, generated columns) reject the functions
listed here, each with its own advice; the planner treats a new column whose default calls a VOLATILE
one as a table rewrite (PostgreSQL computes such a default for every existing row, where a STABLE or
IMMUTABLE default is stored once in the catalog). Volatility is as `pg_proc.provolatile` states it on
PostgreSQL 15 to 18 (uuidv4 and uuidv7 exist from 18, random_normal from 16; uuid_generate_* come
with the uuid-ossp extension).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

Volatility = Literal["immutable", "stable", "volatile"]

_STORED_ONCE = (
    "an index/partition/generated expression is computed once and stored: compare against a"
    " constant, or filter at query time"
)
_PER_SESSION = "it depends on the session: record it with a DEFAULT or a trigger instead"

#: Each function that is not IMMUTABLE (in some of its forms), with what to write instead.
NON_IMMUTABLE: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "now",
                "current_timestamp",
                "current_date",
                "current_time",
                "localtime",
                "localtimestamp",
                "transaction_timestamp",
                "statement_timestamp",
                "clock_timestamp",
                "timeofday",
            ),
            _STORED_ONCE,
        ),
        **dict.fromkeys(
            ("random", "random_normal", "setseed"),
            "a stored value must be reproducible: generate it in a column DEFAULT or in the application",
        ),
        **dict.fromkeys(
            (
                "gen_random_uuid",
                "uuid_generate_v1",
                "uuid_generate_v1mc",
                "uuid_generate_v4",
                "uuidv4",
                "uuidv7",
            ),
            "use it as the column DEFAULT, not in an index, partition key or generated column",
        ),
        **dict.fromkeys(
            ("nextval", "currval", "lastval", "setval"),
            "sequences belong in a column DEFAULT or an identity column (GENERATED ... AS IDENTITY)",
        ),
        **dict.fromkeys(
            ("txid_current", "pg_current_xact_id"),
            "transaction ids change with every transaction: set the value in a DEFAULT or a trigger",
        ),
        **dict.fromkeys(
            ("current_user", "session_user", "current_role", "user", "current_schema", "current_catalog"),
            _PER_SESSION,
        ),
        "current_setting": "settings change per session: write the value as a constant",
        "age": "1-argument age() counts from the current date: store the timestamp and compute"
        " age() at query time",
        "to_char": "its output depends on session settings (TimeZone, DateStyle, lc_numeric):"
        " index the raw value and format at query time",
        "to_date": "parsing depends on DateStyle: write an ISO literal cast instead, e.g. '2024-01-31'::date",
        "to_timestamp": "2-argument to_timestamp depends on the session TimeZone: write an ISO"
        " literal with an explicit offset, e.g. '2024-01-31 00:00+00'::timestamptz",
    }
)

#: Functions whose other forms are IMMUTABLE: only these argument counts are not.
ONLY_NARGS = {"age": frozenset({1}), "to_timestamp": frozenset({2})}

#: The VOLATILE ones (a new value at every call); every other function above is STABLE.
VOLATILE = frozenset(
    {
        "clock_timestamp",
        "timeofday",
        "random",
        "random_normal",
        "setseed",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "currval",
        "lastval",
        "setval",
    }
)


def volatility(name: str) -> Volatility:
    """The volatility of a function called `name` (the least immutable of its forms)."""
    if name in VOLATILE:
        return "volatile"
    return "stable" if name in NON_IMMUTABLE else "immutable"
