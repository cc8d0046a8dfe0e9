"""schemagen's own archive and refresh functions, recognised by `inspect` on real PostgreSQL.

A spec holding them (archives over different columns, a cutoff of each date/time type, views
refreshed concurrently and blocking, names pinned and in other schemas) is rendered and applied, then
inspected: each function is recognised and the spec written back is the same. Recognition is driven
by the templates: functions created by changed templates are recognised with those templates, and
only with them.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from psycopg import sql

from schemagen.build.writer import render_spec, write_spec
from schemagen.database.inspect import inspect
from schemagen.database.inspect.shapes import Shape, ShapeError, hole
from schemagen.model import Archive, Model
from schemagen.pipeline import compile_spec, render_outputs
from schemagen.plan import plan

if TYPE_CHECKING:
    from psycopg import Connection

REPO_ROOT = Path(__file__).resolve().parents[1]

OWN_FUNCTIONS_SPEC = """
project: {name: own_functions, postgres: 15}
entities:
  events:
    columns:
      id: {type: bigint, identity: always}
      Kind: text
      payload: jsonb?
      size: {type: integer, nullable: true, generated: "length(payload::text)"}
      at: timestamptz
    primary_key: [id, at]
    archive: {after: 90 days, column: at}
  visits:
    columns:
      id: {type: integer, identity: by_default, primary_key: true}
      day: date
    archive: {after: 2 years, column: day, table: visits_history, function: move_old_visits}
  Readings:
    schema: telemetry
    columns:
      sensor: text
      TakenAt: timestamp
      "order": integer
    archive: {after: 6 months, column: TakenAt}
  samples:
    columns:
      value: double precision
      measured: timestamp(3) with time zone
    archive: {after: 12 hours, column: measured}
views:
  daily_events:
    materialized: true
    query: "SELECT date_trunc('day', at) AS day, count(*) AS n FROM events GROUP BY 1"
    unique: [day]
    refresh: concurrently
  visit_counts:
    materialized: true
    query: "SELECT day, count(*) AS n FROM visits GROUP BY day"
    refresh: blocking
    refresh_function: recount_visits
  SensorCounts:
    schema: telemetry
    materialized: true
    query: 'SELECT sensor, count(*) AS n FROM telemetry."Readings" GROUP BY sensor'
    unique: [sensor]
    refresh: concurrently
