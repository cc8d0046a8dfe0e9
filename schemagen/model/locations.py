"""Where in the spec something was written, and the same looked up only when it is read.

The build keeps a location for every object it reads (~44 per entity), and nearly all of them are
never shown: a valid spec shows none. Recording where each of a large spec's values was written
while reading it, and finding each object's location afterwards, was a fifth of validating it. So
the loader records nothing at first, and the build keeps `PendingLocation`s: which value of which
spec, looked up the first time anything reads one (a diagnostic is made, a hazard is placed), when
the spec's files are read again with their marks, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol

from schemagen.records import dataclass

#: a path into the raw spec: section, entry name, then keys and list positions
SpecPath = tuple[str | int, ...]


class Location(NamedTuple):
    """Where in the spec something was written: 1-based line and column, and where it ends when the
    YAML says so (`end_column` is just past its last character, as editors and GitHub count).

    A tuple, so that the loader's marks, tuples of the same five values, become Locations by one call
    of `tuple.__new__`; it compares, hashes, orders and shows (`Location(file=…, line=…, …)`) as the
    frozen dataclass it was."""

    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class TextAt:
    """Where a string of the spec is written, so a position inside it (an unknown column in a view's
    query) can be shown at its own line: its first character is at `line`:`column`, and each line
    after the first starts at `next_column` (a literal block); None when it is one line."""

    file: str
    line: int
    column: int
    next_column: int | None = None

    def location(self, text: str, offset: int, length: int) -> Location | None:
        """The location of `text[offset:offset + length]`; None when it is not on the first line of a
        text that is not a block."""
        before = text[:offset]
        newlines = before.count("\n")
        if newlines == 0:
            column = self.column + offset
        elif self.next_column is None:
            return None
        else:
            column = self.next_column + len(before) - before.rindex("\n") - 1
        line = self.line + newlines
        return Location(self.file, line, column, line, column + length)

    def skipped(self, prefix: str) -> TextAt:
        """The same text with `prefix` (its first characters, e.g. blank lines) taken off."""
        at = self.location(prefix, len(prefix), 0)
        if at is None:
            return self
        return TextAt(self.file, at.line, at.column, self.next_column)


class LocationSource(Protocol):
    """What finds a spec path's location once asked (the loader's raw spec)."""

    def resolve(self, path: SpecPath, key: bool) -> Location: ...

    def resolve_text(self, path: SpecPath, value: str) -> TextAt | None: ...


_items: Callable[[tuple[Any, ...]], Iterator[Any]] = tuple.__iter__


class PendingLocation(Location):
    """A Location not looked up yet: the tuple (source, path, key) until then, a Location to every
    reader (its fields, comparisons, hash, text and iteration are those of the Location it stands
    for). Made only where the location exists: `source` has read the section `path` starts in."""

    __slots__ = ()

    def resolved(self) -> Location:
        source, path, key = _items(self)
        return source.resolve(path, key)

    # the fields, read through the Location found (a NamedTuple's are read-only descriptors)
    file = property(lambda self: self.resolved().file)
    line = property(lambda self: self.resolved().line)
    column = property(lambda self: self.resolved().column)
    end_line = property(lambda self: self.resolved().end_line)
    end_column = property(lambda self: self.resolved().end_column)

    def __str__(self) -> str:
        return str(self.resolved())

    def __repr__(self) -> str:
        return repr(self.resolved())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.resolved())

    def __bool__(self) -> bool:  # (a Location is never empty; `loc or other` must not look it up)
        return True

    def __len__(self) -> int:
        return len(self.resolved())

    def __getitem__(self, index: Any) -> Any:
        return self.resolved()[index]

    def __hash__(self) -> int:
        return hash(self.resolved())

    def __eq__(self, other: object) -> bool:
        return self.resolved() == other

    def __ne__(self, other: object) -> bool:
        return self.resolved() != other

    def __lt__(self, other: tuple[Any, ...]) -> bool:
        return self.resolved() < other

    def __le__(self, other: tuple[Any, ...]) -> bool:
        return self.resolved() <= other

    def __gt__(self, other: tuple[Any, ...]) -> bool:
        return self.resolved() > other

    def __ge__(self, other: tuple[Any, ...]) -> bool:
        return self.resolved() >= other

    def __reduce__(self) -> tuple[Any, ...]:  # copied or pickled: as the Location it stands for
        return (Location, tuple(self.resolved()))

    def _replace(self, **changes: Any) -> Location:  # type: ignore[override]
        return self.resolved()._replace(**changes)

    def _asdict(self) -> dict[str, Any]:
        return self.resolved()._asdict()


class PendingTextAt:
    """A `TextAt` not looked up yet: where the string `value` at `path` is written, with the
    `skipped` prefixes taken off, found when a position inside it is first asked for."""

    __slots__ = ("_path", "_skipped", "_source", "_value")

    def __init__(
        self, source: LocationSource, path: SpecPath, value: str, skipped: tuple[str, ...] = ()
    ) -> None:
        self._source = source
        self._path = path
        self._value = value
        self._skipped = skipped

    def resolved(self) -> TextAt | None:
        at = self._source.resolve_text(self._path, self._value)
        for prefix in self._skipped:
            if at is not None:
                at = at.skipped(prefix)
        return at

    def location(self, text: str, offset: int, length: int) -> Location | None:
        at = self.resolved()
        return at.location(text, offset, length) if at is not None else None

    def skipped(self, prefix: str) -> PendingTextAt:
        return PendingTextAt(self._source, self._path, self._value, (*self._skipped, prefix))

    # compared, hashed, shown, copied and pickled as what it stands for
    def __eq__(self, other: object) -> bool:
        return self.resolved() == (other.resolved() if isinstance(other, PendingTextAt) else other)

    def __hash__(self) -> int:
        return hash(self.resolved())

    def __repr__(self) -> str:
        return repr(self.resolved())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_same, (self.resolved(),))


def _same(value: TextAt | None) -> TextAt | None:
    return value
