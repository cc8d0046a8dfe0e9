"""Where each page of the site lives: one file per object, named from the object's name."""

from __future__ import annotations

import string

# Characters a name keeps in its file name; every other one is spelled out, so two names never share
# a page (`Users` and `users` are two tables to PostgreSQL) and a name never escapes its folder.
_PLAIN = frozenset(string.ascii_lowercase + string.digits + "_")

INDEX = "index.html"
DIAGRAM = "diagram.html"
STYLESHEET = "static/site.css"


def slug(name: str) -> str:
    """A file name for `name`: plain characters as they are, any other as `-<hex code point>-`.

    >>> slug("messages"), slug("Audit Log"), slug("a/b")
    ('messages', '-41-udit-20--4c-og', 'a-2f-b')
    """
    return "".join(ch if ch in _PLAIN else f"-{ord(ch):x}-" for ch in name)


def table_page(name: str) -> str:
    return f"tables/{slug(name)}.html"


def view_page(name: str) -> str:
    return f"views/{slug(name)}.html"


def enum_page(name: str) -> str:
    return f"enums/{slug(name)}.html"


def type_page(name: str) -> str:
    return f"types/{slug(name)}.html"


def routine_page(name: str) -> str:
    """`name`: a routine's key, or `key(types)` for one of several of that key (overloads)."""
    return f"functions/{slug(name)}.html"


def migration_page(number: int, name: str) -> str:
    return f"migrations/{number:04d}_{slug(name)}.html"


def root_of(page: str) -> str:
    """The relative path from `page` back to the site's root, so links work from `file://`."""
    return "../" * page.count("/")