"""

ARCHIVED = {"events": "at", "visits": "day", "Readings": "TakenAt", "samples": "measured"}
REFRESHED = {"daily_events": "concurrently", "visit_counts": "blocking", "SensorCounts": "concurrently"}


def compiled(tmp_path: Path, text: str = OWN_FUNCTIONS_SPEC) -> Model:
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "spec.yaml").write_text(textwrap.dedent(text))
    return compile_spec(folder).model


def scalar(conn: Connection, statement: str) -> str:
    row = conn.execute(statement).fetchone()
    assert row is not None
    return str(row[0])


def own_objects(model: Model) -> tuple[dict[str, Archive], dict[str, tuple[str | None, str | None]]]:
    """What a Model says of archives and refreshes: the part recognition must get back."""
    archives = {t.name: t.archive for t in model.tables if t.archive is not None}
    refreshes = {v.name: (v.refresh, v.refresh_function) for v in model.views if v.refresh is not None}
    return archives, refreshes


def spec_files(model: Model, project: Model) -> dict[str, str]:
    """The spec written for `model`, with the project of `project` (inspect names it for the database)."""
    return render_spec(replace(model, project=project.project))


def test_every_archive_and_refresh_function_is_recognised_and_written_back(
    tmp_path: Path, pg_conn: Connection
) -> None:
    original = compiled(tmp_path)
    archives, refreshes = own_objects(original)
    assert {name: archive.column for name, archive in archives.items()} == ARCHIVED
    assert {name: mode for name, (mode, _) in refreshes.items()} == REFRESHED
    pg_conn.execute(render_outputs(original)["schema.sql"].encode())

    result = inspect(pg_conn)
    assert result.warnings == []
    assert own_objects(result.model) == (archives, refreshes)
    write_spec(result.model, tmp_path / "written")
    assert plan(result.model, compile_spec(tmp_path / "written").model) == []
    # With the view queries spelled as the spec spells them, the spec written is the spec, to the byte.
    respelled = inspect(pg_conn, reference=original).model
    assert spec_files(respelled, original) == render_spec(original)


def test_a_function_that_differs_from_its_rendering_is_not_ours(tmp_path: Path, pg_conn: Connection) -> None:
    original = compiled(tmp_path)
    pg_conn.execute(render_outputs(original)["schema.sql"].encode())
    # Same body and comment, another default cutoff: the comment no longer tells the truth.
    body = scalar(pg_conn, "SELECT prosrc FROM pg_proc WHERE proname = 'archive_events'")
    pg_conn.execute(
        "CREATE OR REPLACE FUNCTION public.archive_events(older_than timestamptz "
        f"DEFAULT now() - '91 days'::interval) RETURNS bigint LANGUAGE sql AS $${body}$$"
    )
    # A second function archiving a table that has one already, and one refreshing a view that has one.
    comment = scalar(pg_conn, "SELECT obj_description('public.move_old_visits(date)'::regprocedure)")
    body = scalar(pg_conn, "SELECT prosrc FROM pg_proc WHERE proname = 'move_old_visits'")
    pg_conn.execute(
        "CREATE FUNCTION public.move_old_visits_again(older_than date DEFAULT now() - '2 years'::interval) "
        f"RETURNS bigint LANGUAGE sql AS $${body}$$"
    )
    pg_conn.execute(
        sql.SQL("COMMENT ON FUNCTION public.move_old_visits_again(date) IS {}").format(sql.Literal(comment))
    )
    pg_conn.execute(
        "CREATE FUNCTION public.refresh_daily_events_again() RETURNS void LANGUAGE plpgsql AS $$"
        "\nBEGIN\n    REFRESH MATERIALIZED VIEW CONCURRENTLY public.daily_events;\nEND\n$$;"
        "COMMENT ON FUNCTION public.refresh_daily_events_again() IS "
        "'Refreshes public.daily_events concurrently, without blocking readers.'"
    )
    result = inspect(pg_conn)
    # not schemagen's: the user's own functions, written into the spec as they are
    users = {f.name: f.arguments for f in result.model.functions}
    assert users == {
        "archive_events": "older_than timestamp with time zone DEFAULT (now() - '91 days'::interval)",
        "refresh_daily_events_again": "",
        "move_old_visits_again": "older_than date DEFAULT (now() - '2 years'::interval)",
    }, users
    assert not [w for w in result.warnings if w.startswith("function ")], result.warnings
    archives, refreshes = own_objects(result.model)
    assert "events" not in archives and archives.keys() == ARCHIVED.keys() - {"events"}
    assert archives["visits"].function == "move_old_visits"
    assert refreshes == own_objects(original)[1]


# Templates that create the same objects differently: another body and comment for each.
CHANGED_TEMPLATES = {
    "archive_function.sql.j2": [
        ("WITH moved AS (", "-- moved by schemagen\nWITH gone AS ("),
        ("FROM moved", "FROM gone"),
        ("Moves the rows of", "Archives the rows of"),
    ],
    "refresh_function.sql.j2": [
        ("BEGIN\n", "BEGIN\n    -- kept fresh by schemagen\n"),
        ('"Refreshes "', '"Brings "'),
        ('(" concurrently', '(" up to date concurrently'),
    ],
}


def changed_templates(folder: Path) -> Path:
    (folder / "postgres").mkdir(parents=True)
    for name, edits in CHANGED_TEMPLATES.items():
        text = (REPO_ROOT / "templates" / "postgres" / name).read_text()
        for old, new in edits:
            assert old in text, f"{name} no longer holds {old!r}: update this test's edits"
            text = text.replace(old, new)
        (folder / "postgres" / name).write_text(text)
    return folder


def test_recognition_follows_the_templates(tmp_path: Path, pg_conn: Connection) -> None:
    original = compiled(tmp_path)
    templates = changed_templates(tmp_path / "templates")
    schema_sql = render_outputs(original, templates)["schema.sql"]
    assert "-- moved by schemagen" in schema_sql and "-- kept fresh by schemagen" in schema_sql
    pg_conn.execute(schema_sql.encode())

    with_them = inspect(pg_conn, templates=templates)
    assert with_them.warnings == []
    assert own_objects(with_them.model) == own_objects(original)

    # The built-in templates render other functions: these are not theirs.
    without = inspect(pg_conn)
    assert own_objects(without.model) == ({}, {})
    assert len(without.model.functions) == len(ARCHIVED) + len(REFRESHED)  # the user's own, then


def test_a_shape_reads_back_the_values_of_its_holes() -> None:
    rendered = f"DELETE FROM {hole('schema')}.{hole('table')} WHERE {hole('column')} < $1 -- {hole('schema')}.{hole('table')}"
    shape = Shape.of(
        [rendered, f"about {hole('column')}"],
        {
            "table": f"{hole('schema')}.{hole('table')}",
            "column": hole("column"),
        },
    )
    assert shape.match(['DELETE FROM app."Order" WHERE at < $1 -- app."Order"', "about at"]) == {
        "table": 'app."Order"',
        "column": "at",
    }
    # A hole met twice holds the same text both times, in every part.
    assert shape.match(["DELETE FROM app.a WHERE at < $1 -- app.b", "about at"]) is None
    assert shape.match(["DELETE FROM app.a WHERE at < $1 -- app.a", "about other"]) is None
    assert shape.match(["DELETE FROM app.a WHERE at <= $1 -- app.a", "about at"]) is None


def test_a_placeholder_outside_every_hole_is_an_error() -> None:
    with pytest.raises(ShapeError, match="schemagen_hole_schema"):
        Shape.of(
            [f"SET search_path = {hole('schema')}; DROP TABLE {hole('table')}"], {"table": hole("table")}
        )
