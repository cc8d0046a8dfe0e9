"""PostgreSQL identifiers: quoted exactly where the server's own `quote_ident()` quotes them."""

from __future__ import annotations

import re
from functools import cache

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

__all__ = ["MAX_NAME_BYTES", "ident", "is_valid_name", "needs_quoting", "qname", "split_quoted"]

# quote_identifier() in ruleutils.c: a lower case letter or `_`, then lower case letters, digits, `_`
_SIMPLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_QUOTED_KEYWORDS = frozenset(RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS)
#: NAMEDATALEN - 1: PostgreSQL truncates longer names
MAX_NAME_BYTES = 63


def is_valid_name(name: str) -> bool:
    """Whether PostgreSQL accepts `name` as a quoted identifier: not empty and no NUL character.

    The length (at most 63 bytes) is checked apart, since its message is a different one.

    >>> is_valid_name('uq:fullName'), is_valid_name("bıgınt"), is_valid_name('a "b"')
    (True, True, True)
    >>> is_valid_name(""), is_valid_name("a\\x00b".encode().decode("unicode_escape"))
    (False, False)
    """
    return bool(name) and "\x00" not in name


def needs_quoting(name: str) -> bool:
    """Whether `name` must be double-quoted in SQL (`ident()` quotes it).

    >>> needs_quoting("users"), needs_quoting("Users"), needs_quoting("uq:fullName")
    (False, True, True)
    """
    return ident(name) != name


def split_quoted(text: str) -> tuple[str, str] | None:
    """A double-quoted identifier at the start of `text` (`""` inside stands for `"`) and the rest, or
    None when `text` does not start with a closed quoted identifier.

    >>> split_quoted('"Full Name" DESC')
    ('Full Name', ' DESC')
    >>> split_quoted('"a""b"')
    ('a"b', '')
    >>> split_quoted('"open') is None, split_quoted('plain') is None, split_quoted('""') is None
    (True, True, True)
    """
    if not text.startswith('"'):
        return None
    i, name = 1, []
    while i < len(text):
        if text[i] == '"':
            if text[i + 1 : i + 2] == '"':
                name.append('"')
                i += 2
                continue
            if not name:
                return None
            return "".join(name), text[i + 1 :]
        name.append(text[i])
        i += 1
    return None


def _quote(name: str) -> str:
    # A name of ASCII letters, digits and `_` (not starting with a digit) with a lower case letter and
    # no upper case one is what the pattern matches, told by three string methods that are quicker
    # than the pattern; a name without letters (`_1`) is left to the pattern.
    simple = (name.isascii() and name.isidentifier() and name.islower()) or _SIMPLE_NAME.fullmatch(name)
    if simple and name not in _QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


# Remembered without a bound: a bounded cache's bookkeeping made each first sight of a name cost more
# than its quoting. It holds one entry per name the process quotes.
@cache
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
    >>> ident("_1"), ident("1a"), ident("été")
    ('_1', '"1a"', '"été"')
    """
    return _quote(name)


def qname(name: str, schema: str | None = None) -> str:
    """A schema-qualified name, each part quoted with `ident`.

    >>> qname("users", "public")
    'public.users'
    >>> qname("User", "app")
    'app."User"'
    """
    if schema is None:
        return ident(name)
    # the name not remembered: most qualified names are a partition's, each quoted once
    return ident(schema) + "." + _quote(name)
