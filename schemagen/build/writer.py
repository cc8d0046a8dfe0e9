"""Model → spec YAML files: the spec `schemagen inspect` writes for a database.

The files are valid input (`docs/spec-format.md`) that builds back to the same Model: short forms
where they say the same (`bio: text?`, `primary_key: true`, `references: users`), an explicit `name:`
on every index, unique constraint and foreign key whose name is not the one the naming templates
give, time windows as `every/from/to` and other partitions by their bounds, `archive:` and
`refresh:` for schemagen's own functions, `distribute:` with the shard count on each colocation
group's root. Output is deterministic: same Model, same bytes.

What the spec format cannot say about a Model (a primary key or check whose name the templates do not
give, a partition that is not named `{parent}_{suffix}`, an index over several expressions…) is
listed by `limitations`; `write_spec` writes the nearest spec it can. Both come from one `Documents`
(the files' data, and what they leave out), which `inspect` builds once; each file is dumped once, by
libyaml's C emitter where PyYAML has it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import yaml

from schemagen.build.left_out import LeftOut
from schemagen.model import (
    CITUS_SHARD_COUNT,
    Column,
    CompositeType,
    Default,
    Distribution,
    Domain,
    Enum,
    ForeignKey,
    Function,
    IdentityOptions,
    Index,
    IndexElement,
    Model,
    PartitionChild,
    PartitionScheme,
    Schema,
    SequenceGenerator,
    Table,
    Trigger,
    UserType,
    View,
    naming,
)
from schemagen.model import sequences as sequence_rules
from schemagen.model.exclusions import Deferral, ExclusionConstraint
from schemagen.model.keys import Keyed, qualified_keys
from schemagen.model.objects import ExtensionSetting
from schemagen.model.partition_objects import clone_names, partition_tables
from schemagen.model.partitions import window_bounds
from schemagen.postgres import builtins, expressions, identifiers, sqltypes

__all__ = ["Documents", "documents", "limitations", "render_spec", "write_spec"]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
INDEX_METHODS = frozenset({"btree", "hash", "gin", "gist", "spgist", "brin"})
PROJECT_FILE, ENTITIES_FILE, VIEWS_FILE = "project.yaml", "entities.yaml", "views.yaml"
OWN_FILES = frozenset({PROJECT_FILE, ENTITIES_FILE, VIEWS_FILE})
HEADER = "# Written by schemagen inspect from database {name}; edit it as any other spec file.\n"


def _postgres_type_name(name: str, postgres: int) -> bool:
    """Whether a bare `name` means a type of PostgreSQL's own (`record`, `integer`): an enum or domain so
    named is then written qualified, `public.record`, as PostgreSQL must be told."""
    if name in builtins.catalog(postgres).types:
        return True
    try:
        sqltypes.canonical_type(name)
    except sqltypes.UnknownTypeError:
        return False
    return True


class _Flow(dict):
    """A mapping written on one line: `{type: bigint, primary_key: true}`."""


class _FlowList(list):
    """A sequence written on one line: `[id, created_at]`."""


class _Block(str):
    """A multi-line string written as a literal block (`|`), e.g. a view's query."""


if TYPE_CHECKING:
    from schemagen.model.access import Role
    from schemagen.model.object_access import ObjectAccess, ObjectKind

    # A base class must be a class to the type checker; the C dumper has the same interface.
    _BaseDumper = yaml.SafeDumper
else:
    _BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_STR, _INT, _BOOL, _NULL = (f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null"))
_RESOLVED_MAX = 65536


class _Dumper(_BaseDumper):
    """The safe dumper (libyaml's C emitter when PyYAML has it), with one-line mappings and lists and
    literal blocks. A list of mappings is written at its key's indentation, as libyaml writes it.

    Two short cuts, same output: a plain string, integer, boolean or None becomes its node directly, as
    the safe representer makes it (it keeps no alias for them), and the tag of a scalar's text is
    looked up once per text (the resolver matches it against every implicit pattern, and a spec
    repeats its texts: names, types, `true`)."""

    _resolved: ClassVar[dict[tuple[str, object], str]] = {}

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data)
        if kind is bool:
            return yaml.ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return yaml.ScalarNode(_INT, str(data))
        if data is None:
            return yaml.ScalarNode(_NULL, "null")
        return super().represent_data(data)

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or type(value) is not str:
            return str(super().resolve(kind, value, implicit))
        key = (value, tuple(implicit) if isinstance(implicit, list) else implicit)
        found = self._resolved.get(key)
        if found is None:
            found = str(super().resolve(kind, value, implicit))
            if len(self._resolved) < _RESOLVED_MAX:
                self._resolved[key] = found
        return found


_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_Dumper.add_representer(_Block, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style="|"))


@dataclass(frozen=True)
class Documents:
    """The data of each spec file for a Model (`data`: file name → its mapping), and what the files
    cannot say (`problems`, one line each)."""

    header: str
    data: dict[str, dict[str, Any]]
    problems: list[str]
    # what of the Model the files leave out, as `left_out.LeftOut`: drift and baseline ignore it
    left_out: tuple[LeftOut, ...] = ()

    def texts(self) -> dict[str, str]:
        """{file name: YAML text}, each file dumped once."""
        return {name: self.header + _dump(data) for name, data in self.data.items()}


def documents(model: Model) -> Documents:
    """The spec files of `model` as data, with what they leave out."""
    writer = _Writer(model)
    data = writer.documents()
    header = HEADER.format(name=model.project.name.replace("\n", " "))
    return Documents(header, data, writer.problems, tuple(writer.left_out))


def render_spec(model: Model) -> dict[str, str]:
    """{file name: YAML text} of the spec for `model`."""
    return documents(model).texts()


def write_spec(
    model: Model, folder: Path, *, overwrite: bool = False, written: Documents | None = None
) -> list[Path]:
    """Write the spec for `model` into `folder` (created if missing); return the files written, sorted.
    `written`: the files' data for `model` when it is at hand (`documents(model)`, which inspect made).

    Raises FileExistsError when `folder` already holds spec files (they would be merged with the
    written ones); with `overwrite`, the files this function writes (`project.yaml`, `entities.yaml`,
    `views.yaml`) are replaced, and only other spec files are refused.
    """
    found = written if written is not None else documents(model)
    folder.mkdir(parents=True, exist_ok=True)
    present = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    refused = [name for name in present if not (overwrite and name in OWN_FILES)]
    if refused:
        raise FileExistsError(
            f"{folder} already holds spec files ({', '.join(refused)}): write into an empty folder"
        )
    for name in present:  # a file of ours this model does not need (no views any more)
        if name not in found.data:
            (folder / name).unlink()
    paths = []
    for name, text in sorted(found.texts().items()):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def limitations(model: Model) -> list[str]:
    """What a spec written for `model` cannot say, one line each (empty when it reproduces `model`)."""
    return documents(model).problems


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000
    )


