"""PostgreSQL's built-in objects, per major version: what a spec's SQL may name without defining it.

`pgNN.json` is written by `scripts/builtin_catalog.py` from a real server of that major version: the
types, functions, operators, casts, index access methods, operator classes and collations of
`pg_catalog`, and the objects of each extension the server could install, under the extension's
name. `catalog(version, extensions)` is the view a spec sees: the core, plus the objects of the
extensions it names. A version without its own file uses the nearest one there is (`Catalog.version`
says which; `exact` is False then).

Type names are `format_type(oid, NULL)`'s: `integer`, `character varying`, `character` (bpchar),
`timestamp with time zone`, `text[]`, `"any"`; `type_key` turns a column type of the Model into one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field, replace
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from schemagen.postgres.routines import split_top_level
from schemagen.records import dataclass

__all__ = [
    "THIRD_PARTY_EXTENSIONS",
    "AccessMethod",
    "Catalog",
    "Extension",
    "Function",
    "OpClass",
    "Operator",
    "TypeInfo",
    "available_versions",
    "catalog",
    "creation_order",
    "identity_types",
    "known_extension",
    "nearest_version",
    "type_key",
    "with_functions",
]


@dataclass(frozen=True, slots=True)
class TypeInfo:
    name: str
    typtype: str  # b base, p pseudo, e enum, r range, m multirange, d domain
    category: str  # pg_type.typcategory: N numeric, S string, D date/time, A array, U user…
    preferred: bool
    collatable: bool
    of: str | None  # an array's element, a domain's base, a range's subtype, a multirange's range
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    result: str
    args: tuple[str, ...]
    kind: str  # f function, a aggregate, w window
    retset: bool
    volatility: str  # i, s, v
    defaults: int  # how many trailing arguments may be left out
    variadic: str | None  # the element type of a VARIADIC last argument
    extension: str | None = None

    def takes(self, count: int) -> bool:
        """Whether a call with `count` positional arguments can match this form."""
        total = len(self.args)
        if self.variadic is not None:
            return count >= total - 1
        return total - self.defaults <= count <= total

    @property
    def signature(self) -> str:
        shown = list(self.args)
        if self.variadic is not None and shown:
            shown[-1] = f"VARIADIC {shown[-1]}"
        return f"{self.name}({', '.join(shown)})"


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    left: str | None  # None for a prefix operator
    right: str
    result: str
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class AccessMethod:
    name: str
    can_order: bool
    can_unique: bool
    can_multi_col: bool
    can_include: bool
    can_exclude: bool


@dataclass(frozen=True, slots=True)
class OpClass:
    access_method: str
    name: str
    input_type: str
    default: bool
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    version: str
    requires: tuple[str, ...]
    # False when the generating server could not create it (it needs shared_preload_libraries): what
    # a spec calls from it cannot be told from what does not exist.
    known_objects: bool
    preinstalled: bool = False


@dataclass(frozen=True)
class Catalog:
    """The objects a spec sees on one major version: the core, and those of the extensions it names."""

    version: int  # of the data used
    requested: int  # project.postgres
    extensions_named: frozenset[str]
    types: Mapping[str, TypeInfo]
    functions: Mapping[str, tuple[Function, ...]]
    operators: Mapping[str, tuple[Operator, ...]]
    casts: Mapping[tuple[str, str], str]  # (source, target) → context (i, a, e) + method (f, b, i)
    access_methods: Mapping[str, AccessMethod]
    opclasses: Mapping[str, Mapping[str, OpClass]]  # access method → name → class
    collations: Mapping[str, str]  # name → provider (c libc, i icu, d default)
    text_search_configs: frozenset[str]
    extensions: Mapping[str, Extension]  # every extension the server offered
    # The objects of every extension, named or not: to say which extension an unknown name needs.
    elsewhere: _Elsewhere = field(repr=False, compare=False)

    @property
    def exact(self) -> bool:
        return self.version == self.requested

    @property
    def complete(self) -> bool:
        """Whether a name the catalog lacks is known not to exist: the data is of the project's version
        or a newer one, and every extension the spec names has its objects recorded."""
        return self.version >= self.requested and all(
            name in self.extensions and self.extensions[name].known_objects for name in self.extensions_named
        )

    def type(self, name: str) -> TypeInfo | None:
        return self.types.get(name)

    def cast(self, source: str, target: str) -> str | None:
        return self.casts.get((source, target))


@dataclass(frozen=True)
class _Elsewhere:
    functions: Mapping[str, str]  # name → the extension that defines it
    types: Mapping[str, str]
    opclasses: Mapping[tuple[str, str], str]  # (access method, name) → extension
    operators: Mapping[str, str]


#: Extensions that do not come with PostgreSQL but are widely installed: accepted by name, their
#: objects unknown to the catalog (what a spec calls from them is not checked).
THIRD_PARTY_EXTENSIONS = frozenset(
    [
        "address_standardizer",
        "address_standardizer_data_us",
        "age",
        "anon",
        "citus",
        "citus_columnar",
        "columnar",
        "h3",
        "h3_postgis",
        "hll",
        "hypopg",
        "ip4r",
        "jsquery",
        "mongo_fdw",
        "mysql_fdw",
        "oracle_fdw",
        "orafce",
        "periods",
        "pg_bigm",
        "pg_cron",
        "pg_duckdb",
        "pg_graphql",
        "pg_hashids",
        "pg_hint_plan",
        "pg_ivm",
        "pg_jsonschema",
        "pg_net",
        "pg_partman",
        "pg_qualstats",
        "pg_repack",
        "pg_search",
        "pg_squeeze",
        "pg_stat_kcache",
        "pg_uuidv7",
        "pg_wait_sampling",
        "pgaudit",
        "pglogical",
        "pgmq",
        "pgroonga",
        "pgrouting",
        "pgsodium",
        "pgtap",
        "pgjwt",
        "plperl",
        "plperlu",
        "plpython3u",
        "plv8",
        "pltcl",
        "pltclu",
        "pljava",
        "postgis",
        "postgis_raster",
        "postgis_sfcgal",
        "postgis_tiger_geocoder",
        "postgis_topology",
        "postgresql_anonymizer",
        "prefix",
        "rum",
        "semver",
        "sqlite_fdw",
        "tdigest",
        "tds_fdw",
        "temporal_tables",
        "timescaledb",
        "topn",
        "unit",
        "vector",
        "vectorscale",
        "wal2json",
    ]
)


def creation_order(names: Iterable[str], version: int) -> tuple[str, ...]:
    """`names` sorted, each after the extensions it requires (CREATE EXTENSION without CASCADE fails
    when one is missing): `[jsonb_plperl, plperl]` becomes `(plperl, jsonb_plperl)`."""
    extensions = _raw(nearest_version(version))["extensions"]
    pending = sorted(set(names))
    done: list[str] = []

    def place(name: str, trail: tuple[str, ...]) -> None:
        if name in done or name in trail:
            return
        for required in extensions.get(name, {}).get("requires", ()):
            if required in pending:
                place(required, (*trail, name))
        done.append(name)

    for name in pending:
        place(name, ())
    return tuple(done)


def known_extension(name: str, version: int) -> bool:
    """Whether `name` is an extension of PostgreSQL `version` (its catalog's) or a well-known other."""
    return name in THIRD_PARTY_EXTENSIONS or name in _raw(nearest_version(version))["extensions"]


#: the catalog files, beside this module (read as a plain folder: importlib.resources, with the zipfile
#: and tempfile modules it imports, cost more than reading them)
_DIR = Path(__file__).parent
_FILE = re.compile(r"pg(\d+)\.json")


@cache
def available_versions() -> tuple[int, ...]:
    """The major versions that have a catalog file, oldest first."""
    found = []
    for entry in _DIR.iterdir():
        match = _FILE.fullmatch(entry.name)
        if match:
            found.append(int(match.group(1)))
    return tuple(sorted(found))


def nearest_version(version: int) -> int:
    """The version whose catalog stands in for `version`: itself, else the nearest (the newer of two
    equally near)."""
    versions = available_versions()
    if not versions:
        raise FileNotFoundError("no PostgreSQL catalog is packaged under schemagen/postgres/builtins")
    return min(versions, key=lambda v: (abs(v - version), -v))


@cache
def _raw(version: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_DIR / f"pg{version}.json").read_text(encoding="utf-8"))
    return data


