"""A partitioned table with no partitions yet (hash `modulus: 0`, list `values: {}`, range
`bounds: {}`), as a database may hold one: it validates, renders and adopts; a migration gives it its
partitions, and one back drops them with their rows (flagged). Up and down: the catalog is a fresh
render's each time, and drift is empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog

SPEC = """\
project: {name: sessions}
entities:
  sessions:
    columns:
      id: bigint
      region: text
      at: date
    partition:
      PARTITION
"""

CASES = {
    "hash": ("hash: {key: id, modulus: 0}", "hash: {key: id, modulus: 4}", "modulus: 0"),
    "list": (
        "list: {key: region, values: {}}",
        "list: {key: region, values: {eu: [de, fr], us: [us]}}",
        "values: {}",
    ),
    "range": (
        "range: {key: at, bounds: {}}",
        "range: {key: at, bounds: {y2024: ['2024-01-01', '2025-01-01']}}",
        "bounds: {}",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_scheme_without_partitions_gets_them_and_back(
    kind: str, workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    empty, filled, written = CASES[kind]
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "spec.yaml"
    spec.write_text(SPEC.replace("PARTITION", empty))
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    assert "PARTITION OF" not in (workdir / "generated" / "schema.sql").read_text()
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    before = catalog(pg_dsn)
    code, out, err = run("inspect", "--dsn", pg_dsn, "-o", "inspected")  # written as the spec says it
    assert code == 0, out + err
    assert written in (workdir / "inspected" / "entities.yaml").read_text()
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    edit(spec, empty, filled)
    assert run("render", "spec")[0] == 0
    code, out, err = run("migrate", "new", "partitions", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO sessions SELECT g, (ARRAY['de', 'fr', 'us'])[1 + g % 3], date '2024-01-01' + g"
            " FROM generate_series(1, 200) g"
        )
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    down = next((workdir / "generated" / "migrations").glob("0002_*.down.sql")).read_text()
    assert "with their rows" in down, down  # the partitions and their rows go: said in the header
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
