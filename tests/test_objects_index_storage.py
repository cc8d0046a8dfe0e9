"""Storage parameters of indexes (`storage:` on an index), checked against each access method's own:
inspected, rendered in CREATE INDEX … WITH (…), changed by ALTER INDEX … SET/RESET (not a rebuild) up
and down with the rows kept and drift empty; a parameter the method lacks is an error at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE TABLE docs (id bigint PRIMARY KEY, owner text NOT NULL, tags text[] NOT NULL, at date NOT NULL);
INSERT INTO docs SELECT g, 'u' || (g % 9), ARRAY['t' || (g % 4)], DATE '2026-01-01' + g % 60
    FROM generate_series(1, 500) g;
CREATE INDEX docs_owner_idx ON docs (owner) WITH (deduplicate_items = false, fillfactor = 70);
CREATE INDEX docs_tags_idx ON docs USING gin (tags) WITH (fastupdate = false);
CREATE INDEX docs_at_idx ON docs USING brin (at) WITH (pages_per_range = 32);
"""

TABLES = {"docs": "id, owner, tags, at"}


def options(dsn: str) -> dict[str, list[str] | None]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.reloptions FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'docs'::regclass AND NOT i.indisprimary"
        ).fetchall()
    return dict(rows)


def test_index_storage_round_trips_and_migrates(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "storage option" not in out
    entities = (workdir / "spec" / "entities.yaml").read_text()
    assert "storage: {deduplicate_items: false, fillfactor: 70}" in entities, entities
    assert "storage: {fastupdate: false}" in entities and "storage: {pages_per_range: 32}" in entities

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert "USING gin (tags) WITH (fastupdate = false);" in schema_sql.read_text()
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    spec = workdir / "spec" / "entities.yaml"
    edit(spec, "storage: {deduplicate_items: false, fillfactor: 70}", "storage: {fillfactor: 90}")
    edit(spec, "storage: {fastupdate: false}", "storage: {fastupdate: true, gin_pending_list_limit: 128}")
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "ALTER INDEX public.docs_owner_idx SET (fillfactor = 90), RESET (deduplicate_items);" in up, up
    assert "SET (fastupdate = true, gin_pending_list_limit = 128)" in up
    assert "DROP INDEX" not in up and "CREATE INDEX" not in up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert options(pg_dsn) == {
        "docs_owner_idx": ["fillfactor=90"],
        "docs_tags_idx": ["fastupdate=true", "gin_pending_list_limit=128"],
        "docs_at_idx": ["pages_per_range=32"],
    }
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)

    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn, TABLES) == rows


def test_a_parameter_the_method_lacks_is_refused_at_its_line(workdir: Path) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "entities.yaml").write_text(
        "entities:\n"
        "  docs:\n"
        "    columns: {id: bigint, tags: 'text[]'}\n"
        "    indexes:\n"
        "      - columns: [tags]\n"
        "        using: gin\n"
        "        storage:\n"
        "          fillfactor: 70\n"
        "      - {columns: [id], storage: {fillfactor: 5}}\n"
    )
    code, out, err = run("check", "spec")
    text = out + err
    assert code != 0 and "SG138" in text, text
    assert "a gin index has no storage parameter `fillfactor`" in text and "spec/entities.yaml:8:" in text
    assert "`fillfactor` takes a value from 10 to 100" in text and "spec/entities.yaml:9:" in text