class _Writer:
    """One conversion of one Model; collects what it cannot say as it goes."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.home = model.project.schema
        self.problems: list[str] = []
        self.left_out: list[LeftOut] = []
        self.tables = self.keyed("table", [t for t in model.tables if t.archive_of is None])
        self.enums = self.keyed("enum", model.enums)
        self.domains = self.keyed("domain", model.domains)
        self.user_types = self.keyed("type", model.types)
        self.views = self.keyed("view", model.views)
        archives = [t for t in model.tables if t.archive_of is not None]
        self.by_name = {t.key: t for t in (*archives, *self.tables)}
        self.by_place = {(t.schema, t.name): t for t in (*archives, *self.tables)}
        # how many columns have each default: a sequence read by more than its own is not a serial's
        self.defaults_read = Counter(
            c.default
            for t in self.by_place.values()
            for c in t.columns
            if c.default is not None and c.default.sequence is not None
        )
        sequences = self.unique_names("sequence", list(model.sequences))
        # the sequences `serial: true` says, by (table, column); the others go under `sequences:`
        self.serials = {(s.schema, *s.owned_by): s for s in sequences if s.owned_by and self.is_serial(s)}
        self.sequences = []
        for s in sequences:
            if s.owned_by and self.serials.get((s.schema, *s.owned_by)) is s:
                continue
            self.sequences.append(s)
        self.sequence_names = {s.name for s in sequences}
        # `default: {sequence: key}`: the key of the sequence a column's default reads, by its place
        self.sequence_keys = {(s.schema, s.name): s.key for s in sequences}

    def sequence_read(self, column: Column) -> str | None:
        """The key of the spec's sequence `column`'s default is `nextval` of, if any."""
        default = column.default
        if default is None or default.sequence not in self.sequence_names:
            return None
        for (schema, name), key in self.sequence_keys.items():
            if name == default.sequence and default == sequence_rules.sequence_default(schema, name):
                return key
        return default.sequence

    def is_serial(self, sequence: SequenceGenerator) -> bool:
        """Whether `serial: true` on its owner says all of `sequence`: named as serial names it, of its
        column's type, with PostgreSQL's options, and its column's default, which no other column
        reads (a default elsewhere names it as a sequence of `sequences:`: tables inheriting from
        its owner, or sharing its numbers)."""
        assert sequence.owned_by is not None
        table = self.by_place.get((sequence.schema, sequence.owned_by[0]))
        column = table.column(sequence.owned_by[1]) if table is not None else None
        if self.defaults_read.get(sequence_rules.sequence_default(sequence.schema, sequence.name), 0) > 1:
            return False
        return (
            table is not None
            and column is not None
            and table.archive_of is None
            and table.schema == sequence.schema
            and sequence.name == sequence_rules.serial_name(table.name, column.name)
            and column.type == sequence.type
            and sequence
            == SequenceGenerator(
                sequence.name,
                sequence.schema,
                sequence.type,
                owned_by=sequence.owned_by,
                spec_key=sequence.spec_key,
            )
            and column.default == sequence_rules.sequence_default(sequence.schema, sequence.name)
        )

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def label(self, schema: str, name: str) -> str:
        return name if schema == "public" else f"{schema}.{name}"

    def unique_names(self, what: str, items: list[Any]) -> list[Any]:
        """Items by name; a name taken in another schema already cannot be declared again."""
        kept: dict[str, Any] = {}
        for item in sorted(items, key=lambda i: (i.schema != self.home, i.schema, i.name)):
            key = getattr(item, "key", item.name)
            if key in kept:
                other = kept[key]
                self.problem(
                    f"{what} `{self.label(item.schema, item.name)}` has the name of "
                    f"`{self.label(other.schema, other.name)}`; spec names are unique across schemas: "
                    "left out"
                )
                continue
            kept[key] = item
            self.check_name(item.name, f"{what} `{self.label(item.schema, item.name)}`")
        return sorted(kept.values(), key=lambda i: i.name)

    def keyed(self, what: str, items: Iterable[Keyed]) -> list[Keyed]:
        """`items` with their keys in the spec: `schema.name` for each that shares its name with one of
        another schema (outside the project's schema); sorted by name, then schema."""
        keyed = sorted(qualified_keys(items, self.home), key=lambda i: (i.name, i.schema))
        for item in keyed:
            self.check_name(item.name, f"{what} `{self.label(item.schema, item.name)}`")
        return keyed

    @cached_property
    def qualifying_schemas(self) -> list[str]:
        """The schemas of qualified entity keys the spec would not otherwise know (it reads a key
        `schema.name` as qualified only for a schema it knows): declared under `project.schemas`."""
        known = {self.home, "public"} | {s.name for s in self.model.project.schemas}
        known |= {t.schema for t in self.tables if t.spec_key is None}
        keyed = {t.schema for t in self.tables if t.spec_key is not None}
        keyed |= {v.schema for v in self.views if v.spec_key is not None}
        keyed |= {f.schema for f in self.model.functions if f.spec_key is not None}
        keyed |= {e.schema for e in self.enums if e.spec_key is not None}
        keyed |= {d.schema for d in self.domains if d.spec_key is not None}
        keyed |= {t.schema for t in self.user_types if t.spec_key is not None}
        keyed |= {s.schema for s in self.sequences if s.spec_key is not None}
        return sorted(keyed - known)

    @cached_property
    def known_schemas(self) -> frozenset[str]:
        """The schemas the written spec knows (a key `schema.name` of one of them is qualified)."""
        known = {self.home, "public", *self.qualifying_schemas} | {s.name for s in self.model.project.schemas}
        return frozenset(known | {t.schema for t in self.tables})

    def check_name(self, name: str, what: str) -> None:
        if not identifiers.is_valid_name(name):
            self.problem(f"{what}: not a name the spec can hold")

    # --- files -----------------------------------------------------------------------------------

    def documents(self) -> dict[str, dict[str, Any]]:
        project: dict[str, Any] = {"project": self.project()}
        enums = {e.key: self.enum(e) for e in self.enums}
        if enums:
            project["enums"] = enums
        domains = {d.key: self.domain(d) for d in self.domains}
        if domains:
            project["domains"] = domains
        types = {t.key: self.user_type(t) for t in self.user_types}
        if types:
            project["types"] = types
        sequences = {s.key: self.sequence(s) for s in self.sequences}
        if sequences:
            project["sequences"] = sequences
        # overloads, functions of the same name, are keyed `name(types)`
        counts = Counter(f.key for f in self.model.functions)
        functions = {
            f.key if counts[f.key] == 1 else f.keyed_signature: self.function(f) for f in self.model.functions
        }
        if functions:
            project["functions"] = functions
        if self.model.default_privileges:
            from schemagen.build.access import default_privileges_entries

            project["project"]["default_privileges"] = default_privileges_entries(
                self.model.default_privileges, self.model.project.schema, _Flow, _FlowList
            )
        roles = {r.name: _role_entry(r) for r in self.model.roles}
        if roles:
            project["roles"] = roles
        found = {PROJECT_FILE: project}
        entities = {t.key: self.entity(t) for t in self.tables}
        if entities:
            found[ENTITIES_FILE] = {"entities": entities}
        views = {v.key: self.view(v) for v in self.views}
        if views:
            found[VIEWS_FILE] = {"views": views}
        return found

    def project(self) -> dict[str, Any]:
        project = self.model.project
        data: dict[str, Any] = {"name": project.name, "postgres": project.postgres}
        if project.schema != "public":
            data["schema"] = project.schema
        if project.extensions:
            settings = {s.name: s for s in project.extension_settings}
            data["extensions"] = _FlowList(
                _extension_entry(name, name in project.custom_extensions, settings.get(name))
                for name in project.extensions
            )
        if project.allow_destructive:
            data["allow_destructive"] = list(project.allow_destructive)
        if project.schemas or self.qualifying_schemas:
            declared = {s.name: s for s in project.schemas}
            declared |= {name: Schema(name) for name in self.qualifying_schemas}
            data["schemas"] = [
                s.name
                if s.comment is None and s.access is None
                else _Flow(
                    {
                        "name": s.name,
                        **({"comment": s.comment} if s.comment is not None else {}),
                        **_object_access_entries("schema", s.access),
                        **(
                            {"public_usage": False}
                            if s.access is not None and s.access.revoked_from_public
                            else {}
                        ),
                    }
                )
                for _, s in sorted(declared.items())
            ]
        citus: dict[str, Any] = {}
        if project.shard_count is not None:
            citus["shard_count"] = project.shard_count
        if project.distribute_concurrently:
            citus["distribute_concurrently"] = True
        if project.distributed_schemas:
            citus["distributed_schemas"] = _FlowList([s.name for s in project.distributed_schemas])
        if citus:
            data["citus"] = _Flow(citus)
        return data

    def enum(self, enum: Enum) -> Any:
        values = _FlowList(enum.values)
        if enum.comment is None and (enum.schema == self.home or enum.spec_key is not None):
            return values
        data: dict[str, Any] = {"values": values}
        if enum.comment is not None:
            data["comment"] = enum.comment
        if enum.schema != self.home and enum.spec_key is None:
            data["schema"] = enum.schema
        return data

    def domain(self, domain: Domain) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type_text(domain.type)}
        if domain.not_null:
            data["not_null"] = True
        if domain.default is not None:
            data["default"] = _default(domain.default)
        if len(domain.checks) == 1 and domain.checks[0].name == f"{domain.name}_check":
            data["check"] = domain.checks[0].expression
        elif domain.checks:
            for check in domain.checks:
                self.check_name(check.name, f"check `{check.name}` of domain `{domain.name}`")
            data["checks"] = {c.name: c.expression for c in domain.checks}
        if domain.collation is not None:
            data["collation"] = domain.collation
        if domain.comment is not None:
            data["comment"] = domain.comment
        if domain.schema != self.home and domain.spec_key is None:
            data["schema"] = domain.schema
        return data

    def sequence(self, sequence: SequenceGenerator) -> Any:
        data: dict[str, Any] = {}
        if sequence.type != "bigint":
            data["type"] = sequence.type
        for key, value, default in (
            ("start", sequence.start, None),
            ("increment", sequence.increment, 1),
            ("min", sequence.min_value, None),
            ("max", sequence.max_value, None),
            ("cache", sequence.cache, 1),
            ("cycle", sequence.cycle, False),
        ):
            if value != default:
                data[key] = value
        home = self.home
        if sequence.owned_by is not None:
            table = self.by_place.get((sequence.schema, sequence.owned_by[0]))
            if table is None or table.archive_of is not None:
                self.problem(
                    f"sequence `{self.label(sequence.schema, sequence.name)}` is owned by "
                    f"`{'.'.join(sequence.owned_by)}`, which the spec does not declare: written unowned"
                )
            else:
                data["owned_by"] = f"{table.key}.{sequence.owned_by[1]}"
                home = table.schema  # a sequence's schema follows its owner's
        if sequence.comment is not None:
            data["comment"] = sequence.comment
        if sequence.schema != home and sequence.spec_key is None:
            data["schema"] = sequence.schema
        data.update(_object_access_entries("sequence", sequence.access))
        return _Flow(data)

    def user_type(self, type_: UserType) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if isinstance(type_, CompositeType):
            data["composite"] = _Flow(
                {
                    a.name: self.type_text(a.type)
                    if a.collation is None
                    else _Flow({"type": self.type_text(a.type), "collation": a.collation})
                    for a in type_.attributes
                }
            )
        else:
            spec: dict[str, Any] = {"subtype": self.type_text(type_.subtype)}
            if type_.subtype_diff is not None:
                spec["subtype_diff"] = type_.subtype_diff
            if type_.collation is not None:
                spec["collation"] = type_.collation
            if type_.subtype_opclass is not None:
                spec["subtype_opclass"] = type_.subtype_opclass
            data["range"] = _Flow(spec)
        for attribute in type_.attributes if isinstance(type_, CompositeType) else ():
            self.check_name(attribute.name, f"attribute `{attribute.name}` of type `{type_.name}`")
        if type_.comment is not None:
            data["comment"] = type_.comment
        if type_.schema != self.home and type_.spec_key is None:
            data["schema"] = type_.schema
        return data

    @cached_property
    def _keyed_types(self) -> set[tuple[str, str]]:
        """(schema, name) of the enums, domains and types the spec keys `schema.name`."""
        keyed = {(e.schema, e.name) for e in self.enums if e.spec_key is not None}
        keyed |= {(d.schema, d.name) for d in self.domains if d.spec_key is not None}
        return keyed | {(t.schema, t.name) for t in self.user_types if t.spec_key is not None}

    def type_text(self, type_: str) -> str:
        """A column type as the spec writes it: an enum or a domain by its bare name (build qualifies
        it again), a built-in type by its short name (`varchar(32)`, `timestamptz`)."""
        base, array = type_.removesuffix("[]"), type_.endswith("[]")
        schema, _, name = base.rpartition(".")
        if (schema, name) in self._keyed_types:
            return base + ("[]" if array else "")  # an enum or domain keyed `schema.name` is named so
        if (
            schema
            and any(
                e.name == name and e.schema == schema for e in (*self.enums, *self.domains, *self.user_types)
            )
            and not _postgres_type_name(name, self.model.project.postgres)
        ):
            return name + ("[]" if array else "")
        return _short_type(type_)

    # --- entities --------------------------------------------------------------------------------

    def entity(self, table: Table) -> dict[str, Any]:
        name = table.name
        label = self.label(table.schema, name)
        data: dict[str, Any] = {}
        if table.comment is not None:
            data["comment"] = table.comment
        if table.schema != self.home and table.spec_key is None:
            data["schema"] = table.schema
        elif table.spec_key is None and "." in name and name.split(".", 1)[0] in self.known_schemas:
            data["schema"] = table.schema  # else its key would read as `schema.name`
        inline: dict[str, dict[str, Any]] = {c.name: {} for c in table.columns}
        pk = table.primary_key
        primary_key: Any = None
        if pk is not None and (
            pk.name != naming.truncate(f"{name}_pkey") or pk.deferrable is not None or pk.comment is not None
        ):
            entry_pk: dict[str, Any] = {"columns": _FlowList(pk.columns)}
            if pk.name != naming.truncate(f"{name}_pkey"):
                self.check_name(pk.name, f"primary key `{pk.name}` of `{label}`")
                entry_pk["name"] = pk.name
            if pk.deferrable is not None:
                entry_pk["deferrable"] = _deferrable(pk.deferrable)
            if pk.comment is not None:
                entry_pk["comment"] = pk.comment
            primary_key = _Flow(entry_pk)
        elif pk is not None and len(pk.columns) == 1 and pk.columns[0] in inline:
            inline[pk.columns[0]]["primary_key"] = True
        elif pk is not None:
            primary_key = _FlowList(pk.columns)
        uniques: list[_FlowList | _Flow] = []
        for unique in table.uniques:
            generated = naming.truncate(f"{name}_{'_'.join(unique.columns)}_key")
            column = unique.columns[0]
            if (
                len(unique.columns) == 1
                and column in inline
                and unique.name == generated
                and not unique.nulls_not_distinct
                and unique.deferrable is None
                and unique.comment is None
                and "unique" not in inline[column]
            ):
                inline[column]["unique"] = True
            elif (
                unique.name == generated
                and not unique.nulls_not_distinct
                and unique.deferrable is None
                and unique.comment is None
            ):
                uniques.append(_FlowList(unique.columns))
            else:
                entry: dict[str, Any] = {"columns": _FlowList(unique.columns)}
                if unique.name != generated:
                    entry["name"] = unique.name
                if unique.nulls_not_distinct:
                    entry["nulls_not_distinct"] = True
                if unique.deferrable is not None:
                    entry["deferrable"] = _deferrable(unique.deferrable)
                if unique.comment is not None:
                    entry["comment"] = unique.comment
                uniques.append(_Flow(entry))
        checks = self.checks(table, label, inline)
        foreign_keys = []
        for fk in table.foreign_keys:
            written = self.foreign_key(table, fk, inline)
            if written is not None:
                foreign_keys.append(written)
        columns = {c.name: self.column(table, c, inline[c.name]) for c in table.columns}
        if columns:
            data["columns"] = columns
        if primary_key is not None:
            data["primary_key"] = primary_key
        if uniques:
            data["unique"] = uniques
        if checks:
            data["checks"] = checks
        if foreign_keys:
            data["foreign_keys"] = foreign_keys
        indexes = [entry for ix in table.indexes if (entry := self.index(label, name, ix)) is not None]
        if indexes:
            data["indexes"] = indexes
        if table.exclusions:
            data["exclude"] = [_exclusion(name, x) for x in table.exclusions]
        if table.partition is not None:
            partition = self.partition(label, table.partition, name)
            if partition is not None:
                data["partition"] = partition
                objects = self.partition_objects(table)
                if objects:
                    partition["objects"] = objects
        if table.archive is not None:
            archive = table.archive
            entry = {"after": archive.after, "column": archive.column}
            if archive.archive_table != naming.truncate(f"{name}_archive"):
                entry["table"] = archive.archive_table
            if archive.function != naming.truncate(f"archive_{name}"):
                entry["function"] = archive.function
            data["archive"] = _Flow(entry)
        if table.storage:
            data["storage"] = _Flow({p.name: _storage_value(p.value) for p in table.storage})
        if table.unlogged:
            data["unlogged"] = True
        if table.distribution is not None:
            data["distribute"] = self.distribute(label, table.distribution, table.schema)
        triggers = {
            t.name: self.trigger(t)
            for t in self.model.triggers
            if (t.schema, t.table) == (table.schema, name)
        }
        if triggers:
            data["triggers"] = triggers
        if table.access is not None:
            from schemagen.build.access import access_entries

            data.update(access_entries(table.access, _Flow, _FlowList))
        return data

    def function(self, function: Function) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if function.arguments:
            data["arguments"] = function.arguments
        if function.aggregate is not None:
            return self.aggregate(function, data)
        if function.procedure:
            data["procedure"] = True
        else:
            data["returns"] = function.returns
        data["language"] = function.language
        if function.volatility != "volatile":
            data["volatility"] = function.volatility
        if function.strict:
            data["strict"] = True
        if function.security != "invoker":
            data["security"] = function.security
        if function.comment is not None:
            data["comment"] = function.comment
        if function.schema != self.home and function.spec_key is None:
            data["schema"] = function.schema
        data.update(_routine_access_entries(function))
        data["body"] = function.body + "\n" if "\n" in function.body else function.body
        return data

    def aggregate(self, function: Function, data: dict[str, Any]) -> dict[str, Any]:
        aggregate = function.aggregate
        assert aggregate is not None
        folding: dict[str, Any] = {
            "state_function": aggregate.state_function,
            "state_type": aggregate.state_type,
        }
        if aggregate.final_function is not None:
            folding["final_function"] = aggregate.final_function
        if aggregate.initial_value is not None:
            folding["initial_value"] = aggregate.initial_value
        if aggregate.combine_function is not None:
            folding["combine_function"] = aggregate.combine_function
        if aggregate.parallel != "unsafe":
            folding["parallel"] = aggregate.parallel
        data["aggregate"] = _Flow(folding)
        if function.comment is not None:
            data["comment"] = function.comment
        if function.schema != self.home and function.spec_key is None:
            data["schema"] = function.schema
        data.update(_routine_access_entries(function))
        return data

    def trigger(self, trigger: Trigger) -> Any:
        events: list[str] = [
            f"update of {', '.join(trigger.update_columns)}"
            if e == "update" and trigger.update_columns
            else e
            for e in trigger.events
        ]
        called = next(
            (
                f
                for f in self.model.functions
                if (f.schema, f.name) == (trigger.function_schema, trigger.function)
            ),
            None,
        )
        data: dict[str, Any] = {
            "function": called.key if called is not None else trigger.function,
            "timing": trigger.timing,
            "events": _FlowList(events),
            "for_each": trigger.for_each,
        }
        if trigger.when is not None:
            data["when"] = trigger.when
        if trigger.arguments:
            data["arguments"] = _FlowList(trigger.arguments)
        if trigger.comment is not None:
            data["comment"] = trigger.comment
        return _Flow(data)

    def distribute(self, label: str, distribution: Distribution, schema: str = "public") -> Any:
        """`reference`, or `{by, colocate_with}` for a member of a colocation group and `{by,
        shard_count}` for its root: the shard count is written out, not left to a project default,
        so the spec means the same shards wherever its project settings came from."""
        if distribution.kind == "reference":
            return "reference"
        name = distribution.colocate_with
        place = distribution.colocation_root(schema)
        if name is not None and place is not None:
            root = self.by_place.get(place)
            group = root.distribution if root is not None else None
            if (
                root is not None
                and group is not None
                and group.kind == "hash"
                and group.colocate_with is None
            ):
                # by its key: `schema.name` when a table of its name lives in another schema
                return _Flow({"by": distribution.column, "colocate_with": root.key})
            self.problem(
                f"table `{label}` is colocated with `{name}`, which the spec does not declare as the "
                "root of a colocation group: written as the root of a group of its own"
            )
        shard_count = distribution.shard_count or self.model.project.shard_count or CITUS_SHARD_COUNT
        return _Flow({"by": distribution.column, "shard_count": shard_count})

    def checks(self, table: Table, label: str, inline: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """`checks:` of `table`; a column's check whose name is generated goes on the column (`inline`)."""
        checks: dict[str, Any] = {}
        for check in table.checks:
            key = self.check_key(table, check.name)
            if check.not_valid or check.no_inherit or check.comment is not None:
                state: dict[str, Any] = {"expression": check.expression}
                if key is None:
                    key = self.free_key(check.name, table, checks)
                    self.check_name(check.name, f"check `{check.name}` of `{label}`")
                    state["name"] = check.name
                if check.not_valid:
                    state["valid"] = False
                if check.no_inherit:
                    state["no_inherit"] = True
                if check.comment is not None:
                    state["comment"] = check.comment
                checks[key] = _Flow(state)
            elif key is None:
                key = self.free_key(check.name, table, checks)
                self.check_name(check.name, f"check `{check.name}` of `{label}`")
                checks[key] = _Flow({"expression": check.expression, "name": check.name})
            elif key in inline and "check" not in inline[key]:
                inline[key]["check"] = check.expression
            else:
                checks[key] = check.expression
        return checks

    def check_key(self, table: Table, name: str) -> str | None:
        """The `checks:` key whose generated name is `name`, or None when the name must be pinned."""
        prefix, suffix = f"{table.name}_", "_check"
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix):
            key = name[len(prefix) : -len(suffix)]
            if identifiers.is_valid_name(key) and naming.truncate(f"{prefix}{key}{suffix}") == name:
                return key
        return None

    def free_key(self, name: str, table: Table, taken: dict[str, Any]) -> str:
        """A `checks:` key for a check whose name is pinned: its name, made a plain identifier."""
        base = re.sub(r"\W", "_", name.removeprefix(f"{table.name}_").removesuffix("_check")) or "check"
        if not IDENTIFIER.match(base):
            base = f"check_{base}"
        key, counter = base, 1
        generated = {c.name for c in table.checks}
        while key in taken or naming.truncate(f"{table.name}_{key}_check") in generated:
            counter += 1
            key = f"{base}_{counter}"
        return key

    def column(self, table: Table, column: Column, inline: dict[str, Any]) -> Any:
        self.check_name(column.name, f"column `{self.label(table.schema, table.name)}.{column.name}`")
        type_text = self.type_text(column.type)
        data: dict[str, Any] = {"type": type_text}
        if column.nullable:
            data["nullable"] = True
        serial = self.serials.get((table.schema, table.name, column.name))
        if serial is not None and serial.schema == table.schema:
            data["serial"] = True
        elif column.default is not None and (read := self.sequence_read(column)) is not None:
            data["default"] = _Flow({"sequence": read})
        elif column.default is not None:
            data["default"] = _default(column.default)
        for key in ("primary_key", "unique", "check", "references"):
            if key in inline:
                data[key] = inline[key]
        if column.identity is not None and (
            column.identity_options is not None or column.identity_access is not None
        ):
            options = column.identity_options or IdentityOptions()
            identity: dict[str, Any] = {"kind": column.identity}
            for key, value, default in (
                ("start", options.start, None),
                ("increment", options.increment, 1),
                ("min", options.min_value, None),
                ("max", options.max_value, None),
                ("cache", options.cache, 1),
                ("cycle", options.cycle, False),
            ):
                if value != default:
                    identity[key] = value
            identity.update(_object_access_entries("sequence", column.identity_access))
            data["identity"] = _Flow(identity)
        elif column.identity is not None:
            data["identity"] = column.identity
        if column.generated is not None:
            data["generated"] = column.generated
        if column.collation is not None:
            data["collation"] = column.collation
        if column.comment is not None:
            data["comment"] = column.comment
        if set(data) <= {"type", "nullable"}:
            return type_text + ("?" if column.nullable else "")
        return _Flow(data)

    def foreign_key(self, table: Table, fk: ForeignKey, inline: dict[str, dict[str, Any]]) -> Any:
        label = self.label(table.schema, table.name)
        target = self.by_place.get((fk.ref_schema, fk.ref_table))
        if target is None:
            self.problem(
                f"foreign key `{fk.name}` of `{label}` references "
                f"`{self.label(fk.ref_schema, fk.ref_table)}`, which the spec does not declare: left out"
            )
            self.left_out.append(LeftOut("foreign_key", table.schema, table.name, fk.name))
            return None
        to_key = target.primary_key is not None and target.primary_key.columns == fk.ref_columns
        generated = naming.truncate(f"{table.name}_{'_'.join(fk.columns)}_fkey")
        actions: dict[str, Any] = {}
        if fk.on_delete:
            actions["on_delete"] = fk.on_delete
        if fk.on_update:
            actions["on_update"] = fk.on_update
        if fk.deferrable:
            actions["deferrable"] = "initially_immediate" if fk.initially_immediate else True
        if fk.not_valid:
            actions["valid"] = False
        if fk.comment is not None:
            actions["comment"] = fk.comment
        column = fk.columns[0]
        if (
            len(fk.columns) == 1
            and not fk.match_full  # said under `foreign_keys:` only
            and fk.name == generated
            and column in inline
            and "references" not in inline[column]
        ):
            if not actions:
                inline[column]["references"] = target.key if to_key else f"{target.key}.{fk.ref_columns[0]}"
            else:
                reference: dict[str, Any] = {"table": target.key}
                if not to_key:
                    reference["column"] = fk.ref_columns[0]
                inline[column]["references"] = _Flow({**reference, **actions})
            return None
        target_entry: Any = target.key
        if not to_key:
            target_entry = _Flow({"table": target.key, "columns": _FlowList(fk.ref_columns)})
        entry: dict[str, Any] = {"columns": _FlowList(fk.columns), "references": target_entry, **actions}
        if fk.match_full:
            entry["match"] = "full"
        if fk.name != generated:
            entry["name"] = fk.name
        return _Flow(entry)

    def partition_objects(self, table: Table) -> dict[str, Any]:
        """`objects:` of a partitioned table: each partition's own indexes, foreign keys and checks, keyed by
        what follows `{table}_` in the partition's name (else by its name)."""
        found: dict[str, Any] = {}
        for own in partition_tables(table):
            label = self.label(own.schema, own.name)
            entry: dict[str, Any] = {}
            clones = clone_names(table, own.name)
            indexes = [e for ix in own.indexes if (e := self.index(label, own.name, ix, clones)) is not None]
            if indexes:
                entry["indexes"] = indexes
            keys = [e for fk in own.foreign_keys if (e := self.foreign_key(own, fk, {})) is not None]
            if keys:
                entry["foreign_keys"] = keys
            checks = self.checks(own, label, {})
            if checks:
                entry["checks"] = checks
            if entry:
                prefix = f"{table.name}_"
                found[own.name.removeprefix(prefix) if own.name.startswith(prefix) else own.name] = entry
        return found

    def index(self, label: str, table: str, index: Index, taken: set[str] | None = None) -> Any:
        """`taken`: names the build gives other indexes of the table first (a partition's clones)."""
        what = f"index `{index.name}` of `{label}`"
        if index.using not in INDEX_METHODS:
            self.problem(f"{what} uses `{index.using}`, which the spec cannot say: left out")
            self.left_out.append(LeftOut("index", None, table, index.name))
            return None
        data: dict[str, Any] = {}
        first = index.elements[0]
        if (
            len(index.elements) == 1
            and first.expression is not None
            and first == IndexElement(expression=first.expression)
        ):
            data["expression"] = first.expression
        else:
            entries = [_element(e) for e in index.elements]
            if any(e is None for e in entries):
                self.problem(f"{what} has a column or operator class name the spec cannot write: left out")
                self.left_out.append(LeftOut("index", None, table, index.name))
                return None
            data["columns"] = _FlowList(entries)
        label_parts = [e.column or expressions.expression_label(e.expression or "") for e in index.elements]
        generated = naming.truncate(f"{table}_{'_'.join(label_parts)}_idx")
        if taken:
            generated = naming.unique_name(generated, set(taken))
        entry: dict[str, Any] = {}
        if index.name != generated:
            entry["name"] = index.name
        entry.update(data)
        if index.unique:
            entry["unique"] = True
        if index.using != "btree":
            entry["using"] = index.using
        if index.where is not None:
            entry["where"] = index.where
        if index.include:
            entry["include"] = _FlowList(index.include)
        if index.nulls_not_distinct:
            entry["nulls_not_distinct"] = True
        if index.storage:
            entry["storage"] = _Flow({p.name: _storage_value(p.value) for p in index.storage})
        if index.comment is not None:
            entry["comment"] = index.comment
        return _Flow(entry)

    # --- partitions ------------------------------------------------------------------------------

    def partition(
        self, label: str, scheme: PartitionScheme, prefix: str, nested: bool = False
    ) -> dict[str, Any] | None:
        keys = [k.column if k.column is not None else k.expression for k in scheme.key]
        body: dict[str, Any] = {"key": keys[0] if len(keys) == 1 else _FlowList(keys)}
        children = [c for c in scheme.children if not c.bound.is_default]
        defaults = [c for c in scheme.children if c.bound.is_default]
        names: dict[str, str] = {}
        for child in defaults:
            self.child_suffix(label, prefix, child, names, nested, "default")
        if scheme.kind == "range" and scheme.window is not None:
            window = scheme.window
            body.update({"every": window.every, "from": window.start})
            if not window.open_end:
                body["to"] = window.end
            for key in ("premake", "retain", "expire"):
                if getattr(window, key) is not None:
                    body[key] = getattr(window, key)
            for child, (suffix, _, _) in zip(children, window_bounds(window), strict=True):
                self.child_suffix(label, prefix, child, names, nested, suffix)
        elif scheme.kind == "range":
            bounds: dict[str, Any] = {}
            for child in children:
                low, high = child.bound.range_from, child.bound.range_to
                if isinstance(low, list | tuple) or isinstance(high, list | tuple):
                    self.problem(
                        f"the partitions of `{label}` have bounds over several columns, which the spec "
                        "cannot say: written unpartitioned"
                    )
                    return None
                bounds[self.child_suffix(label, prefix, child, names, nested)] = _FlowList([low, high])
            body["bounds"] = bounds
        elif scheme.kind == "list":
            values: dict[str, Any] = {}
            for child in children:
                if any(isinstance(v, list | tuple) for v in child.bound.values):
                    self.problem(
                        f"the partitions of `{label}` list values of several columns, which the spec cannot "
                        "say: written unpartitioned"
                    )
                    return None
                values[self.child_suffix(label, prefix, child, names, nested)] = _FlowList(child.bound.values)
            body["values"] = values
        else:
            modulus = scheme.modulus or len(children)
            body["modulus"] = modulus
            remainders = sorted((c.bound.modulus, c.bound.remainder) for c in children)
            if remainders != [(modulus, r) for r in range(modulus)]:
                self.problem(
                    f"the hash partitions of `{label}` are not exactly remainders 0…{modulus - 1} of "
                    f"modulus {modulus}, which is what the spec makes"
                )
            for child in children:
                self.child_suffix(label, prefix, child, names, nested, f"p{child.bound.remainder}")
        if scheme.kind in ("range", "list") and scheme.has_default:
            body["default"] = True
        data: dict[str, Any] = {scheme.kind: body}
        if names:
            data["names"] = names
        then = self.second_level(label, scheme.children)
        if then is not None:
            data["then"] = then
        return data

    def second_level(self, label: str, children: Iterable[PartitionChild]) -> dict[str, Any] | None:
        """The `then:` every child shares, from the first child's own partitioning."""
        children = list(children)
        subs = [c.sub for c in children]
        if all(s is None for s in subs):
            return None
        first = children[0]
        if first.sub is None or any(s is None for s in subs):
            self.problem(
                f"only some partitions of `{label}` are partitioned again; the spec partitions all or none"
            )
            return None
        shapes = {json.dumps(_shape(c.sub, c.name), default=str) for c in children if c.sub is not None}
        if len(shapes) > 1:
            self.problem(
                f"the partitions of `{label}` are partitioned again in different ways; the spec's `then:` "
                f"partitions each alike: written as `{first.name}` is"
            )
        return self.partition(f"{label}/{first.name}", first.sub, first.name, nested=True)

    def child_suffix(
        self,
        label: str,
        prefix: str,
        child: PartitionChild,
        names: dict[str, str],
        nested: bool,
        expected: str | None = None,
    ) -> str:
        """The suffix of `child` at this level; its name goes to `names:` unless the naming template
        (`{parent}_{suffix}`) makes it. Below the first level a pinned name is written relative to its
        parent (`{table}…`), since `then:` partitions every parent alike."""
        start = f"{prefix}_"
        suffix = expected or (child.name[len(start) :] if child.name.startswith(start) else child.name)
        if expected is None and not identifiers.is_valid_name(suffix):
            suffix = re.sub(r"\W", "_", suffix)
            suffix = suffix if IDENTIFIER.match(suffix) else f"p_{suffix}"
        if naming.truncate(f"{start}{suffix}") != child.name or child.schema is not None:
            self.check_name(child.name, f"partition `{child.name}` of `{label}`")
            relative = nested and child.name.startswith(prefix) and child.schema is None
            # a pinned name is a template: braces of the name itself are doubled
            escaped = child.name.replace("{", "{{").replace("}", "}}")
            if relative:
                names[suffix] = "{table}" + escaped[len(prefix.replace("{", "{{").replace("}", "}}")) :]
            else:
                names[suffix] = f"{child.schema}.{escaped}" if child.schema is not None else escaped
        return suffix

    # --- views -----------------------------------------------------------------------------------

    def view(self, view: View) -> dict[str, Any]:
        label = self.label(view.schema, view.name)
        data: dict[str, Any] = {}
        if view.comment is not None:
            data["comment"] = view.comment
        if view.column_comments:
            data["column_comments"] = dict(view.column_comments)
        if view.schema != self.home and view.spec_key is None:
            data["schema"] = view.schema
        if view.materialized:
            data["materialized"] = True
            if view.unpopulated:
                data["populated"] = False
        if view.security_barrier:
            data["security_barrier"] = True
        if view.security_invoker:
            data["security_invoker"] = True
        if view.check_option is not None:
            data["check_option"] = view.check_option
        data["query"] = _Block(view.query + "\n") if "\n" in view.query else view.query
        unique = self.view_unique(label, view)
        if unique is not None:
            data["unique"] = unique
        elif view.materialized and view.indexes:
            written = [self.index(label, view.name, index) for index in view.indexes]
            data["indexes"] = [entry for entry in written if entry is not None]
        if view.refresh is not None:
            data["refresh"] = view.refresh
            if view.refresh_function != naming.truncate(f"refresh_{view.name}"):
                data["refresh_function"] = view.refresh_function
        data.update(_object_access_entries("materialized view" if view.materialized else "view", view.access))
        return data

    def view_unique(self, label: str, view: View) -> Any:
        """The `unique:` of a materialized view whose one index is what `unique:` renders: its columns,
        or `{columns, name}` when the name is not the template's; None otherwise (its indexes are then
        written under `indexes:`)."""
        if not view.materialized or len(view.indexes) != 1:
            return None
        index = view.indexes[0]
        columns = [e.column for e in index.elements if e.column is not None]
        bare = all(e == IndexElement(column=e.column) for e in index.elements)
        plain = bare and len(columns) == len(index.elements)
        if not (
            plain
            and index.unique
            and index.using == "btree"
            and index.where is None
            and not index.include
            and not index.nulls_not_distinct
            and not index.storage
            and index.comment is None
        ):
            return None
        if index.name == naming.truncate(f"{view.name}_{'_'.join(columns)}_idx"):
            return _FlowList(columns)
        self.check_name(index.name, f"index `{index.name}` of `{label}`")
        return _Flow({"columns": _FlowList(columns), "name": index.name})


