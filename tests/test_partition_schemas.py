"""Partitions in another schema than their table (`names:` pins `schema.name`): schema.sql creates them
there, and migrations create and drop such partitions of the first level, up and down, with the rows
of the others kept; what else would touch one (a rename, rows moved out of it) is refused with the
reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import run

SCHEMAS = ("public", "old stuff")
PROJECT = "project: {name: t, postgres: 15, schemas: [old stuff]}\n"


def spec_text(bounds: dict[str, str], names: str) -> str:
    lines = "".join(f"          '{key}': {bound}\n" for key, bound in bounds.items())
    return (
        PROJECT + "entities:\n  events:\n    columns: {id: bigint, at: date, note: text?}\n"
        "    primary_key: [id, at]\n    indexes: [{columns: [note]}]\n"
        "    partition:\n      range:\n        key: at\n        bounds:\n"
        f"{lines}      names: {names}\n"
    )


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, SCHEMAS)


def rows(dsn: str) -> list[tuple[object, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT tableoid::regclass::text, e.* FROM events e ORDER BY id").fetchall()


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_partitions_in_another_schema_are_created_and_dropped_with_the_rows_kept(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    bounds = {"2023": "['2023-01-01', '2024-01-01']", "2024": "['2024-01-01', '2025-01-01']"}
    (spec / "a.yaml").write_text(spec_text(bounds, "{'2023': old stuff.events_2023}"))
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    sql = (workdir / "generated" / "schema.sql").read_text()
    assert 'CREATE TABLE "old stuff".events_2023 PARTITION OF public.events' in sql
    assert "CREATE TABLE public.events_2024 PARTITION OF public.events" in sql
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO events SELECT i, date '2023-01-01' + i * 3, 'n' || i FROM generate_series(0, 200) i"
        )
    before, kept = catalog(pg_dsn), rows(pg_dsn)
    assert {r[0] for r in kept} == {'"old stuff".events_2023', "events_2024"}

    # a period added in the other schema and one in the table's
    more = {"2022": "['2022-01-01', '2023-01-01']", **bounds, "2025": "['2025-01-01', '2026-01-01']"}
    (spec / "a.yaml").write_text(
        spec_text(more, "{'2023': old stuff.events_2023, '2025': old stuff.events_2025}")
    )
    code, out, err = run("migrate", "new", "more", "spec")
    assert code == 0, out + err
    up = (workdir / "generated" / "migrations" / "0002_more.up.sql").read_text()
    down = (workdir / "generated" / "migrations" / "0002_more.down.sql").read_text()
    assert 'CREATE TABLE "old stuff".events_2025 PARTITION OF public.events' in up
    assert "CREATE TABLE public.events_2022 PARTITION OF public.events" in up
    assert 'DETACH PARTITION "old stuff".events_2025' in down
    assert 'DROP TABLE IF EXISTS "old stuff".events_2025' in down
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == kept
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept


def test_a_change_that_touches_a_partition_in_another_schema_is_refused(workdir: Path) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    bounds = {"2023": "['2023-01-01', '2024-01-01']", "2024": "['2024-01-01', '2025-01-01']"}
    (spec / "a.yaml").write_text(spec_text(bounds, "{'2023': old stuff.events_2023}"))
    assert run("migrate", "new", "initial", "spec")[0] == 0
    (spec / "a.yaml").write_text(spec_text(bounds, "{'2023': old stuff.events_of_2023}"))
    code, out, err = run("migrate", "new", "renamed", "spec")
    assert code != 0
    assert "old stuff.events_2023, which the change touches, lives in another schema" in out + err


def test_a_column_rename_renames_the_indexes_of_a_partition_in_another_schema(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    bounds = {"2023": "['2023-01-01', '2024-01-01']", "2024": "['2024-01-01', '2025-01-01']"}
    names = "{'2023': old stuff.events_2023}"
    (spec / "a.yaml").write_text(spec_text(bounds, names))
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO events SELECT i, date '2023-01-01' + i * 3, 'n' || i FROM generate_series(0, 200) i"
        )
    before, kept = catalog(pg_dsn), rows(pg_dsn)
    renamed = spec_text(bounds, names).replace(
        "note: text?}", "memo: {type: text, nullable: true, renamed_from: note}}"
    )
    (spec / "a.yaml").write_text(renamed.replace("{columns: [note]}", "{columns: [memo]}"))
    code, out, err = run("migrate", "new", "memo", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    after = catalog(pg_dsn)
    assert_catalog_equal(after, applied(fresh("a"), workdir / "generated" / "schema.sql"))
    with connect(pg_dsn, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT schemaname, indexname FROM pg_indexes WHERE indexname LIKE '%memo%' ORDER BY 1, 2"
        ).fetchall()
    assert indexes == [
        ("old stuff", "events_2023_memo_idx"),
        ("public", "events_2024_memo_idx"),
        ("public", "events_memo_idx"),
    ]
    assert [r[:3] for r in rows(pg_dsn)] == [r[:3] for r in kept]
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept
