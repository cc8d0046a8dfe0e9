"""What a template renders, with holes where its values go: text that fits yields those values.

A template is rendered once with a placeholder for each value it takes (`hole("source")` for a
table's name…); the rendering, cut at the placeholders, is the shape. Any text of that shape is what
the template renders for some values, and matching it says which. Built from the rendering itself,
never from a copy of the template's text, a shape follows every change to its template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["HOLE_PREFIX", "Shape", "ShapeError", "hole"]

#: Starts every placeholder: a name `ident` leaves bare, which no template holds of its own.
HOLE_PREFIX = "schemagen_hole_"
# Between the parts of a rendering (a function's body, its comment): catalog text never holds NUL.
_SEPARATOR = "\x00"


class ShapeError(Exception):
    """A template uses a value in a way its shape cannot read back (a placeholder outside a hole)."""


def hole(name: str) -> str:
    """The placeholder rendered in place of the value `name`."""
    return HOLE_PREFIX + name


@dataclass(frozen=True)
class Shape:
    """A rendering in parts, with named holes; `match` reads the holes' text back from other parts."""

    pattern: re.Pattern[str]

    @classmethod
    def of(cls, parts: Sequence[str], holes: Mapping[str, str]) -> Shape:
        """The shape of `parts`, rendered with placeholders: `holes` maps a hole's name to its text in
        the rendering (a placeholder as the template writes it: quoted, qualified by a schema…). The
        longest texts are cut out first; a hole found twice must hold the same text both times."""
        rendered = _SEPARATOR.join(parts)
        names = {text: name for name, text in holes.items()}
        cut = re.compile("|".join(re.escape(text) for text in sorted(names, key=len, reverse=True)))
        pattern, seen, position = [], set(), 0
        for found in cut.finditer(rendered):
            pattern.append(_literal(rendered[position : found.start()]))
            name = names[found.group()]
            pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^{_SEPARATOR}]+?)")
            seen.add(name)
            position = found.end()
        pattern.append(_literal(rendered[position:]))
        return cls(re.compile("".join(pattern), re.DOTALL))

    @classmethod
    def of_pattern(cls, pattern: str) -> Shape:
        """The shape whose `pattern.pattern` is `pattern` (as kept by `shape_cache`)."""
        return cls(re.compile(pattern, re.DOTALL))

    def match(self, parts: Sequence[str]) -> dict[str, str] | None:
        """The text of each hole when `parts` have this shape, else None."""
        found = self.pattern.fullmatch(_SEPARATOR.join(parts))
        return found.groupdict() if found else None


def _literal(text: str) -> str:
    if HOLE_PREFIX in text:
        start = text.index(HOLE_PREFIX)
        raise ShapeError(f"a placeholder the shape has no hole for: {text[start : start + 60]!r}")
    return re.escape(text)
