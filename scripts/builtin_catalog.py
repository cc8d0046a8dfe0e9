#!/usr/bin/env python3
"""Write the catalog of PostgreSQL's built-in objects that the static checks resolve names against.

    .venv/bin/python scripts/builtin_catalog.py [-o schemagen/postgres/builtins/pgNN.json]

A throwaway server (`schemagen.database.cluster`: the newest `/usr/lib/postgresql/*/bin`, or the
`initdb` on PATH) is started, and its catalog read: the types, functions, operators, casts, index
access methods, operator classes and collations of `pg_catalog`; then every extension the server can
install is created in a database of its own (with CASCADE) and the objects it owns are recorded
under its name. An extension that cannot be created there (it needs `shared_preload_libraries`) is
listed without objects: the checks accept what a spec calls from it. The output is one JSON file per
major version, written compactly and sorted so that a regenerated file differs only where PostgreSQL
does. Run it with each major version's binaries on PATH to add a version.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from schemagen.database.cluster import ThrowawayCluster, connect  # noqa: E402

OUTPUT_DIR = REPO_ROOT / "schemagen" / "postgres" / "builtins"

# Objects are read where a spec's SQL finds them unqualified: pg_catalog and public (extensions are
# created into public). `owner` is the extension that owns an object (NULL for the core catalog).
OWNER = """
    (SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
     WHERE d.classid = '{catalog}'::regclass AND d.objid = {alias}.oid
       AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
"""

TYPES = f"""
SELECT format_type(t.oid, NULL), t.typtype, t.typcategory, t.typispreferred, t.typcollation <> 0,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, NULL)
            WHEN t.typtype = 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r
                                      WHERE r.rngtypid = t.oid)
            WHEN t.typtype = 'm' THEN (SELECT format_type(r.rngtypid, NULL) FROM pg_range r
                                      WHERE r.rngmultitypid = t.oid)
            WHEN t.typelem <> 0 AND t.typlen = -1 THEN format_type(t.typelem, NULL) END,
       {OWNER.format(catalog="pg_type", alias="t")}
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname IN ('pg_catalog', 'public')
  AND t.typtype <> 'c'
  AND NOT (t.typelem <> 0 AND t.typlen = -1
           AND (SELECT e.typtype FROM pg_type e WHERE e.oid = t.typelem) = 'c')
ORDER BY 1
"""

# Functions taking `internal` cannot be called from SQL a spec writes: left out.
FUNCTIONS = f"""
SELECT p.proname, format_type(p.prorettype, NULL),
       ARRAY(SELECT format_type(a, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(a, i)
             ORDER BY i),
       p.prokind, p.proretset, p.provolatile, p.pronargdefaults,
       CASE WHEN p.provariadic <> 0 THEN format_type(p.provariadic, NULL) END,
       {OWNER.format(catalog="pg_proc", alias="p")}
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('pg_catalog', 'public')
  AND NOT ('internal'::regtype::oid = ANY (p.proargtypes::oid[]))
  AND p.prokind <> 'p'
ORDER BY 1, 3, 2
"""

OPERATORS = f"""
SELECT o.oprname, CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END,
       format_type(o.oprright, NULL), format_type(o.oprresult, NULL),
       {OWNER.format(catalog="pg_operator", alias="o")}
FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
WHERE n.nspname IN ('pg_catalog', 'public')
ORDER BY 1, 2 NULLS FIRST, 3
"""

CASTS = f"""
SELECT format_type(c.castsource, NULL), format_type(c.casttarget, NULL), c.castcontext, c.castmethod,
       {OWNER.format(catalog="pg_cast", alias="c")}
FROM pg_cast c
ORDER BY 1, 2
"""

ACCESS_METHODS = """
SELECT a.amname,
       pg_indexam_has_property(a.oid, 'can_order'),
       pg_indexam_has_property(a.oid, 'can_unique'),
       pg_indexam_has_property(a.oid, 'can_multi_col'),
       pg_indexam_has_property(a.oid, 'can_include'),
       pg_indexam_has_property(a.oid, 'can_exclude')
FROM pg_am a WHERE a.amtype = 'i'
ORDER BY 1
"""

OPCLASSES = f"""
SELECT a.amname, c.opcname, format_type(c.opcintype, NULL), c.opcdefault,
       {OWNER.format(catalog="pg_opclass", alias="c")}
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod JOIN pg_namespace n ON n.oid = c.opcnamespace
WHERE n.nspname IN ('pg_catalog', 'public')
ORDER BY 1, 2
"""

# Collations usable in a UTF8 database (encoding -1 means any encoding).
COLLATIONS = """
SELECT c.collname, c.collprovider
FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname = 'pg_catalog' AND c.collencoding IN (-1, pg_char_to_encoding('UTF8'))
ORDER BY 1
"""

TEXT_SEARCH_CONFIGS = """
SELECT c.cfgname FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
WHERE n.nspname = 'pg_catalog' ORDER BY 1
"""

EXTENSIONS = """
SELECT v.name, v.version, coalesce(v.requires::text[], '{}')
FROM pg_available_extension_versions v JOIN pg_available_extensions a ON a.name = v.name
WHERE v.version = a.default_version
ORDER BY 1
"""

VERSION = "SELECT current_setting('server_version_num')::int, version()"


def read(conn: psycopg.Connection) -> dict[str | None, dict[str, Any]]:
    """The catalog the connection's database holds, split by owning extension (None: the core)."""
    parts: dict[str | None, dict[str, Any]] = defaultdict(
        lambda: {
            "types": {},
            "functions": defaultdict(list),
            "operators": defaultdict(list),
            "casts": defaultdict(list),
            "opclasses": defaultdict(dict),
        }
    )
    for name, typtype, category, preferred, collatable, of, owner in conn.execute(TYPES):
        parts[owner]["types"][name] = [typtype, category, preferred, collatable, of]
    for name, ret, args, kind, retset, volatile, ndefaults, variadic, owner in conn.execute(FUNCTIONS):
        flags = kind + ("s" if retset else "") + volatile
        parts[owner]["functions"][name].append([ret, args, flags, ndefaults, variadic])
    for name, left, right, result, owner in conn.execute(OPERATORS):
        parts[owner]["operators"][name].append([left, right, result])
    for source, target, context, method, owner in conn.execute(CASTS):
        parts[owner]["casts"][source].append([target, context + method])
    for am, name, intype, default, owner in conn.execute(OPCLASSES):
        parts[owner]["opclasses"][am][name] = [intype, default]
    return parts


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: plain(item) for key, item in sorted(value.items())}
    return value