_SHORT_TYPES = (
    (re.compile(r"character varying(\(\d+\))?"), r"varchar\1"),
    (re.compile(r"character(\(\d+\))"), r"char\1"),
    (re.compile(r"timestamp(\(\d\))? with time zone"), r"timestamptz\1"),
    (re.compile(r"timestamp(\(\d\))? without time zone"), r"timestamp\1"),
    (re.compile(r"time(\(\d\))? with time zone"), r"timetz\1"),
    (re.compile(r"time(\(\d\))? without time zone"), r"time\1"),
)


# The build's access rules bring the loader and the diagnostics with them: imported when an object has
# an owner, grants or roles to write (most inspected databases have none the spec needs to say).


def _object_access_entries(kind: ObjectKind, access: ObjectAccess | None) -> dict[str, object]:
    if access is None:
        return {}
    from schemagen.build.object_access import object_access_entries

    return object_access_entries(kind, access, _Flow, _FlowList)


def _routine_access_entries(function: Function) -> dict[str, object]:
    if function.access is None:
        return {}
    from schemagen.build.object_access import routine_access_entries

    return routine_access_entries(function, _Flow, _FlowList)


def _role_entry(role: Role) -> object:
    from schemagen.build.access import role_entry

    return role_entry(role, _Flow, _FlowList)


