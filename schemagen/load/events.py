"""The loader's fast path: a plain spec file read from libyaml's events, without composing nodes.

Composing a file into nodes and then walking the nodes to convert them cost twice the parse: PyYAML's
composer calls back into Python for every node (to resolve its tag, and twice more for path
resolvers nobody uses), and every node and its marks live until the file is converted. This reads
the parser's events once, building the same data, with the same locations (`RawSpec`), as
`loader._Converter` does; or, for a raw spec whose locations are looked up later
(`RawSpec.pending`), the data alone (`plain_value`): no path, no mark.

It takes only the plain files specs are made of: one document, a mapping of known sections, no
anchor, alias, merge key (`<<`) or explicit tag, no repeated key or entry name, no NUL, nothing
nested too deeply and no value PyYAML cannot construct. Anything else, a syntax error included,
makes it give up on the file (`read` returns False, and leaves the raw tree as it was), and the
loader reads the file again the thorough way, which says what is wrong exactly as it always has.
"""

from __future__ import annotations

from sys import intern
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from schemagen.load.loader import Mark, Path_, RawSpec

_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_KEY = "<<"
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = ("", "~", "null", "Null", "NULL")
_BLOCK_SCALAR_STYLES = frozenset(("|", ">"))  # (a set: `None in` it is half the time of a tuple)
_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceEndEvent = yaml.SequenceEndEvent
#: The tag of a plain scalar depends on its text alone: resolved once per distinct text.
_RESOLVED: dict[str, str] = {}
_MAX_RESOLVED = 100_000


class _Unusual(Exception):
    """The file holds something only the thorough path reads."""


