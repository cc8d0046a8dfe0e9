"""Read a spec folder: every *.yaml / *.yml file, sorted by path, merged into one raw tree.

Every node keeps the file, line and column it came from, and where it ends when that is one span of
text (`RawSpec.locate`), so any later stage can point at the YAML that caused a problem: recorded as
the files are read, or (`load(locations_later=True)`, what commands do) read from the files' texts
when a location is first asked for. Nothing here knows what the keys mean beyond the top-level
sections and how they merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any

import yaml

from schemagen.diagnostics import Diagnostic, SpecError, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.load import events
from schemagen.model import Location, TextAt
from schemagen.model.locations import PendingLocation, PendingTextAt

Path_ = tuple[str | int, ...]

#: Sections whose entries are merged by name across files.
NAMED_SECTIONS = (
    "mixins",
    "enums",
    "domains",
    "types",
    "sequences",
    "entities",
    "views",
    "functions",
    "roles",
)
SECTIONS = ("project", *NAMED_SECTIONS, "relationships")
_SECTION_KIND = {
    "mixins": "mixin",
    "enums": "enum",
    "domains": "domain",
    "types": "type",
    "sequences": "sequence",
    "entities": "entity",
    "views": "view",
    "functions": "function",
    "roles": "role",
}

if TYPE_CHECKING:
    # A base class must be a class to the type checker; the C loader has the same interface.
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: (file, line, column, end line, end column), 1-based; the end is None where the node has no span of
#: its own (a block mapping or list, a `|` or `>` block scalar: YAML ends them where the next token starts).
Mark = tuple[str, int, int, int | None, int | None]
_BLOCK_SCALAR_STYLES = ("|", ">")
_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_MAX_DEPTH = 64
#: A spec file larger than this is refused unread: a spec of 10,000 entities is 7 MB in all.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Aliases (`*name`) repeat what an anchor holds: a file may expand to this many values in all, and to
#: no more than this many times the values it spells out, so that a few lines of nested aliases (the
#: "billion laughs") cannot make a command run out of time or memory.
MAX_VALUES = 2_000_000
MAX_ALIAS_EXPANSION = 10
_FREE_VALUES = 100_000  # below this, any use of aliases is fine
# numeric holds 131,072 digits before the point, but no spec writes more than this in a literal
_MAX_INTEGER_DIGITS = 1000


#: `Location(*mark)` in one C call, `tuple.__new__(Location, mark)`: a Location is a tuple of the
#: mark's five values (the build makes ~44 per entity)
_new_tuple: Any = tuple.__new__


class _Loader(_BaseLoader):
    """PyYAML's safe loader with YAML 1.2 booleans: only true/false, so `on`, `no`, `y` stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


