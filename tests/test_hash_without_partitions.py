"""A hash-partitioned table with no partitions yet (`modulus: 0`), as a database may hold one: it
validates, renders and adopts; a migration to a modulus creates its partitions, and one back to 0
drops them with their rows (flagged). Up and down: the catalog is a fresh render's each time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal, snapshot
from tests.commandline import edit, run

SPEC = """\
project: {name: sessions}
entities:
  sessions:
    columns:
      id: bigint
      user_id: bigint
    partition:
      hash: {key: user_id, modulus: 0}
"""


def catalog(dsn: str) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        return dict(snapshot(conn, ("public",)))


def fresh_catalog(dsn: str, schema_sql: Path) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_a_hash_scheme_without_partitions_migrates_to_a_modulus_and_back(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "spec.yaml"
    spec.write_text(SPEC)
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    assert "PARTITION OF" not in (workdir / "generated" / "schema.sql").read_text()
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    before = catalog(pg_dsn)
    # what inspect writes of it is the same spec again
    code, out, err = run("inspect", "--dsn", pg_dsn, "-o", "inspected")
    assert code == 0, out + err
    assert "modulus: 0" in (workdir / "inspected" / "entities.yaml").read_text()
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    edit(spec, "modulus: 0", "modulus: 4")
    assert run("render", "spec")[0] == 0
    code, out, err = run("migrate", "new", "four", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), fresh_catalog(fresh("a"), workdir / "generated" / "schema.sql"))
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO sessions SELECT g, g % 17 FROM generate_series(1, 200) g")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    down = next((workdir / "generated" / "migrations").glob("0002_*.down.sql")).read_text()
    assert "with their rows" in down, down  # the partitions and their rows go: said in the header
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