@lru_cache(maxsize=4096)
def _short_type(type_: str) -> str:
    """The short spelling of a built-in type (`varchar(32)` for `character varying(32)`), when the
    spec reads it back as the same type."""
    base, array = type_.removesuffix("[]"), type_.endswith("[]")
    for pattern, replacement in _SHORT_TYPES:
        if pattern.fullmatch(base):
            short = pattern.sub(replacement, base) + ("[]" if array else "")
            try:
                same = sqltypes.canonical_type(short) == sqltypes.canonical_type(type_)
            except sqltypes.UnknownTypeError:
                same = False
            return short if same else type_
    return type_


def _element(element: IndexElement) -> Any:
    """`col [opclass] [DESC] [NULLS FIRST|LAST]` (the column quoted when its name needs it), or
    `{expression: …, opclass: …, order: desc, nulls: …, collation: …}` for an expression or a key with its
    own collation; None when an operator class cannot be written so."""
    if element.opclass is not None and not IDENTIFIER.match(element.opclass):
        return None
    if element.expression is not None or element.collation is not None:
        entry: dict[str, Any] = {}
        if element.expression is not None:
            entry["expression"] = element.expression
        else:
            entry["column"] = element.column
        if element.opclass is not None:
            entry["opclass"] = element.opclass
        if element.descending:
            entry["order"] = "desc"
        if element.nulls is not None:
            entry["nulls"] = element.nulls
        if element.collation is not None:
            entry["collation"] = element.collation
        return _Flow(entry)
    if element.column is None:
        return None
    plain = element.opclass is None and not element.descending and element.nulls is None
    if plain:
        return element.column  # the spec takes a column's name as it is
    words = [
        element.column if IDENTIFIER.match(element.column) else '"' + element.column.replace('"', '""') + '"'
    ]
    if element.opclass is not None:
        words.append(element.opclass)
    if element.descending:
        words.append("DESC")
    if element.nulls is not None:
        words.append(f"NULLS {element.nulls.upper()}")
    return " ".join(words)


