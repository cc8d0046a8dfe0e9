"""PostgreSQL identifiers: quoted exactly where the server's own `quote_ident()` quotes them."""

from __future__ import annotations

import re
from functools import lru_cache

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

__all__ = ["ident", "qname"]

# quote_identifier() in ruleutils.c: a lower case letter or `_`, then lower case letters, digits, `_`
_SIMPLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_QUOTED_KEYWORDS = frozenset(RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS)


@lru_cache(maxsize=65536)
def ident(name: str) -> str:
    """Quote `name` as a PostgreSQL identifier, following the rules of `quote_ident()`.

    A name stays bare when it is made of lower case letters, digits and underscores, does not start
    with a digit, and is not a keyword (unreserved keywords are fine); otherwise it is wrapped in
    double quotes with any `"` doubled. The keyword lists are pglast's, which follow a newer server
    than 15, so a few words (`json`) are quoted where PostgreSQL 15 would not: harmless.

    >>> ident("users")
    'users'
    >>> ident("position")
    '"position"'
    >>> ident("Users")
    '"Users"'
    >>> ident('a"b')
    '"a""b"'
    >>> ident("name")  # an unreserved keyword
    'name'
    >>> ident("a$b")  # `$` is allowed unquoted in SQL, but quote_ident() quotes it
    '"a$b"'
    """
    if _SIMPLE_NAME.fullmatch(name) and name not in _QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def qname(name: str, schema: str | None = None) -> str:
    """A schema-qualified name, each part quoted with `ident`.

    >>> qname("users", "public")
    'public.users'
    >>> qname("User", "app")
    'app."User"'
    """
    if schema is None:
        return ident(name)
    return ident(schema) + "." + ident(name)