class _Forms(Mapping[str, tuple[Function, ...]]):
    """The functions of a catalog by name, each name's forms made when first asked for: a spec calls a
    few dozen of the thousands there are, and making them all was a tenth of validating a small spec.
    `sources` gives each name its raw forms (as `pgNN.json` has them) with their extension, in the
    order they are merged; `extra`, forms made already (a spec's own functions), after those."""

    __slots__ = ("_extra", "_made", "_sources")

    def __init__(
        self,
        sources: Mapping[str, list[tuple[str | None, list[Any]]]],
        extra: Mapping[str, tuple[Function, ...]] | None = None,
    ) -> None:
        self._sources = sources
        self._extra = extra or {}
        self._made: dict[str, tuple[Function, ...]] = {}

    def __getitem__(self, name: str) -> tuple[Function, ...]:
        found = self._made.get(name)
        if found is None:
            raw = self._sources.get(name)
            extra = self._extra.get(name)
            if raw is None and extra is None:
                raise KeyError(name)
            made = tuple(_function(name, f, extension) for extension, forms in raw or () for f in forms)
            found = self._made[name] = made + extra if extra is not None else made
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._sources or name in self._extra

    def __iter__(self) -> Iterator[str]:
        yield from self._sources
        yield from (name for name in self._extra if name not in self._sources)

    def __len__(self) -> int:
        return len(self._sources) + sum(1 for name in self._extra if name not in self._sources)

    def __repr__(self) -> str:
        return f"_Forms({len(self)} names)"

    def with_extra(self, extra: Mapping[str, tuple[Function, ...]]) -> _Forms:
        """These forms, and `extra` after each name's own (the raw sources shared)."""
        merged = dict(self._extra)
        for name, forms in extra.items():
            merged[name] = (*merged.get(name, ()), *forms)
        return _Forms(self._sources, merged)