def read_core(conn: psycopg.Connection) -> dict[str, Any]:
    """The core catalog of a new database: pg_catalog's objects, and plpgsql's (created in every
    database: template0 holds it)."""
    parts = read(conn)
    merged = parts.pop(None)
    for name, part in parts.items():
        if name != "plpgsql":
            raise SystemExit(f"unexpected extension {name} in a new database")
        for key in ("functions", "operators", "casts"):
            for fname, forms in part[key].items():
                merged[key][fname].extend(forms)
        merged["types"].update(part["types"])
    return plain(merged)


def collect(cluster: ThrowawayCluster) -> dict[str, Any]:
    dsn = cluster.create_database("catalog_core")
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(VERSION).fetchone()
        assert row is not None
        version_num, version_text = row
        merged = read_core(conn)
        access_methods = {
            name: {
                "can_order": order,
                "can_unique": unique,
                "can_multi_col": multi,
                "can_include": include,
                "can_exclude": exclude,
            }
            for name, order, unique, multi, include, exclude in conn.execute(ACCESS_METHODS)
        }
        collations = {name: provider for name, provider in conn.execute(COLLATIONS)}
        text_search_configs = [name for (name,) in conn.execute(TEXT_SEARCH_CONFIGS)]
        available = conn.execute(EXTENSIONS).fetchall()
    extensions: dict[str, Any] = {}
    for index, (name, version, requires) in enumerate(available):
        entry: dict[str, Any] = {"version": version, "requires": sorted(requires)}
        database = f"catalog_ext_{index}"
        dsn = cluster.create_database(database)
        try:
            with connect(dsn, autocommit=True) as conn:
                installed = conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,)).fetchone()
                if installed:
                    # plpgsql: in every database already, its objects read with the core's
                    entry["objects"] = {}
                    entry["preinstalled"] = True
                    extensions[name] = entry
                    continue
                try:
                    conn.execute(f'CREATE EXTENSION "{name}" CASCADE')
                except psycopg.Error as exc:
                    entry["objects"] = None
                    entry["error"] = str(exc).splitlines()[0]
                else:
                    owned = read(conn).get(name)
                    entry["objects"] = plain(owned) if owned else {}
        finally:
            cluster.drop_database(database)
        extensions[name] = entry
        print(f"  {name}: {'objects' if entry.get('objects') is not None else entry.get('error')}")
    return {
        "postgres": version_num // 10000,
        "server": version_text.split(" on ")[0],
        "generated_by": "scripts/builtin_catalog.py",
        **merged,
        "access_methods": access_methods,
        "collations": collations,
        "text_search_configs": text_search_configs,
        "extensions": extensions,
    }


def dump(catalog: dict[str, Any]) -> str:
    """Compact JSON, one line per top-level entry of each section, so a diff shows what changed."""
    lines = ["{"]
    keys = list(catalog)
    for i, key in enumerate(keys):
        value = catalog[key]
        comma = "," if i < len(keys) - 1 else ""
        if isinstance(value, dict) and value and key != "access_methods":
            lines.append(f"{json.dumps(key)}: {{")
            items = list(value.items())
            for j, (name, item) in enumerate(items):
                inner = "," if j < len(items) - 1 else ""
                text = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
                lines.append(f"  {json.dumps(name, ensure_ascii=False)}: {text}{inner}")
            lines.append(f"}}{comma}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("-o", "--output", type=Path, help="default: schemagen/postgres/builtins/pgNN.json")
    args = parser.parse_args()
    with ThrowawayCluster() as cluster:
        catalog = collect(cluster)
    output = args.output or OUTPUT_DIR / f"pg{catalog['postgres']}.json"
    output.write_text(dump(catalog), encoding="utf-8")
    print(f"wrote {output} ({catalog['server']})")


if __name__ == "__main__":
    main()