@dataclass
class RawSpec:
    """The merged raw tree of a spec folder and where each of its nodes was written.

    While `pending`, the locations are not read yet: `locate` and `text_at` answer with what looks
    them up when first read (`PendingLocation`, `PendingTextAt`), and the first such look-up reads
    the files again, from the texts kept, recording every location (`read_locations`)."""

    root: Path
    data: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # a Location is made only for what a diagnostic names
    value_locations: dict[Path_, Mark] = field(default_factory=dict)
    key_locations: dict[Path_, Mark] = field(default_factory=dict)
    # a literal block scalar (`|`): the file line of its first line of text, and the column its lines
    # start at, so a position inside its text maps to the file (a view's query)
    blocks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    pending: bool = False
    # (file name, text) of each file read, to read them again for their locations
    texts: list[tuple[str, str]] = field(default_factory=list)

    def locate(self, path: Path_, *, key: bool = False) -> Location | None:
        """The location of `path`, or of its nearest ancestor that has one (asked while the data is
        there: before `built`)."""
        if self.pending:
            # every section read has its key's location, so any path into one has a location
            if path and path[0] in self.data:
                return _new_tuple(PendingLocation, (self, path, key))
            return None
        # nearly always there: what build asks for was written
        if key:
            mark = self.key_locations.get(path) or self.value_locations.get(path)
        else:
            mark = self.value_locations.get(path) or self.key_locations.get(path)
        if mark is not None:
            return _new_tuple(Location, mark)
        # a key the spec left out, such as the `type` of a column written `name: text`: its parent
        first, second = (
            (self.key_locations, self.value_locations) if key else (self.value_locations, self.key_locations)
        )
        while path:
            path = path[:-1]
            mark = first.get(path) or second.get(path)
            if mark is not None:
                return _new_tuple(Location, mark)
        return None

    def text_at(self, path: Path_, value: str) -> TextAt | PendingTextAt | None:
        """Where the string `value` at `path` is written, character by character: for a literal block
        (`|`) or a one-line plain or quoted scalar without escapes; None for any other style (a folded
        block, a multi-line or escaped scalar), whose text does not map to the file one to one."""
        if self.pending:
            return PendingTextAt(self, path, value) if path and path[0] in self.data else None
        mark = self.value_locations.get(path)
        if mark is None:
            return None
        file, line, column, end_line, end_column = mark
        block = self.blocks.get(path)
        if block is not None:
            return TextAt(file, block[0], block[1], block[1])
        if end_line != line or end_column is None or "\n" in value:
            return None
        if end_column - column == len(value):
            return TextAt(file, line, column)
        if end_column - column == len(value) + 2:  # quoted, and no escape made it shorter
            return TextAt(file, line, column + 1)
        return None

    def built(self) -> None:
        """Let go of the data once the Model is built from it: all the Model's pending locations
        keep of the raw spec is the texts to read them from (a large spec's data is tens of MB)."""
        self.data = {}

    def resolve(self, path: Path_, key: bool) -> Location:
        """The location a `PendingLocation` of this spec stands for."""
        self.read_locations()
        found = self.locate(path, key=key)
        # (a pending one is made only for a path into a section read, whose key has a location)
        assert found is not None
        return found

    def resolve_text(self, path: Path_, value: str) -> TextAt | None:
        """What a `PendingTextAt` of this spec stands for."""
        self.read_locations()
        found = self.text_at(path, value)
        assert not isinstance(found, PendingTextAt)
        return found

    def read_locations(self) -> None:
        """Record every location of the files read so far (nothing when they are recorded): read
        again from their texts, as `load` reads them with `pending` off."""
        if not self.pending:
            return
        again = RawSpec(root=self.root)
        for name, text in self.texts:
            _read_text(again, name, text, [])
        self.value_locations.update(again.value_locations)
        self.key_locations.update(again.key_locations)
        self.blocks.update(again.blocks)
        self.pending = False


