"""View options (`security_barrier`, `security_invoker`, `check_option`): inspected, rendered as
CREATE VIEW … WITH (…), and changed in place by CREATE OR REPLACE VIEW (which replaces the option list)
up and down with the rows kept and drift empty; on a materialized view they are an error at their line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog, fingerprint, ok

HAND_MADE = """
CREATE TABLE notes (id bigint PRIMARY KEY, owner text NOT NULL, body text NOT NULL);
INSERT INTO notes SELECT g, 'u' || (g % 3), 'n' || g FROM generate_series(1, 90) g;
CREATE VIEW mine WITH (security_barrier) AS SELECT id, body FROM notes WHERE owner = current_user;
CREATE VIEW editable AS SELECT id, owner, body FROM notes WHERE owner <> '' WITH CASCADED CHECK OPTION;
CREATE VIEW invoker WITH (security_invoker = true) AS SELECT id FROM notes;
"""

TABLES = {"notes": "id, owner, body"}


def options(dsn: str) -> dict[str, list[str] | None]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace"
        ).fetchall()
    return dict(rows)


def test_view_options_round_trip_and_migrate(workdir: Path, pg_dsn: str, fresh: Callable[[str], str]) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
    before, rows = catalog(pg_dsn), fingerprint(pg_dsn, TABLES)

    out = ok("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert "options" not in out
    views = (workdir / "spec" / "views.yaml").read_text()
    for expected in ("security_barrier: true", "security_invoker: true", "check_option: cascaded"):
        assert expected in views, views

    ok("render", "spec")
    schema_sql = workdir / "generated" / "schema.sql"
    assert "CREATE VIEW public.mine WITH (security_barrier = true) AS" in schema_sql.read_text()
    assert_catalog_equal(applied(fresh("s"), schema_sql), before)
    ok("migrate", "new", "initial", "spec")
    ok("migrate", "baseline", "--dsn", pg_dsn)
    ok("drift", "spec", "--dsn", pg_dsn)

    spec = workdir / "spec" / "views.yaml"
    edit(spec, "    security_barrier: true\n", "    security_invoker: true\n")
    edit(spec, "check_option: cascaded", "check_option: local")
    ok("render", "spec")
    ok("migrate", "new", "change", "spec")
    up = next((workdir / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "CREATE OR REPLACE VIEW public.mine WITH (security_invoker = true) AS" in up, up
    assert "DROP VIEW" not in up
    ok("migrate", "apply", "--dsn", pg_dsn)
    assert options(pg_dsn) == {
        "editable": ["check_option=local"],
        "invoker": ["security_invoker=true"],
        "mine": ["security_invoker=true"],
    }
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), schema_sql))
    assert fingerprint(pg_dsn, TABLES) == rows
    ok("drift", "spec", "--dsn", pg_dsn)

    ok("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert_catalog_equal(catalog(pg_dsn), before)
    assert fingerprint(pg_dsn, TABLES) == rows


def test_a_view_option_on_a_materialized_view_is_refused_at_its_line(workdir: Path) -> None:
    spec = workdir / "spec"
    spec.mkdir()
    (spec / "entities.yaml").write_text("entities:\n  items:\n    columns: {id: bigint}\n")
    (spec / "views.yaml").write_text(
        "views:\n  v:\n    materialized: true\n    security_barrier: true\n    query: SELECT id FROM items\n"
    )
    code, out, err = run("check", "spec")
    text = out + err
    assert code != 0 and "SG504" in text and "`security_barrier`" in text and "spec/views.yaml:4:" in text, (
        text
    )
