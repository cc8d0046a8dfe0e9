"""Migrations of a table whose name another schema's table has too (`tenant_a.accounts` beside
`tenant_b.accounts`): renaming it, moving it to another schema, renaming one of its columns and
rebuilding it are planned as for any table. Each runs up and down on a database with rows: after up
the catalog is a fresh build's of the new spec, after down the one it started from, the rows are kept,
and the other schema's table of that name is not touched (not named by the migration, not rewritten)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from schemagen.database.live import connect
from schemagen.pipeline import compile_spec
from schemagen.plan import plan, plan_down
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import run
from tests.objects_roundtrip import applied as roundtrip_applied

SCHEMAS = ("public", "tenant_a", "tenant_b", "archive")

ACCOUNTS = (
    "    columns:\n"
    "      id: {type: bigint, serial: true, primary_key: true}\n"
    "      number: {type: bigint, identity: by_default}\n"
    "      email: text\n"
    "    indexes: [{columns: [email]}]\n"
)

SPEC = (
    "project: {name: t, postgres: 15, schemas: [tenant_a, tenant_b, archive]}\n"
    "entities:\n"
    f"  tenant_a.accounts:\n{ACCOUNTS}"
    f"  tenant_b.accounts:\n{ACCOUNTS}"
    "  tenant_b.invoices:\n"
    "    columns:\n"
    "      id: {type: bigint, identity: always, primary_key: true}\n"
    "      account_id: {type: bigint, references: tenant_b.accounts}\n"
    "views:\n"
    "  tenant_b.emails:\n"
    "    query: SELECT id, email FROM tenant_b.accounts\n"
)

ROWS = """
INSERT INTO tenant_a.accounts (email) SELECT 'a' || i || '@x' FROM generate_series(1, 40) i;
INSERT INTO tenant_b.accounts (email) SELECT 'b' || i || '@x' FROM generate_series(1, 30) i;
INSERT INTO tenant_b.invoices (account_id) SELECT 1 + i % 30 FROM generate_series(1, 90) i;
"""

RENAMED = (
    SPEC.replace(
        "  tenant_b.accounts:\n    columns:\n",
        "  tenant_b.customers:\n    renamed_from: tenant_b.accounts\n    columns:\n",
    )
    .replace("references: tenant_b.accounts}", "references: tenant_b.customers}")
    .replace("FROM tenant_b.accounts", "FROM tenant_b.customers")
)

MOVED = (
    SPEC.replace(
        "  tenant_b.accounts:\n    columns:\n",
        "  archive.accounts:\n    renamed_from: tenant_b.accounts\n    columns:\n",
    )
    .replace("references: tenant_b.accounts}", "references: archive.accounts}")
    .replace("FROM tenant_b.accounts", "FROM archive.accounts")
)


def with_column_renamed(text: str, key: str) -> str:
    """`text` with the `email` column of the entity `key` renamed `mail` (its index follows)."""
    head, _, tail = text.partition(f"  {key}:\n")
    body, sep, rest = tail.partition("  tenant_b.invoices:\n")
    body = body.replace("      email: text\n", "      mail: {type: text, renamed_from: email}\n", 1)
    body = body.replace("{columns: [email]}", "{columns: [mail]}", 1)
    # the view over it reads the new name
    rest = rest.replace(f"SELECT id, email FROM {key}", f"SELECT id, mail FROM {key}")
    return f"{head}  {key}:\n{body}{sep}{rest}"


def retyped(text: str, key: str) -> str:
    """`text` with the `email` column of the entity `key` in another collation: to PostgreSQL a new
    type, which it refuses while a view reads the column (the view is created again)."""
    head, _, tail = text.partition(f"  {key}:\n")
    return f"{head}  {key}:\n" + tail.replace(
        "      email: text\n", "      email: {type: text, collation: C}\n", 1
    )


PARTITIONED = SPEC.replace(
    f"  tenant_b.accounts:\n{ACCOUNTS}",
    f"  tenant_b.accounts:\n{ACCOUNTS}    partition: {{hash: {{key: id, modulus: 2}}}}\n",
)

CASES = {
    # (the new spec, each table of the old one → its name after the migration)
    "table renamed, with a column": (
        with_column_renamed(RENAMED, "tenant_b.customers"),
        {"tenant_b.accounts": "tenant_b.customers"},
    ),
    "table moved to another schema": (MOVED, {"tenant_b.accounts": "archive.accounts"}),
    "column renamed": (with_column_renamed(SPEC, "tenant_b.accounts"), {}),
    "column retyped under a view": (retyped(SPEC, "tenant_b.accounts"), {}),
    "table rebuilt partitioned": (PARTITIONED, {}),
}


def catalog(dsn: str, schemas: tuple[str, ...] = SCHEMAS) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, schemas)


def digest(dsn: str, tables: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows' values (not their column names), under the
    name `tables` gives it."""
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for was, table in tables.items():
            rows = conn.execute(f"SELECT t::text AS r FROM {table} AS t ORDER BY r").fetchall()
            found[was] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def storage_of(dsn: str, table: str) -> tuple[int, int]:
    """The table's OID and file: the same while nothing rebuilds or rewrites it."""
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT oid::int, relfilenode::int FROM pg_class WHERE oid = %s::regclass", (table,)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_table_of_a_shared_name_migrates_up_and_down_with_its_rows(
    case: str, workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    target, renamed = CASES[case]
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(SPEC)
    code, out, err = run("migrate", "new", "initial", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(ROWS)
    tables = ("tenant_a.accounts", "tenant_b.accounts", "tenant_b.invoices")
    before, rows = catalog(pg_dsn), digest(pg_dsn, {t: t for t in tables})
    other, other_storage = catalog(pg_dsn, ("tenant_a",)), storage_of(pg_dsn, "tenant_a.accounts")

    (spec / "a.yaml").write_text(target)
    code, out, err = run("migrate", "new", "change", "spec")
    assert code == 0, out + err
    migrations = workdir / "generated" / "migrations"
    up = (migrations / "0002_change.up.sql").read_text()
    down = (migrations / "0002_change.down.sql").read_text()
    assert "tenant_a" not in up and "tenant_a" not in down, up + down
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert digest(pg_dsn, {t: renamed.get(t, t) for t in tables}) == rows
    assert_catalog_equal(catalog(pg_dsn, ("tenant_a",)), other)
    assert storage_of(pg_dsn, "tenant_a.accounts") == other_storage
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert digest(pg_dsn, {t: t for t in tables}) == rows
    assert storage_of(pg_dsn, "tenant_a.accounts") == other_storage


def test_a_table_keyed_anew_in_its_place_is_the_same_table(tmp_path: Path) -> None:
    """`tenant_b.accounts` written as `accounts` with `schema: tenant_b` (or back) is no change."""
    before = tmp_path / "a"
    before.mkdir()
    (before / "a.yaml").write_text(SPEC)
    after = tmp_path / "b"
    after.mkdir()
    (after / "a.yaml").write_text(
        SPEC.replace("  tenant_b.accounts:\n", "  accounts:\n    schema: tenant_b\n").replace(
            "references: tenant_b.accounts}", "references: accounts}"
        )
    )
    a, b = compile_spec(before).model, compile_spec(after).model
    assert {t.key for t in b.tables} == {"tenant_a.accounts", "accounts", "tenant_b.invoices"}
    assert plan(a, b) == [] and plan_down(a, b) == []


KEPT_IN_PLACE_A = (
    "project: {name: t, postgres: 15, schemas: [goodschema]}\n"
    "entities:\n"
    "  t:\n    columns: {id: {type: bigint, primary_key: true}, value: text?}\n"
    "  goodschema.t:\n    columns: {id: {type: bigint, primary_key: true}, value: text?}\n"
)
KEPT_IN_PLACE_B = (
    "project: {name: t, postgres: 15, schema: goodschema}\n"
    "entities:\n"
    "  t:\n    columns: {id: {type: bigint, primary_key: true}, name: text?, value: text?}\n"
)


def test_the_table_at_a_place_continues_it_whatever_its_key(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    """Two inspections key one table apart (`goodschema.t` beside `public.t`, then `t` of `goodschema`
    alone): the table of `goodschema` is the one kept, `public.t` is dropped, and nothing is moved
    onto a table that is there (which failed: `relation "t" already exists in schema "goodschema"`).
    Down creates `public.t` again; `goodschema.t` keeps its rows both ways."""
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(KEPT_IN_PLACE_A)
    code, out, err = run("migrate", "new", "initial", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO goodschema.t SELECT i, 'g' || i FROM generate_series(1, 20) i")
        conn.execute("INSERT INTO public.t SELECT i, 'p' || i FROM generate_series(1, 5) i")
    schemas = ("public", "goodschema")
    before = catalog(pg_dsn, schemas)
    storage = storage_of(pg_dsn, "goodschema.t")

    (spec / "a.yaml").write_text(KEPT_IN_PLACE_B)
    code, out, err = run("migrate", "new", "change", "spec", "--allow-destructive")
    assert code == 0, out + err
    up = (workdir / "generated" / "migrations" / "0002_change.up.sql").read_text()
    assert "SET SCHEMA" not in up and "DROP TABLE IF EXISTS public.t;" in up, up
    assert "ALTER TABLE goodschema.t ADD COLUMN IF NOT EXISTS name text;" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(
        catalog(pg_dsn, schemas), roundtrip_applied(fresh("a"), workdir / "generated" / "schema.sql", schemas)
    )
    assert storage_of(pg_dsn, "goodschema.t") == storage  # the same table, not rewritten
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    down = (workdir / "generated" / "migrations" / "0002_change.down.sql").read_text()
    assert "SET SCHEMA" not in down and "CREATE TABLE public.t" in down, down
    assert_catalog_equal(catalog(pg_dsn, schemas), before)
    with connect(pg_dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT count(*) FROM goodschema.t WHERE value LIKE 'g%'").fetchone()
    assert rows == (20,)
    assert storage_of(pg_dsn, "goodschema.t") == storage


def test_a_rename_onto_a_table_the_migration_drops_is_refused(tmp_path: Path) -> None:
    """`b` renamed from `a` while the old `b` goes: PostgreSQL refuses the rename while `b` is there
    (and the old `b`'s key and sequence hold the names the new one takes), so the plan is refused with
    the fix instead of a migration that fails when applied."""
    from schemagen.plan import PlanError

    before, after = tmp_path / "a", tmp_path / "b"
    before.mkdir()
    after.mkdir()
    table = "    columns: {id: {type: bigint, serial: true, primary_key: true}}\n"
    (before / "a.yaml").write_text(f"project: {{name: t}}\nentities:\n  a:\n{table}  b:\n{table}")
    (after / "a.yaml").write_text(f"project: {{name: t}}\nentities:\n  b:\n    renamed_from: a\n{table}")
    a, b = compile_spec(before).model, compile_spec(after).model
    with pytest.raises(PlanError, match=r"is renamed to public\.b, where table public\.b is until"):
        plan(a, b)
    assert plan_down(a, b)  # back: `b` renamed to `a`, and `b` created again: nothing in the way


def test_a_table_created_where_a_dropped_partition_is_is_refused(tmp_path: Path) -> None:
    """A partition the spec no longer has and a table of its name (a partition detached to keep): the
    CREATE TABLE would run before the partition is dropped, so the plan is refused with the fix. A gap
    the removed partition leaves is a warning (SG305), as PostgreSQL allows it."""
    from schemagen.plan import PlanError

    before, after = tmp_path / "a", tmp_path / "b"
    before.mkdir()
    after.mkdir()
    columns = "    columns: {id: bigint, at: date}\n"
    bounds = (
        "y1: ['2024-01-01', '2024-02-01'], y2: ['2024-02-01', '2024-03-01'], y3: ['2024-03-01', '2024-04-01']"
    )
    (before / "a.yaml").write_text(
        f"project: {{name: t}}\nentities:\n  m:\n{columns}    partition: {{range: {{key: at, bounds: {{{bounds}}}}}}}\n"
    )
    kept = "y1: ['2024-01-01', '2024-02-01'], y3: ['2024-03-01', '2024-04-01']"
    (after / "a.yaml").write_text(
        f"project: {{name: t}}\nentities:\n  m:\n{columns}    partition: {{range: {{key: at, bounds: {{{kept}}}}}}}\n"
        f"  m_y2:\n{columns}"
    )
    a, compiled = compile_spec(before).model, compile_spec(after)
    assert [w.code for w in compiled.warnings] == ["SG305"]
    with pytest.raises(PlanError, match=r"table public\.m_y2 is created where partition m_y2 of m is"):
        plan(a, compiled.model)