def _function(name: str, f: list[Any], extension: str | None) -> Function:
    return Function(name, f[0], tuple(f[1]), f[2][0], "s" in f[2][1:-1], f[2][-1], f[3], f[4], extension)


def _objects(part: Mapping[str, Any], extension: str | None) -> dict[str, Any]:
    """The objects of the core or of one extension, but their functions, which `_Forms` makes."""
    types = {
        name: TypeInfo(name, t[0], t[1], t[2], t[3], t[4], extension)
        for name, t in part.get("types", {}).items()
    }
    operators = {
        name: [Operator(name, o[0], o[1], o[2], extension) for o in forms]
        for name, forms in part.get("operators", {}).items()
    }
    casts = {
        (source, target): how for source, targets in part.get("casts", {}).items() for target, how in targets
    }
    opclasses = {
        am: {name: OpClass(am, name, c[0], c[1], extension) for name, c in classes.items()}
        for am, classes in part.get("opclasses", {}).items()
    }
    return {
        "types": types,
        "functions": part.get("functions", {}),
        "operators": operators,
        "casts": casts,
        "opclasses": opclasses,
    }


@cache
def _core(version: int) -> dict[str, Any]:
    return _objects(_raw(version), None)


@cache
def _extension_objects(version: int, name: str) -> dict[str, Any] | None:
    """The objects of extension `name`, None when it has none recorded."""
    objects = _raw(version)["extensions"][name].get("objects")
    return _objects(objects, name) if objects else None