def display_path(path: Path) -> str:
    """A path as users want to read it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def spec_files(root: Path) -> list[Path]:
    """The spec's YAML files, sorted by path; a `templates/` folder inside the spec is not spec."""
    found = [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(p for p in found if "templates" not in p.relative_to(root).parts[:-1])


def load(root: Path, *, locations_later: bool = False) -> RawSpec:
    """Read and merge every spec file under `root`; raises SpecError with every problem found.

    With `locations_later`, where each value was written is read only when first asked for
    (`RawSpec.pending`): what a command that shows no diagnostic never pays for."""
    raw = RawSpec(root=root, pending=locations_later)
    if not root.exists():
        raise SpecError([rules.NO_SPEC(None, problem=f"{display_path(root)} does not exist")])
    paths = [root] if root.is_file() else spec_files(root)
    if not paths:
        raise SpecError([rules.NO_SPEC(None, problem=f"{display_path(root)} holds no *.yaml or *.yml file")])
    diagnostics: list[Diagnostic] = []
    for path in paths:
        _load_file(raw, path, diagnostics)
    if diagnostics:
        raise SpecError(diagnostics)
    return raw


def _load_file(raw: RawSpec, path: Path, diagnostics: list[Diagnostic]) -> None:
    name = display_path(path)
    raw.files.append(name)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diagnostics.append(
                rules.YAML_SYNTAX(
                    Location(name, 1, 1),
                    problem=f"the file is {size:,} bytes; a spec file may hold {MAX_FILE_BYTES:,} at most "
                    "(split it: every *.yaml file of the folder is read)",
                )
            )
            return
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        diagnostics.append(rules.YAML_SYNTAX(Location(name, 1, 1), problem=f"cannot read the file: {error}"))
        return
    _read_text(raw, name, text, diagnostics)
    if raw.pending:  # (still: the file was plain)
        raw.texts.append((name, text))


def _read_text(raw: RawSpec, name: str, text: str, diagnostics: list[Diagnostic]) -> None:
    """Merge the file `name`, whose text is `text`, into `raw`."""
    loader = _Loader(text)
    try:
        if events.read(raw, loader, name, text, SECTIONS, (MAX_VALUES, _MAX_DEPTH, _MAX_INTEGER_DIGITS)):
            return
    finally:
        loader.dispose()
    # not a plain file: composed into nodes, which say exactly what is wrong with it, and where the
    # entries the earlier files wrote are (a name written twice)
    raw.read_locations()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        problem = " ".join(p for p in (error.context, error.problem) if p) or str(error)
        diagnostics.append(rules.YAML_SYNTAX(loc, problem=problem))
        return
    except yaml.YAMLError as error:
        diagnostics.append(rules.YAML_SYNTAX(Location(name, 1, 1), problem=str(error).splitlines()[0]))
        return
    finally:
        loader.dispose()
    if node is None:
        return
    converter = _Converter(name, loader, text)
    if not isinstance(node, yaml.MappingNode):
        diagnostics.append(
            rules.INVALID_VALUE(
                converter.loc(node),
                where=name,
                problem="a spec file is a mapping of sections",
                fix=f"start the file with one of: {', '.join(SECTIONS)}",
            )
        )
        return
    for key_node, value_node in converter.pairs(node, diagnostics):
        section = intern(key_node.value)
        key_loc = converter.loc(key_node)
        if section not in SECTIONS:
            diagnostics.append(
                rules.UNKNOWN_KEY(
                    key_loc,
                    key=section,
                    where="the top level of a spec file",
                    suggestion=did_you_mean(section, SECTIONS),
                    allowed=", ".join(SECTIONS),
                )
            )
            continue
        if section == "project":
            if "project" in raw.data:
                other = Location(*raw.key_locations[("project",)])
                diagnostics.append(rules.DUPLICATE_NAME(key_loc, kind="section", name="project", other=other))
                continue
            raw.key_locations[("project",)] = converter.mark(key_node)
            raw.data["project"] = converter.convert(value_node, ("project",), raw, diagnostics)
        elif section == "relationships":
            items = raw.data.setdefault("relationships", [])
            raw.key_locations.setdefault(("relationships",), converter.mark(key_node))
            if not isinstance(value_node, yaml.SequenceNode):
                diagnostics.append(
                    rules.INVALID_VALUE(
                        converter.loc(value_node),
                        where="relationships",
                        problem="expected a list",
                        fix="write `- many_to_many: [a, b]` items",
                    )
                )
                continue
            for item in value_node.value:
                index = len(items)
                raw.key_locations[("relationships", index)] = converter.mark(item)
                items.append(converter.convert(item, ("relationships", index), raw, diagnostics))
        else:
            entries = raw.data.setdefault(section, {})
            raw.key_locations.setdefault((section,), converter.mark(key_node))
            if value_node.tag == "tag:yaml.org,2002:null":
                continue
            if not isinstance(value_node, yaml.MappingNode):
                diagnostics.append(
                    rules.INVALID_VALUE(
                        converter.loc(value_node),
                        where=section,
                        problem="expected a mapping of names",
                        fix=f"write `{section}:` then `  name: ...`",
                    )
                )
                continue
            for entry_key, entry_value in converter.pairs(value_node, diagnostics):
                entry = entry_key.value
                entry_path = (section, entry)
                if entry in entries:
                    diagnostics.append(
                        rules.DUPLICATE_NAME(
                            converter.loc(entry_key),
                            kind=_SECTION_KIND[section],
                            name=entry,
                            other=Location(*raw.key_locations[entry_path]),
                        )
                    )
                    continue
                raw.key_locations[entry_path] = converter.mark(entry_key)
                entries[entry] = converter.convert(entry_value, entry_path, raw, diagnostics)


def _has_own_span(node: yaml.Node) -> bool:
    """Whether the node's end mark ends the node itself: true of plain and quoted scalars and of flow
    collections (`{…}`, `[…]`), not of block collections and block scalars, which end where the next
    token starts, often lines further down."""
    if isinstance(node, yaml.ScalarNode):
        return node.style not in _BLOCK_SCALAR_STYLES
    return isinstance(node, yaml.CollectionNode) and bool(node.flow_style)


class _Converter:
    """Turns composed YAML nodes into plain Python data, recording each node's location."""

    def __init__(self, file: str, loader: Any, text: str = "") -> None:
        self.file = file
        self.loader = loader
        self.text = text
        self._lines: list[str] | None = None
        self.values = 0  # converted, aliases counted as often as they are used
        self.distinct: set[int] = set()  # the nodes behind them
        self.exhausted = False

    def loc(self, node: yaml.Node) -> Location:
        return Location(*self.mark(node))

    def mark(self, node: yaml.Node) -> Mark:
        start = node.start_mark
        if not _has_own_span(node):
            return (self.file, start.line + 1, start.column + 1, None, None)
        end = node.end_mark
        return (self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def block_start(self, node: yaml.ScalarNode) -> tuple[int, int] | None:
        """(line, column), 1-based, where the text of a literal block scalar starts: the line after its
        `|` header, at the indentation of its first line that is not blank."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        first = node.start_mark.line + 1  # 0-based: the line after the header
        for line in self._lines[first : node.end_mark.line + 1]:
            if line.strip():
                return first + 1, len(line) - len(line.lstrip(" ")) + 1
        return None

    def pairs(
        self, node: yaml.MappingNode, diagnostics: list[Diagnostic]
    ) -> Iterator[tuple[yaml.ScalarNode, yaml.Node]]:
        """Key/value node pairs with `<<` merges applied; a repeated key is reported, not kept."""
        seen: dict[str, yaml.Node] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        merged.extend(source.value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                diagnostics.append(
                    rules.INVALID_VALUE(
                        self.loc(key_node),
                        where="a key",
                        problem="keys must be plain names",
                        fix="write the key as a plain string",
                    )
                )
                continue
            if "\x00" in key_node.value:
                diagnostics.append(
                    rules.INVALID_NAME(
                        self.loc(key_node), name=key_node.value.replace("\x00", "\\0"), what="a key"
                    )
                )
                continue
            if key_node.value in seen:
                first = seen[key_node.value]
                diagnostics.append(
                    rules.DUPLICATE_KEY(
                        self.loc(key_node), key=key_node.value, first_line=first.start_mark.line + 1
                    )
                )
                continue
            seen[key_node.value] = key_node
            yield key_node, value_node
        for key_node, value_node in merged:  # explicit keys win over merged ones
            if isinstance(key_node, yaml.ScalarNode) and key_node.value not in seen:
                seen[key_node.value] = key_node
                yield key_node, value_node

    def expanded_too_far(self, node: yaml.Node, path: Path_, diagnostics: list[Diagnostic]) -> bool:
        """Whether aliases have made the file expand past its budget (reported once)."""
        if self.exhausted:
            return True
        self.values += 1
        self.distinct.add(id(node))
        return self.values > _FREE_VALUES and self._over_budget(node, path, diagnostics)

    def _over_budget(self, node: yaml.Node, path: Path_, diagnostics: list[Diagnostic]) -> bool:
        """Past the free values: whether the file's values are over the budget (reported once)."""
        over_ratio = self.values > _FREE_VALUES and self.values > MAX_ALIAS_EXPANSION * len(self.distinct)
        if self.values <= MAX_VALUES and not over_ratio:
            return False
        self.exhausted = True
        diagnostics.append(
            rules.INVALID_VALUE(
                self.loc(node),
                where=".".join(map(str, path[:3])),
                problem=f"the aliases of this file expand it to over {self.values:,} values",
                fix="write the repeated parts out, or use mixins; an alias may not multiply the file",
            )
        )
        return True

    def convert(self, node: yaml.Node, path: Path_, raw: RawSpec, diagnostics: list[Diagnostic]) -> Any:
        # what `expanded_too_far` and `mark` do, written out: this runs once per value of the spec
        if self.exhausted:
            return None
        self.values += 1
        self.distinct.add(id(node))
        if self.values > _FREE_VALUES and self._over_budget(node, path, diagnostics):
            return None
        if len(path) > _MAX_DEPTH:
            diagnostics.append(
                rules.INVALID_VALUE(
                    self.loc(node),
                    where=".".join(map(str, path[:3])),
                    problem="nested too deeply (a recursive alias?)",
                    fix="flatten the value",
                )
            )
            return None
        start = node.start_mark
        if isinstance(node, yaml.ScalarNode):
            own_span = node.style not in _BLOCK_SCALAR_STYLES
        else:
            own_span = isinstance(node, yaml.CollectionNode) and bool(node.flow_style)
        if own_span:
            end = node.end_mark
            mark = (self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        else:
            mark = (self.file, start.line + 1, start.column + 1, None, None)
        raw.value_locations[path] = mark
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            key_locations = raw.key_locations
            file = self.file
            for key_node, value_node in self.pairs(node, diagnostics):
                key = intern(key_node.value)  # as `events` does
                child = (*path, key)
                start = key_node.start_mark
                if key_node.style not in _BLOCK_SCALAR_STYLES:
                    end = key_node.end_mark
                    key_locations[child] = (
                        file,
                        start.line + 1,
                        start.column + 1,
                        end.line + 1,
                        end.column + 1,
                    )
                else:
                    key_locations[child] = (file, start.line + 1, start.column + 1, None, None)
                result[key] = self.convert(value_node, child, raw, diagnostics)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), raw, diagnostics) for i, item in enumerate(node.value)]
        if not isinstance(node, yaml.ScalarNode):  # no other kind of node is composed
            return None
        if node.style == "|" and node.tag == _STR_TAG:
            block = self.block_start(node)
            if block is not None:
                raw.blocks[path] = block
        if "\x00" in node.value:
            diagnostics.append(
                rules.INVALID_VALUE(
                    self.loc(node),
                    where=".".join(map(str, path)),
                    problem="contains a NUL character, which PostgreSQL text cannot hold",
                    fix="remove the \\0",
                )
            )
            return None
        # The tags nearly every value has are built here; PyYAML's constructor is the slow path.
        tag = node.tag
        if tag == _STR_TAG:
            return node.value if node.style in _BLOCK_SCALAR_STYLES else intern(node.value)
        if tag == _BOOL_TAG and node.value in _BOOLS:
            return _BOOLS[node.value]
        if tag == _NULL_TAG and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        where = ".".join(map(str, path))
        if tag == _INT_TAG and len(node.value) > _MAX_INTEGER_DIGITS:
            diagnostics.append(
                rules.INVALID_VALUE(
                    self.loc(node),
                    where=where,
                    problem=f"an integer of {len(node.value):,} digits",
                    fix="no PostgreSQL literal needs that many digits: quote it if it is text",
                )
            )
            return None
        try:
            return self.loader.construct_object(node)
        except yaml.YAMLError as error:
            diagnostics.append(rules.YAML_SYNTAX(self.loc(node), problem=str(error).splitlines()[-1]))
            return None
        except (ValueError, OverflowError) as error:  # a date such as 2025-13-01 or 2025-02-30
            shown = node.value if len(node.value) <= 40 else node.value[:40] + "…"
            diagnostics.append(
                rules.INVALID_VALUE(
                    self.loc(node),
                    where=where,
                    problem=f"`{shown}` is not a valid {node.tag.rsplit(':', 1)[-1]}: {error}",
                    fix="write a real date (YYYY-MM-DD) or time, or quote the value to keep it text",
                )
            )
            return None
