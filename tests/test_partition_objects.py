"""Indexes, foreign keys and checks that one partition has of its own (its parent lacks them), as Pagila's
`payment` partitions have: adopted from a database (inspect writes them under `partition: {objects:
…}`, schema.sql builds the same catalog, a baseline is accepted, drift is empty), and each kind of
change to them migrates up and down with the rows kept."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import edit, run

HAND_MADE = """
CREATE TABLE customer (customer_id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE staff (staff_id integer PRIMARY KEY);
CREATE TABLE payment (
    payment_id integer NOT NULL,
    customer_id integer NOT NULL,
    staff_id integer NOT NULL,
    amount numeric(5,2) NOT NULL,
    payment_date timestamptz NOT NULL,
    PRIMARY KEY (payment_date, payment_id)
) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment
    FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');
CREATE TABLE payment_p2022_02 PARTITION OF payment
    FOR VALUES FROM ('2022-02-01 00:00:00+00') TO ('2022-03-01 00:00:00+00');
CREATE TABLE payment_p2022_03 PARTITION OF payment
    FOR VALUES FROM ('2022-03-01 00:00:00+00') TO ('2022-04-01 00:00:00+00');
CREATE INDEX ON payment (staff_id);
CREATE INDEX idx_fk_payment_p2022_01_customer_id ON payment_p2022_01 (customer_id);
CREATE INDEX ON payment_p2022_01 (customer_id, amount DESC);
ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES customer (customer_id);
CREATE INDEX ON payment_p2022_02 (customer_id, lower(amount::text) DESC NULLS LAST);
ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_staff_id_fkey
    FOREIGN KEY (staff_id) REFERENCES staff (staff_id) ON DELETE CASCADE;
ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_amount_check CHECK (amount >= 0);
"""

ROWS = """
INSERT INTO customer SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
INSERT INTO staff SELECT g FROM generate_series(1, 3) g;
INSERT INTO payment
    SELECT g, 1 + g % 50, 1 + g % 3, (g % 100) + 0.99, timestamptz '2022-01-01 00:00+00' + g * interval '5 hours'
    FROM generate_series(1, 400) g;
"""


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, ("public",))


def digest(dsn: str) -> dict[str, tuple[int, str]]:
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for table in ("customer", "staff", "payment"):
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def own_objects(dsn: str) -> dict[str, list[str]]:
    """Per partition: the definitions of its indexes, foreign keys and checks (its own and its clones)."""
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'payment_p%' "
            "UNION ALL SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype IN ('f', 'c') AND conrelid::regclass::text LIKE 'payment_p%' "
            "ORDER BY 1, 2"
        ).fetchall()
    found: dict[str, list[str]] = {}
    for table, text in rows:
        found.setdefault(table, []).append(text)
    return found


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_partition_objects_are_adopted_and_migrate_with_the_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before, rows, objects = catalog(pg_dsn), digest(pg_dsn), own_objects(pg_dsn)

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "partition" not in err, err  # nothing of the partitions is left out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "      objects:\n        p2022_01:\n" in entities
    assert "- {name: idx_fk_payment_p2022_01_customer_id, columns: [customer_id]}" in entities
    assert "- {columns: [customer_id], references: customer}" in entities
    assert "- {columns: [staff_id], references: staff, on_delete: cascade}" in entities
    assert "          checks:\n            amount: amount >= 0::numeric\n" in entities

    code, _, err = run("render", "spec")
    assert code == 0, err
    empty = fresh("s")
    assert_catalog_equal(applied(empty, workdir / "generated" / "schema.sql"), before)
    assert own_objects(empty) == objects
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert "partition" not in err, err

    # an index added to a partition that stays, one changed, one dropped; a key added and one
    # changed; a period added to the window, with objects of its own
    spec = workdir / "spec" / "entities.yaml"
    edit(spec, "to: 2022-04-01", "to: 2022-05-01")
    edit(spec, "          - {columns: [customer_id, amount DESC]}\n", "")
    edit(
        spec,
        "        p2022_01:\n          indexes:\n",
        "        p2022_01:\n          checks: {positive: amount > 0}\n          indexes:\n"
        "          - {columns: [staff_id, payment_id]}\n",
    )
    edit(spec, "amount: amount >= 0::numeric", "amount: amount >= 0.5")
    edit(spec, "order: desc, nulls: last}", "order: asc}")
    edit(spec, "references: staff, on_delete: cascade}", "references: staff}")
    edit(
        spec,
        "        p2022_02:\n",
        "        p2022_03:\n"
        "          foreign_keys: [{columns: [customer_id], references: customer}]\n"
        "        p2022_04:\n"
        "          indexes: [{columns: [customer_id]}]\n"
        "          foreign_keys: [{columns: [staff_id], references: staff}]\n"
        "        p2022_02:\n",
    )
    edit(
        spec,
        "'2022_03': payment_p2022_03\n",
        "'2022_03': payment_p2022_03\n        '2022_04': payment_p2022_04\n",
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "objects", "spec")
    assert code == 0, err
    up = (workdir / "generated" / "migrations" / "0002_objects.up.sql").read_text()
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS payment_p2022_01_staff_id_payment_id_idx" in up
    assert "NOT VALID" in up and "VALIDATE CONSTRAINT payment_p2022_03_customer_id_fkey" in up
    assert "VALIDATE CONSTRAINT payment_p2022_01_positive_check" in up
    assert "DROP CONSTRAINT IF EXISTS payment_p2022_02_amount_check" in up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert digest(pg_dsn) == rows
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert own_objects(pg_dsn) == objects
    assert digest(pg_dsn) == rows
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0


def test_objects_of_a_partition_the_spec_does_not_declare_are_an_error(workdir: Path) -> None:
    (workdir / "spec").mkdir()
    (workdir / "spec" / "a.yaml").write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  payment:\n"
        "    columns: {id: bigint, paid_at: date}\n"
        "    partition:\n"
        "      range: {key: paid_at, every: month, from: 2022-01-01, to: 2022-03-01}\n"
        "      objects:\n"
        "        2022_03: {indexes: [{columns: [id]}]}\n"
    )
    code, out, err = run("check", "spec")
    assert code != 0
    assert "SG312" in out + err and "a.yaml:8" in out + err, out + err


def test_a_reshard_builds_the_objects_again_on_a_partition_rebuilt_under_its_name(
    workdir: Path, pg_dsn: str
) -> None:
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "a.yaml"
    spec.write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  customers:\n"
        "    columns: {id: bigint, name: text}\n"
        "    primary_key: [id]\n"
        "  orders:\n"
        "    columns: {id: bigint, customer_id: bigint, note: text}\n"
        "    primary_key: [id]\n"
        "    partition:\n"
        "      hash: {key: id, modulus: 2}\n"
        "      objects:\n"
        "        p0:\n"
        "          indexes: [{columns: [customer_id]}]\n"
        "          foreign_keys: [{columns: [customer_id], references: customers}]\n"
    )
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 20) g")
        conn.execute("INSERT INTO orders SELECT g, 1 + g % 20, 'n' || g FROM generate_series(1, 300) g")
    before = catalog(pg_dsn)
    with connect(pg_dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM orders ORDER BY id").fetchall()

    edit(spec, "modulus: 2", "modulus: 4")
    code, _, err = run("migrate", "new", "reshard", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM orders ORDER BY id").fetchall() == rows
        (indexes,) = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'orders_p0' AND indexname = 'orders_p0_customer_id_idx'"
        ).fetchone()
        (keys,) = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'orders_p0_customer_id_fkey' AND convalidated"
        ).fetchone()
    assert (indexes, keys) == (1, 1)

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM orders ORDER BY id").fetchall() == rows


def test_a_partition_object_is_checked_as_a_table_s_own_is(workdir: Path) -> None:
    (workdir / "spec").mkdir()
    (workdir / "spec" / "a.yaml").write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  customers:\n"
        "    columns: {id: bigint, name: text}\n"
        "  payment:\n"
        "    columns: {id: bigint, customer_id: bigint, paid_at: timestamptz}\n"
        "    partition:\n"
        "      range: {key: paid_at, every: month, from: 2022-01-01, to: 2022-03-01}\n"
        "      objects:\n"
        "        2022_01:\n"
        "          indexes:\n"
        "            - columns: [customer_idd]\n"
        "            - columns: [id, {expression: date(paid_at)}]\n"
        "          foreign_keys: [{columns: [customer_id], references: {table: customers, columns: [name]}}]\n"
        "          checks: {bad: 'customer > 0'}\n"
    )
    code, out, err = run("check", "spec")
    assert code != 0
    found = out + err
    for code_, line in (("SG401", 12), ("SG102", 13), ("SG203", 14), ("SG204", 14), ("SG401", 15)):
        assert re.search(rf"{code_}\].*\n\s+--> spec/a.yaml:{line}:", found), (code_, found)


def test_a_renamed_table_renames_its_partitions_own_objects(workdir: Path, pg_dsn: str) -> None:
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "a.yaml"
    spec.write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  customers:\n"
        "    columns: {id: bigint, name: text}\n"
        "    primary_key: [id]\n"
        "  payments:\n"
        "    columns: {id: bigint, customer_id: bigint, paid_at: date}\n"
        "    primary_key: [id, paid_at]\n"
        "    partition:\n"
        "      range: {key: paid_at, every: month, from: 2022-01-01, to: 2022-03-01}\n"
        "      objects:\n"
        "        2022_01:\n"
        "          indexes: [{columns: [customer_id]}, {columns: [id], name: kept_name}]\n"
        "          foreign_keys: [{columns: [customer_id], references: customers}]\n"
    )
    assert run("migrate", "new", "initial", "spec")[0] == 0
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 20) g")
        conn.execute(
            "INSERT INTO payments SELECT g, 1 + g % 20, date '2022-01-01' + g % 59 FROM generate_series(1, 300) g"
        )
    before = catalog(pg_dsn)
    edit(spec, "  payments:\n", "  bills:\n    renamed_from: payments\n")
    code, _, err = run("migrate", "new", "rename", "spec")
    assert code == 0, err
    up = (workdir / "generated" / "migrations" / "0002_rename.up.sql").read_text()
    assert "RENAME CONSTRAINT payments_2022_01_customer_id_fkey TO bills_2022_01_customer_id_fkey" in up
    assert "payments_2022_01_customer_id_idx RENAME TO bills_2022_01_customer_id_idx" in up
    assert "DROP" not in up and "kept_name" not in up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)


def test_objects_below_the_first_level_are_an_error_at_their_line(workdir: Path) -> None:
    (workdir / "spec").mkdir()
    (workdir / "spec" / "a.yaml").write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  payment:\n"
        "    columns: {id: bigint, paid_at: date, kind: text}\n"
        "    partition:\n"
        "      range: {key: paid_at, every: month, from: 2022-01-01, to: 2022-03-01}\n"
        "      then:\n"
        "        list: {key: kind, values: {a: [a], b: [b]}}\n"
        "        objects:\n"
        "          2022_01_a: {indexes: [{columns: [id]}]}\n"
    )
    code, out, err = run("check", "spec")
    assert code != 0
    assert "SG312" in out + err and "a.yaml:9" in out + err, out + err


def test_an_own_index_is_not_named_as_a_clone_of_its_parent_s(workdir: Path, pg_dsn: str) -> None:
    (workdir / "spec").mkdir()
    (workdir / "spec" / "a.yaml").write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  payments:\n"
        "    columns: {id: bigint, customer_id: bigint, paid_at: date}\n"
        "    primary_key: [id, paid_at]\n"
        "    indexes: [{columns: [customer_id]}]\n"
        "    partition:\n"
        "      range: {key: paid_at, every: month, from: 2022-01-01, to: 2022-03-01}\n"
        "      objects:\n"
        "        2022_01: {indexes: [{columns: [customer_id], where: id > 0}]}\n"
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    schema_sql = (workdir / "generated" / "schema.sql").read_text()
    assert "CREATE INDEX payments_2022_01_customer_id_idx1 ON public.payments_2022_01" in schema_sql
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(schema_sql.encode())
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "again")
    assert code == 0, err
    assert "- {columns: [customer_id], where: id > 0}" in (workdir / "again" / "entities.yaml").read_text()


def test_a_rebuilt_table_gets_its_partitions_objects_again(workdir: Path, pg_dsn: str) -> None:
    """A partitioning that changes rebuilds the table with its rows; the partitions' own objects are
    created on the new partitions in the same transaction, which locks only what existed before."""
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "a.yaml"
    spec.write_text(
        "project: {name: shop}\n"
        "entities:\n"
        "  customers:\n"
        "    columns: {id: bigint, name: text}\n"
        "    primary_key: [id]\n"
        "  orders:\n"
        "    columns: {id: bigint, customer_id: bigint, at: date}\n"
        "    primary_key: [id, at]\n"
        "    partition:\n"
        "      range: {key: at, every: month, from: 2022-01-01, to: 2022-03-01}\n"
        "      objects:\n"
        "        2022_01:\n"
        "          indexes: [{columns: [customer_id]}]\n"
        "          foreign_keys: [{columns: [customer_id], references: customers}]\n"
    )
    assert run("migrate", "new", "initial", "spec")[0] == 0
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO customers SELECT g, 'c' FROM generate_series(1, 5) g")
        conn.execute(
            "INSERT INTO orders SELECT g, 1 + g % 5, date '2022-01-01' + g % 50 FROM generate_series(1, 100) g"
        )
        rows = conn.execute("SELECT * FROM orders ORDER BY id").fetchall()
    before = catalog(pg_dsn)
    edit(spec, "primary_key: [id, at]", "primary_key: [id, at, customer_id]")
    edit(
        spec,
        "range: {key: at, every: month, from: 2022-01-01, to: 2022-03-01}",
        "hash: {key: customer_id, modulus: 2}",
    )
    edit(spec, "        2022_01:\n", "        p0:\n")
    code, _, err = run("migrate", "new", "rekey", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT * FROM orders ORDER BY id").fetchall() == rows
        (keys,) = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'orders_p0_customer_id_fkey' AND convalidated"
        ).fetchone()
    assert keys == 1
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