@cache
def _extensions(version: int) -> dict[str, Extension]:
    return {
        name: Extension(
            name,
            entry["version"],
            tuple(entry.get("requires", ())),
            entry.get("objects") is not None,
            bool(entry.get("preinstalled")),
        )
        for name, entry in _raw(version)["extensions"].items()
    }


@cache
def _elsewhere(version: int) -> _Elsewhere:
    functions: dict[str, str] = {}
    types: dict[str, str] = {}
    opclasses: dict[tuple[str, str], str] = {}
    operators: dict[str, str] = {}
    for name, entry in sorted(_raw(version)["extensions"].items()):
        objects = entry.get("objects")
        if not objects:
            continue
        for fname in objects.get("functions", {}):
            functions.setdefault(fname, name)
        for tname in objects.get("types", {}):
            types.setdefault(tname, name)
        for oname in objects.get("operators", {}):
            operators.setdefault(oname, name)
        for am, classes in objects.get("opclasses", {}).items():
            for cname in classes:
                opclasses.setdefault((am, cname), name)
    return _Elsewhere(
        MappingProxyType(functions), MappingProxyType(types), MappingProxyType(opclasses),
        MappingProxyType(operators),
    )  # fmt: skip


@cache
def _catalog(requested: int, extensions: frozenset[str]) -> Catalog:
    version = nearest_version(requested)
    raw = _raw(version)
    core = _core(version)
    known = _extensions(version)
    types: dict[str, TypeInfo] = dict(core["types"])
    functions: dict[str, list[tuple[str | None, list[Any]]]] = {
        k: [(None, v)] for k, v in core["functions"].items()
    }
    operators: dict[str, list[Operator]] = {k: list(v) for k, v in core["operators"].items()}
    casts: dict[tuple[str, str], str] = dict(core["casts"])
    opclasses: dict[str, dict[str, OpClass]] = {k: dict(v) for k, v in core["opclasses"].items()}
    for name in sorted(extensions):
        objects = _extension_objects(version, name) if name in known else None
        if objects is None:
            continue
        types.update(objects["types"])
        for fname, forms in objects["functions"].items():
            functions.setdefault(fname, []).append((name, forms))
        for oname, forms in objects["operators"].items():
            operators.setdefault(oname, []).extend(forms)
        casts.update(objects["casts"])
        for am, classes in objects["opclasses"].items():
            opclasses.setdefault(am, {}).update(classes)
    access_methods = {
        name: AccessMethod(name, **properties) for name, properties in raw["access_methods"].items()
    }
    return Catalog(
        version=version,
        requested=requested,
        extensions_named=extensions,
        types=MappingProxyType(types),
        functions=_Forms(functions),
        operators=MappingProxyType({k: tuple(v) for k, v in operators.items()}),
        casts=MappingProxyType(casts),
        access_methods=MappingProxyType(access_methods),
        opclasses=MappingProxyType({k: MappingProxyType(v) for k, v in opclasses.items()}),
        collations=MappingProxyType(dict(raw["collations"])),
        text_search_configs=frozenset(raw.get("text_search_configs", ())),
        extensions=MappingProxyType(known),
        elsewhere=_elsewhere(version),
    )


def catalog(version: int, extensions: Iterable[str] = ()) -> Catalog:
    """The objects a spec for PostgreSQL `version` that names `extensions` can use."""
    return _catalog(version, frozenset(extensions))


def _identity_type(argument: str) -> str:
    """The type of one argument as `pg_get_function_identity_arguments` prints it (`VARIADIC a text[]`)."""
    words = argument.removeprefix("VARIADIC ").removeprefix("INOUT ").split(None, 1)
    if len(words) == 2 and not _TYPE_START.match(argument):
        return words[1]
    return argument


