"""Partitions in another schema than their table (`names:` pins `schema.name`): schema.sql creates them
there, and migrations change them as they change partitions in the table's schema — created, dropped,
renamed, moved between schemas, given rows out of a DEFAULT partition or merged into it, split under
a parent of their own, kept where they are while their table is renamed or moved — up and down, with
every row kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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


YEARS = {
    "2023": "['2023-01-01', '2024-01-01']",
    "2024": "['2024-01-01', '2025-01-01']",
}
# rows in 2023 and 2024, and in 2025 (the DEFAULT partition's, where there is one)
ROWS = "INSERT INTO events SELECT i, date '2023-01-01' + i * 3, 'n' || i FROM generate_series(0, 330) i"


def with_default(bounds: dict[str, str], names: str) -> str:
    return spec_text(bounds, names).replace("\n      names:", "\n        default: true\n      names:")


TWO_LEVELS = (
    PROJECT + "entities:\n  events:\n    columns: {id: bigint, region: text, note: text?}\n"
    "    primary_key: [id, region]\n    indexes: [{columns: [note]}]\n"
    "    partition:\n      list:\n        key: region\n        values: VALUES\n"
    "      names: NAMES\n      then:\n        hash: {key: id, modulus: MODULUS}\n"
)


def two_levels(values: str, names: str, modulus: int) -> str:
    return TWO_LEVELS.replace("VALUES", values).replace("NAMES", names).replace("MODULUS", str(modulus))


HASHED = (
    PROJECT + "entities:\n  events:\n    columns: {id: bigint, at: date, note: text?}\n"
    "    primary_key: [id, at]\n    indexes: [{columns: [note]}]\n"
    "    partition:\n      hash: {key: id, modulus: MODULUS}\n      names: NAMES\n"
)

CASES = {
    # (the spec before, its rows, the spec after, the table after)
    "a partition renamed in its schema": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        spec_text(YEARS, "{'2023': old stuff.events_of_2023}"),
        "events",
    ),
    "a partition's own index and check": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        spec_text(YEARS, "{'2023': old stuff.events_2023}")
        + "      objects: {'2023': {indexes: [{columns: [id, note]}], checks: {positive: id >= 0}}}\n",
        "events",
    ),
    "partitions moved between schemas": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        spec_text(YEARS, "{'2024': old stuff.events_2024}"),
        "events",
    ),
    "a new partition takes its rows out of the DEFAULT partition": (
        with_default(YEARS, "{'2023': old stuff.events_2023, default: old stuff.events_rest}"),
        ROWS,
        with_default(
            {**YEARS, "2025": "['2025-01-01', '2026-01-01']"},
            "{'2023': old stuff.events_2023, '2025': old stuff.events_2025, default: old stuff.events_rest}",
        ),
        "events",
    ),
    "a partition merged into the DEFAULT partition": (
        with_default(YEARS, "{'2023': old stuff.events_2023, default: old stuff.events_rest}"),
        ROWS,
        with_default({"2024": YEARS["2024"]}, "{default: old stuff.events_rest}"),
        "events",
    ),
    "the table renamed": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        spec_text(YEARS, "{'2023': old stuff.events_2023}").replace(
            "  events:\n", "  happenings:\n    renamed_from: events\n"
        ),
        "happenings",
    ),
    "the table renamed and moved to another schema at once": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        spec_text(YEARS, "{'2023': old stuff.events_2023}").replace(
            "  events:\n", "  happenings:\n    renamed_from: events\n    schema: archive\n"
        ),
        "archive.happenings",
    ),
    "the table moved to another schema": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        spec_text(YEARS, "{'2023': old stuff.events_2023}").replace(
            "  events:\n", "  events:\n    schema: archive\n"
        ),
        "archive.events",
    ),
    "the table rebuilt with another partition key": (
        spec_text(YEARS, "{'2023': old stuff.events_2023}"),
        ROWS.replace("330", "200"),
        PROJECT + "entities:\n  events:\n    columns: {id: bigint, at: date, note: text?}\n"
        "    primary_key: [id, at]\n    indexes: [{columns: [note]}]\n"
        "    partition:\n      hash: {key: id, modulus: 2}\n      names: {p0: old stuff.events_p0}\n",
        "events",
    ),
    "hash partitions split where the spec puts them": (
        HASHED.replace("MODULUS", "2").replace("NAMES", "{p0: old stuff.events_p0}"),
        ROWS.replace("330", "200"),
        HASHED.replace("MODULUS", "4").replace("NAMES", "{p0: old stuff.events_p0, p2: old stuff.events_p2}"),
        "events",
    ),
    "partitions split under a partition of its own schema": (
        two_levels("{eu: [de, fr], us: [us]}", "{eu: old stuff.events_eu}", 2),
        "INSERT INTO events SELECT i, (ARRAY['de', 'fr', 'us'])[1 + i % 3], 'n' || i FROM generate_series(1, 300) i",
        two_levels(
            "{eu: [de, fr], us: [us], ch: [ch]}", "{eu: old stuff.events_eu, ch: old stuff.events_ch}", 4
        ),
        "events",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_partitions_in_another_schema_migrate_up_and_down_with_their_rows(
    case: str, workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    first, insert, second, table = CASES[case]
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(first.replace("schemas: [old stuff]", "schemas: [old stuff, archive]"))
    code, out, err = run("migrate", "new", "initial", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(insert)
    schemas = (*SCHEMAS, "archive")
    with connect(pg_dsn, autocommit=True) as conn:
        before = snapshot(conn, schemas)
        kept = conn.execute("SELECT e::text FROM events e ORDER BY 1").fetchall()
        placed = conn.execute("SELECT tableoid::regclass::text, e::text FROM events e ORDER BY 2").fetchall()
    assert any(where.startswith('"old stuff".') for where, _ in placed), placed

    (spec / "a.yaml").write_text(second.replace("schemas: [old stuff]", "schemas: [old stuff, archive]"))
    code, out, err = run("migrate", "new", "change", "spec")
    assert code == 0, out + err
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(fresh("a"), autocommit=True) as conn:
        conn.execute((workdir / "generated" / "schema.sql").read_bytes())
        wanted = snapshot(conn, schemas)
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, schemas), wanted)
        assert conn.execute(f"SELECT e::text FROM {table} e ORDER BY 1").fetchall() == kept
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, schemas), before)
        again = conn.execute("SELECT tableoid::regclass::text, e::text FROM events e ORDER BY 2").fetchall()
    assert again == placed


WINDOW = (
    PROJECT + "entities:\n  events:\n    columns: {id: bigint, at: date, note: text?}\n"
    "    primary_key: [id, at]\n    indexes: [{columns: [note]}]\n"
    "    partition:\n      range:\n        key: at\n        every: year\n        from: FROM\n"
    "        to: 2026-01-01\n        default: true\n        retain: 1 year\n        expire: detach\n"
    "      names: {'2023': old stuff.events_2023, '2024': old stuff.events_2024}\n"
)


def test_a_period_in_another_schema_expires_and_comes_back_with_its_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(WINDOW.replace("FROM", "2023-01-01"))
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(ROWS.replace("330", "300"))
    before, kept = catalog(pg_dsn), rows(pg_dsn)

    # `from:` moves forward: the period 2023 is detached where it lives, with its rows
    (spec / "a.yaml").write_text(
        WINDOW.replace("FROM", "2024-01-01").replace("'2023': old stuff.events_2023, ", "")
    )
    code, out, err = run("migrate", "new", "expire", "spec")
    assert code == 0, out + err
    up = (workdir / "generated" / "migrations" / "0002_expire.up.sql").read_text()
    assert 'DETACH PARTITION "old stuff".events_2023' in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert rows(pg_dsn) == [r for r in kept if r[0] != '"old stuff".events_2023']
    with connect(pg_dsn, autocommit=True) as conn:
        detached = conn.execute('SELECT count(*) FROM "old stuff".events_2023').fetchone()
    assert detached == (sum(r[0] == '"old stuff".events_2023' for r in kept),)

    # and back: the detached period is attached again, its rows with it
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert rows(pg_dsn) == kept


def test_maintenance_finishes_a_half_done_detach_of_a_period_in_another_schema(
    workdir: Path, pg_dsn: str
) -> None:
    """A DETACH … CONCURRENTLY of an expiring period that stopped between its two transactions (here:
    cancelled while it waited for an older snapshot) is finished with FINALIZE where the period lives."""
    import threading
    import time

    spec = workdir / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(WINDOW.replace("FROM", "2023-01-01").replace("        default: true\n", ""))
    assert run("migrate", "new", "initial", "spec")[0] == 0
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO events SELECT i, date '2023-01-01' + i, NULL FROM generate_series(0, 900) i"
        )
        total = conn.execute("SELECT count(*) FROM events WHERE at >= '2024-01-01'").fetchone()
    with connect(pg_dsn) as reader, connect(pg_dsn, autocommit=True) as detacher:
        reader.execute("SELECT count(*) FROM events").fetchone()  # an older snapshot, held
        pid = detacher.execute("SELECT pg_backend_pid()").fetchone()[0]
        failed: list[BaseException] = []

        def detach() -> None:
            try:
                detacher.execute('ALTER TABLE events DETACH PARTITION "old stuff".events_2023 CONCURRENTLY')
            except Exception as exc:  # cancelled, as intended
                failed.append(exc)

        thread = threading.Thread(target=detach)
        thread.start()
        with connect(pg_dsn, autocommit=True) as watcher:
            for _ in range(200):
                waiting = watcher.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", [pid]
                ).fetchone()
                if waiting == ("virtualxid",):
                    break
                time.sleep(0.05)
            watcher.execute("SELECT pg_cancel_backend(%s)", [pid])
        thread.join(10)
        reader.rollback()
    assert failed, "the detach was not interrupted"
    with connect(pg_dsn, autocommit=True) as conn:
        pending = conn.execute(
            "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = '\"old stuff\".events_2023'::regclass"
        ).fetchone()
    assert pending == (True,)

    code, out, err = run("partitions", "maintain", "spec", "--dsn", pg_dsn, "--today", "2025-06-01")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        attached = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhrelid = '\"old stuff\".events_2023'::regclass"
        ).fetchone()
        assert attached == (0,)  # detached where it lives, and kept (`expire: detach`)
        assert conn.execute("SELECT count(*) FROM events").fetchone() == total
        assert conn.execute('SELECT count(*) FROM "old stuff".events_2023').fetchone() == (365,)