def _default(default: Default) -> Any:
    if default.is_expression:
        return _Flow({"sql": default.expression})
    value = default.value
    if isinstance(value, dict) and set(value) == {"sql"}:
        # the spec would read {sql: …} as an expression; JSON text is the same literal
        return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)
    return _flow(value)


def _flow(value: Any) -> Any:
    if isinstance(value, dict):
        return _Flow({k: _flow(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return _FlowList(_flow(v) for v in value)
    return value


def _shape(scheme: PartitionScheme, prefix: str) -> Any:
    """A partitioning with its own children's names made relative to `prefix`, to compare levels."""
    start = f"{prefix}_"
    return (
        scheme.kind,
        scheme.key,
        scheme.window,
        scheme.modulus,
        tuple(
            (
                c.name.removeprefix(start),
                c.bound,
                _shape(c.sub, c.name) if c.sub is not None else None,
            )
            for c in scheme.children
        ),
    )


def _storage_value(text: str) -> bool | int | float | str:
    """A storage parameter's value as YAML writes it: a boolean or a number where it is one."""
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _exclusion(table: str, constraint: ExclusionConstraint) -> dict[str, Any]:
    """An entry of `exclude:`: its name only when it is not the one PostgreSQL would give it."""
    data: dict[str, Any] = {}
    if constraint.using != "gist":
        data["using"] = constraint.using
    data["elements"] = [
        _Flow({"column": e.column, "with": e.operator})
        if e.column is not None
        else _Flow({"expression": e.expression, "with": e.operator})
        for e in constraint.elements
    ]
    if constraint.where is not None:
        data["where"] = constraint.where
    keys = [e.column if e.column is not None else "expr" for e in constraint.elements]
    if constraint.name != naming.truncate(f"{table}_{'_'.join(keys)}_excl"):
        data["name"] = constraint.name
    if constraint.deferrable is not None:
        data["deferrable"] = _deferrable(constraint.deferrable)
    if constraint.comment is not None:
        data["comment"] = constraint.comment
    return data


def _deferrable(deferral: Deferral) -> bool | str:
    """`deferrable:` as the spec writes it: true is INITIALLY DEFERRED, as for a foreign key."""
    return "initially_immediate" if deferral == "immediate" else True


def _extension_entry(name: str, custom: bool, setting: ExtensionSetting | None) -> Any:
    """An entry of `project.extensions`: its name alone, or a mapping with what else the spec says."""
    if not custom and setting is None:
        return name
    entry: dict[str, Any] = {"name": name}
    if custom:
        entry["custom"] = True
    if setting is not None and setting.schema is not None:
        entry["schema"] = setting.schema
    if setting is not None and setting.version is not None:
        entry["version"] = setting.version
    return entry