def identity_types(identity: str) -> str:
    """The input argument types alone of a signature as `pg_get_function_identity_arguments` prints it,
    which is what tells PostgreSQL's functions apart: `t text, n integer, OUT c integer` → `text,
    integer` (an OUT argument is no part of it, a mode is dropped)."""
    types = []
    for argument in split_top_level(identity) if identity.strip() else []:
        argument = argument.strip()
        if argument.startswith("OUT "):
            continue
        types.append(_identity_type(argument.removeprefix("IN ")))
    return ", ".join(types)


def with_functions(
    catalog: Catalog, functions: Iterable[tuple[str, str, str, str]], aggregates: Iterable[str] = ()
) -> Catalog:
    """`catalog` with a spec's own functions: each (name, input types as `pg_get_function_identity_
    arguments` prints them, result, volatility), so a check or a default may call one; those named in
    `aggregates` are aggregates (a query may call one, a check or a default may not).

    Kept for the process, like the catalogs themselves: the checks cache what they find by a catalog's
    id, which a freed catalog would hand on to another."""
    own = tuple(functions)
    if not own:
        return catalog
    folding = frozenset(aggregates)  # the names of `functions` that are aggregates
    key = (id(catalog), own, folding)
    found = _WITH_FUNCTIONS.get(key)
    if found is None:
        found = _WITH_FUNCTIONS[key] = _with_functions(catalog, own, folding)
    return found


_WITH_FUNCTIONS: dict[tuple[int, tuple[tuple[str, str, str, str], ...], frozenset[str]], Catalog] = {}


def _with_functions(
    catalog: Catalog, functions: Iterable[tuple[str, str, str, str]], aggregates: frozenset[str]
) -> Catalog:
    merged: dict[str, tuple[Function, ...]] = {}
    for name, identity, result, volatility in functions:
        args = tuple(type_key(_identity_type(a)) for a in split_top_level(identity))
        retset = result.startswith(("SETOF ", "TABLE("))
        form = Function(
            name=name,
            result=type_key(result.removeprefix("SETOF ")) if not result.startswith("TABLE(") else "record",
            args=args,
            kind="a" if name in aggregates else "f",
            retset=retset,
            volatility=volatility[0],
            defaults=0,
            variadic=None,
        )
        merged[name] = (*merged.get(name, ()), form)
    base = catalog.functions
    forms = (base if isinstance(base, _Forms) else _Forms({}, dict(base))).with_extra(merged)
    return replace(catalog, functions=forms)


# --- type names ------------------------------------------------------------------------------------

_MODIFIERS = re.compile(r"\([^)]*\)")
# an argument that starts with a type of two words rather than with a name
_TYPE_START = re.compile(r"(double precision|character varying|bit varying|time |timestamp )")
_KEYS = {
    "bpchar": "character",
    "int": "integer",
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "varbit": "bit varying",
    "decimal": "numeric",
    "timestamptz": "timestamp with time zone",
    "timetz": "time with time zone",
    "timestamp": "timestamp without time zone",
    "time": "time without time zone",
}


@lru_cache(maxsize=4096)
def type_key(canonical: str) -> str:
    """The catalog's name of a column type as the Model spells it: modifiers dropped
    (`character varying(32)` → `character varying`, `interval day to second` → `interval`), the
    grammar's internal names mapped (`bpchar` → `character`), an enum or extension type as it is."""
    text = canonical.strip()
    array = ""
    while text.endswith("[]"):
        text, array = text[:-2].rstrip(), "[]"
    base = _MODIFIERS.sub("", text).strip()
    base = re.sub(r"\s+", " ", base)
    if base.startswith("interval"):
        base = "interval"
    base = _KEYS.get(base, base)
    if base.startswith("pg_catalog."):
        base = _KEYS.get(base.removeprefix("pg_catalog."), base.removeprefix("pg_catalog."))
    return base + array