class _Reader:
    """One file's events turned into data, with the locations the loader records.

    Keys and strings (but block scalars: queries, bodies) are interned: a spec repeats a few of them
    (`columns`, `type`, `bigint`…) thousands of times, and later stages look them up by the constants
    in their code and compare them between Models. One object each is less memory, and lets those
    lookups and comparisons (and every `locate` of a path holding one) end at the identity check.
    """

    def __init__(self, loader: Any, file: str, text: str, limits: tuple[int, int, int], raw: RawSpec) -> None:
        self.loader = loader
        self.marked = not raw.pending  # whether locations are recorded now (see `RawSpec.pending`)
        self.next: Any = loader.get_event
        self.file = file
        self.text = text
        self._lines: list[str] | None = None
        self.values = 0
        self.max_values, self.max_depth, self.max_digits = limits
        # the raw tree's own: written in place (merging a file's afterwards hashed each path again, a
        # tenth of loading), and taken back if the file turns out not to be plain (`read`)
        self.value_locations = raw.value_locations
        self.key_locations = raw.key_locations
        self.blocks = raw.blocks

    def mark(self, event: Any, end: Any) -> Mark:
        start = event.start_mark
        if end is None:
            return (self.file, start.line + 1, start.column + 1, None, None)
        return (self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def key_mark(self, event: Any) -> Mark:
        return self.mark(event, None if event.style in _BLOCK_SCALAR_STYLES else event.end_mark)

    def entry(self, event: Any, path: Path_) -> Any:
        """The value of a section's entry (or of `project`, or a relationship) at `path`."""
        return self.value(event, path) if self.marked else self.plain_value(event, len(path))

    def value(self, event: Any, path: Path_) -> Any:
        """The value whose first event is `event`, its locations recorded under `path`."""
        self.values += 1
        if self.values > self.max_values or len(path) > self.max_depth:
            raise _Unusual
        kind = type(event)
        if kind is _ScalarEvent:
            return self.scalar(event, path)
        if event.anchor is not None or event.tag is not None:
            raise _Unusual
        if kind is _MappingStartEvent:
            return self.mapping(event, path)
        if kind is _SequenceStartEvent:
            return self.sequence(event, path)
        raise _Unusual  # an alias

    def mapping(self, start: Any, path: Path_) -> dict[str, Any]:
        """The mapping whose start event is `start`, read to its end event."""
        result: dict[str, Any] = {}
        value = self.value
        mapping = self.mapping
        get = self.next
        file = self.file
        key_locations = self.key_locations
        value_marks = self.value_locations
        resolved = _RESOLVED
        too_deep = len(path) >= self.max_depth  # for a value of this mapping
        inline = 0  # the values read below without `value`: counted at the end (the count only grows)
        while True:
            event = get()
            if type(event) is not _ScalarEvent:
                if type(event) is _MappingEndEvent:
                    first: Any = start.start_mark  # `mark` written out: this ends every mapping
                    if start.flow_style:
                        end: Any = event.end_mark
                        value_marks[path] = (
                            file,
                            first.line + 1,
                            first.column + 1,
                            end.line + 1,
                            end.column + 1,
                        )
                    else:
                        value_marks[path] = (file, first.line + 1, first.column + 1, None, None)
                    self.values += inline
                    if self.values > self.max_values:
                        raise _Unusual
                    return result
                raise _Unusual  # a key that is a mapping or a list, or an alias
            key = intern(event.value)  # see `_Reader`
            if (
                event.anchor is not None
                or event.tag is not None
                or key in result  # a repeated key: its first value is read by now
                or "\x00" in key
                or (key == _MERGE_KEY and event.implicit[0])
            ):
                raise _Unusual
            child = (*path, key)
            first = event.start_mark
            if event.style in _BLOCK_SCALAR_STYLES:
                key_locations[child] = (file, first.line + 1, first.column + 1, None, None)
            else:
                end = event.end_mark
                key_locations[child] = (file, first.line + 1, first.column + 1, end.line + 1, end.column + 1)
            event = get()
            if type(event) is not _ScalarEvent:
                if type(event) is _MappingStartEvent and event.anchor is None and event.tag is None:
                    inline += 1  # `value` written out for a mapping (a column's, an index's…)
                    if too_deep:
                        raise _Unusual
                    result[key] = mapping(event, child)
                else:
                    result[key] = value(event, child)
                continue
            # `value` and `scalar` written out for the value most keys have: a string on one line
            inline += 1
            if too_deep:
                raise _Unusual
            text = event.value
            if (
                event.anchor is None
                and event.tag is None
                and event.style not in _BLOCK_SCALAR_STYLES
                and (resolved.get(text) if event.implicit[0] else _STR_TAG) == _STR_TAG
                and "\x00" not in text
            ):
                first, end = event.start_mark, event.end_mark
                value_marks[child] = (file, first.line + 1, first.column + 1, end.line + 1, end.column + 1)
                result[key] = intern(text)
            else:
                result[key] = self.scalar(event, child)

    def sequence(self, start: Any, path: Path_) -> list[Any]:
        result: list[Any] = []
        get = self.next
        value = self.value
        file = self.file
        value_marks = self.value_locations
        resolved = _RESOLVED
        too_deep = len(path) >= self.max_depth  # for an item of this list
        inline = 0  # the items read below without `value`: counted at the end (the count only grows)
        while True:
            event = get()
            if type(event) is _SequenceEndEvent:
                self.value_locations[path] = self.mark(start, event.end_mark if start.flow_style else None)
                self.values += inline
                if self.values > self.max_values:
                    raise _Unusual
                return result
            # as in `mapping`: `value` and `scalar` written out for a string on one line
            if (
                type(event) is _ScalarEvent
                and event.anchor is None
                and event.tag is None
                and event.style not in _BLOCK_SCALAR_STYLES
                and (resolved.get(event.value) if event.implicit[0] else _STR_TAG) == _STR_TAG
                and "\x00" not in event.value
            ):
                inline += 1
                if too_deep:
                    raise _Unusual
                first: Any = event.start_mark
                end: Any = event.end_mark
                value_marks[(*path, len(result))] = (
                    file,
                    first.line + 1,
                    first.column + 1,
                    end.line + 1,
                    end.column + 1,
                )
                result.append(intern(event.value))
            else:
                result.append(value(event, (*path, len(result))))

    def plain_value(self, event: Any, depth: int) -> Any:
        """`value` without locations: for a spec whose locations are read when first asked for
        (`RawSpec.pending`). `depth` counts the collections around the value, as `len(path)` does."""
        self.values += 1
        if self.values > self.max_values or depth > self.max_depth:
            raise _Unusual
        kind = type(event)
        if kind is _ScalarEvent:
            return self.scalar(event, None)
        if event.anchor is not None or event.tag is not None:
            raise _Unusual
        if kind is _MappingStartEvent:
            return self.plain_mapping(depth)
        if kind is _SequenceStartEvent:
            return self.plain_sequence(depth)
        raise _Unusual  # an alias

    def plain_mapping(self, depth: int) -> dict[str, Any]:
        """`mapping` without locations."""
        result: dict[str, Any] = {}
        get = self.next
        resolved = _RESOLVED
        depth += 1  # of a value of this mapping
        too_deep = depth > self.max_depth
        inline = 0
        while True:
            event = get()
            if type(event) is not _ScalarEvent:
                if type(event) is _MappingEndEvent:
                    self.values += inline
                    if self.values > self.max_values:
                        raise _Unusual
                    return result
                raise _Unusual
            key = intern(event.value)
            if (
                event.anchor is not None
                or event.tag is not None
                or key in result
                or "\x00" in key
                or (key == _MERGE_KEY and event.implicit[0])
            ):
                raise _Unusual
            event = get()
            inline += 1
            if type(event) is not _ScalarEvent:
                if type(event) is _MappingStartEvent and event.anchor is None and event.tag is None:
                    if too_deep:
                        raise _Unusual
                    result[key] = self.plain_mapping(depth)
                else:
                    inline -= 1  # counted by `plain_value`
                    result[key] = self.plain_value(event, depth)
                continue
            if too_deep:
                raise _Unusual
            text = event.value
            if (
                event.anchor is None
                and event.tag is None
                and event.style not in _BLOCK_SCALAR_STYLES
                and (resolved.get(text) if event.implicit[0] else _STR_TAG) == _STR_TAG
                and "\x00" not in text
            ):
                result[key] = intern(text)
            else:
                result[key] = self.scalar(event, None)

    def plain_sequence(self, depth: int) -> list[Any]:
        """`sequence` without locations."""
        result: list[Any] = []
        get = self.next
        resolved = _RESOLVED
        depth += 1  # of an item of this list
        too_deep = depth > self.max_depth
        inline = 0
        while True:
            event = get()
            if type(event) is _SequenceEndEvent:
                self.values += inline
                if self.values > self.max_values:
                    raise _Unusual
                return result
            if (
                type(event) is _ScalarEvent
                and event.anchor is None
                and event.tag is None
                and event.style not in _BLOCK_SCALAR_STYLES
                and (resolved.get(event.value) if event.implicit[0] else _STR_TAG) == _STR_TAG
                and "\x00" not in event.value
            ):
                inline += 1
                if too_deep:
                    raise _Unusual
                result.append(intern(event.value))
            else:
                result.append(self.plain_value(event, depth))

    def scalar(self, event: Any, path: Path_ | None) -> Any:
        """The scalar of `event`, its location recorded under `path` (none without a path)."""
        if event.anchor is not None or event.tag is not None:
            raise _Unusual
        text = event.value
        style = event.style
        if path is None:
            pass
        elif style in _BLOCK_SCALAR_STYLES:
            self.value_locations[path] = self.mark(event, None)
        else:
            start, end = event.start_mark, event.end_mark
            mark = (self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)
            self.value_locations[path] = mark
        if "\x00" in text:
            raise _Unusual
        if event.implicit[0]:
            tag = _RESOLVED.get(text)
            if tag is None:
                tag = self.loader.resolve(yaml.ScalarNode, text, (True, False))
                if len(_RESOLVED) >= _MAX_RESOLVED:
                    _RESOLVED.clear()
                _RESOLVED[text] = tag
        else:
            tag = _STR_TAG
        if tag == _STR_TAG:
            if style not in _BLOCK_SCALAR_STYLES:
                return intern(text)  # see `_Reader`
            if style == "|" and path is not None:
                block = self.block_start(event)
                if block is not None:
                    self.blocks[path] = block
            return text
        if tag == _BOOL_TAG and text in _BOOLS:
            return _BOOLS[text]
        if tag == _NULL_TAG and text in _NULLS:
            return None
        if tag == _INT_TAG:
            if len(text) > self.max_digits:
                raise _Unusual
            if text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
                return int(text)  # as the constructor makes a decimal integer (`012` is octal there)
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, style)
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            raise _Unusual from None

    def block_start(self, event: Any) -> tuple[int, int] | None:
        """As `loader._Converter.block_start`: where the text of a literal block starts."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        first = event.start_mark.line + 1
        for line in self._lines[first : event.end_mark.line + 1]:
            if line.strip():
                return first + 1, len(line) - len(line.lstrip(" ")) + 1
        return None


def read(
    raw: RawSpec,
    loader: Any,
    name: str,
    text: str,
    sections: tuple[str, ...],
    limits: tuple[int, int, int],
) -> bool:
    """Merge the plain file `text` (read by `loader`, a fresh parser of it) into `raw`, as the
    loader would; False, with `raw` untouched, when the file is not plain."""
    reader = _Reader(loader, name, text, limits, raw)
    located: tuple[dict[Any, Any], ...] = (raw.value_locations, raw.key_locations, raw.blocks)
    sizes = [len(found) for found in located]
    try:
        merged = _sections(reader, raw, sections)
    except (_Unusual, yaml.YAMLError):
        # The file only added paths (it replaced none: an entry or `project` written before makes it
        # unusual before its value is read), and a dict keeps its order: the last ones are the file's.
        for found, size in zip(located, sizes, strict=True):
            for _ in range(len(found) - size):
                found.popitem()
        return False
    for section, key_mark, value in merged:
        if key_mark is not None:
            if section == "project":
                raw.key_locations[("project",)] = key_mark
            else:
                raw.key_locations.setdefault((section,), key_mark)
        if section == "project":
            raw.data["project"] = value
        elif section == "relationships":
            raw.data.setdefault("relationships", []).extend(value)
        else:
            entries = raw.data.setdefault(section, {})
            if value is not None:
                entries.update(value)
    return True


def _sections(reader: _Reader, raw: RawSpec, sections: tuple[str, ...]) -> list[tuple[str, Mark | None, Any]]:
    """(section, where its key is, its value) for each top-level key of the file, in order."""
    get = reader.next
    get()  # the stream's start
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return []  # no document: an empty file, or only comments
    start = get()  # the document's start was `event`
    if type(start) is not _MappingStartEvent or start.anchor is not None or start.tag is not None:
        raise _Unusual
    found: list[tuple[str, Mark | None, Any]] = []
    seen: set[str] = set()
    while True:
        key_event = get()
        if type(key_event) is _MappingEndEvent:
            break
        if type(key_event) is not _ScalarEvent or key_event.anchor is not None or key_event.tag is not None:
            raise _Unusual
        section = intern(key_event.value)
        if section not in sections or section in seen:
            raise _Unusual
        seen.add(section)
        key_mark = reader.key_mark(key_event) if reader.marked else None
        event = get()
        if section == "project":
            if "project" in raw.data:
                raise _Unusual
            found.append((section, key_mark, reader.entry(event, ("project",))))
        elif section == "relationships":
            found.append((section, key_mark, _relationships(reader, raw, event)))
        else:
            found.append((section, key_mark, _entries(reader, raw, section, event)))
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise _Unusual  # more than one document
    return found


def _relationships(reader: _Reader, raw: RawSpec, event: Any) -> list[Any]:
    if type(event) is not _SequenceStartEvent or event.anchor is not None or event.tag is not None:
        raise _Unusual
    first = len(raw.data.get("relationships", ()))
    items: list[Any] = []
    while True:
        event = reader.next()
        if type(event) is _SequenceEndEvent:
            return items
        path = ("relationships", first + len(items))
        items.append(reader.entry(event, path))
        if reader.marked:
            # the item's own mark is also where its "key", the index in the list, is
            reader.key_locations[path] = reader.value_locations[path]


def _entries(reader: _Reader, raw: RawSpec, section: str, event: Any) -> dict[str, Any] | None:
    if type(event) is _ScalarEvent:
        if event.anchor is None and event.tag is None and event.implicit[0] and event.value in _NULLS:
            return None  # `section:` with nothing under it
        raise _Unusual
    if type(event) is not _MappingStartEvent or event.anchor is not None or event.tag is not None:
        raise _Unusual
    # `_Reader.mapping`, but for the section's value, whose own location the loader does not keep, and
    # whose entries must be new: one written in an earlier file (the thorough path reports it) is
    # found before anything of it is written over the earlier one's locations
    existing = raw.data.get(section, {})
    entries: dict[str, Any] = {}
    get = reader.next
    while True:
        event = get()
        if type(event) is not _ScalarEvent:
            if type(event) is _MappingEndEvent:
                return entries
            raise _Unusual
        key = event.value
        if (
            event.anchor is not None
            or event.tag is not None
            or key in entries
            or key in existing
            or "\x00" in key
            or (key == _MERGE_KEY and event.implicit[0])
        ):
            raise _Unusual
        path = (section, key)
        if reader.marked:
            reader.key_locations[path] = reader.key_mark(event)
        entries[key] = reader.entry(get(), path)
