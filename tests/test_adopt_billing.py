"""Adopting an application's database as its framework wrote it: the structure.sql of a billing
application (Rails' layout: owned sequences, unique indexes, a partitioned table with an index and a
check of one partition, domains, functions, triggers, grants, row-level security, a quoted table)
with rows in it, through the command line. Inspect writes a spec whose schema.sql builds the same
catalog in an empty database; baseline accepts the database, drift finds nothing; then a migration
changes it, up and down, with every row kept."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from catalog import Catalog, assert_catalog_equal, snapshot
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.database.live import connect
from tests.commandline import edit

FIXTURES = Path(__file__).parent / "adoption"
SCHEMAS = ("public", "reporting")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--show-all"] if args[0] == "inspect" else list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, SCHEMAS)


def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows (but the column the migration adds)."""
    found = {}
    with connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(
                f"SELECT (to_jsonb(t) - 'memo')::text AS r FROM {table} AS t ORDER BY r"
            ).fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_a_rails_billing_database_is_adopted_and_migrates_with_its_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((FIXTURES / "billing_structure.sql").read_bytes())
        conn.execute((FIXTURES / "billing_rows.sql").read_bytes())
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn)
    assert len(rows) >= 30

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    warnings = sorted(line for line in err.splitlines() if line.startswith("warning"))
    assert warnings == [], "\n".join(warnings)  # nothing is left out

    code, _, err = run("render", "spec")
    assert code == 0, err
    assert_catalog_equal(applied(fresh("s"), workdir / "generated" / "schema.sql"), before)
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # one migration changes a column, an index, a check, a trigger, a partition's own index, a grant
    # and a replica identity; up, then down, with every row kept
    entities = workdir / "spec" / "entities.yaml"
    edit(
        entities,
        "      finalized_at: timestamp(6)?\n",
        "      finalized_at: timestamp(6)?\n      memo: text?\n",
    )
    edit(
        entities,
        "    - {name: index_invoices_on_number, columns: [number], unique: true}\n",
        "    - {name: index_invoices_on_number, columns: [number], unique: true}\n"
        "    - {columns: [customer_id, due_on]}\n",
    )
    edit(
        entities,
        "name: coupons_one_discount}\n",
        "name: coupons_one_discount}\n      redemptions: max_redemptions IS NULL OR max_redemptions > 0\n",
    )
    edit(
        entities,
        "    - {name: index_users_on_reset_password_token, columns: [reset_password_token], unique: true}\n",
        "    - {name: index_users_on_reset_password_token, columns: [reset_password_token], unique: true}\n"
        "    triggers:\n"
        "      users_set_updated_at: {function: set_updated_at, timing: before, events: [update], for_each: row}\n",
    )
    edit(
        entities,
        "        '2024_03':\n          indexes:\n",
        "        '2024_02':\n          indexes:\n          - {columns: [recorded_at DESC]}\n"
        "        '2024_03':\n          indexes:\n",
    )
    edit(
        entities,
        "name: fk_rails_d4967b305e}\n",
        "name: fk_rails_d4967b305e}\n    grants:\n      billing_readonly: [select]\n",
    )
    edit(entities, "    replica_identity: full\n", "")
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    for expected in (
        "ADD COLUMN IF NOT EXISTS memo text",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_customer_id_due_on_idx",
        "VALIDATE CONSTRAINT coupons_redemptions_check",
        "CREATE TRIGGER users_set_updated_at",
        "usage_records_2024_02_recorded_at_idx",
        "GRANT SELECT ON TABLE public.payouts TO billing_readonly",
        "REPLICA IDENTITY DEFAULT",
    ):
        assert expected in up, expected
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert fingerprint(pg_dsn) == rows
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn) == rows
