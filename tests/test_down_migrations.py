"""Down migrations through the command line, with rows: an enum that loses a value while its table is
re-sharded goes back only when no row holds the value, and a refused down changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.database.live import connect
from tests.catalog import assert_catalog_equal, snapshot

SCENARIO = Path(__file__).parent / "migrations" / "enum_value_and_modulus"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two migrations: the scenario's version A (initial), then B (a value added, modulus 4 → 8)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SCENARIO / "a", tmp_path / "spec")
    assert run("render", "spec")[0] == 0
    assert run("migrate", "new", "initial", "spec")[0] == 0
    shutil.copy(SCENARIO / "b" / "spec.yaml", tmp_path / "spec" / "spec.yaml")
    assert run("render", "spec")[0] == 0
    code, _, err = run("migrate", "new", "archived_and_8_shards", "spec")
    assert code == 0, err
    return tmp_path


def rows(dsn: str) -> list[tuple]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT t.id, t.assignee_id, t.status::text, t.title, count(c.id) FROM tasks t"
            " LEFT JOIN comments c ON c.task_id = t.id GROUP BY t.id ORDER BY t.id"
        ).fetchall()


def test_a_down_is_refused_while_rows_hold_the_removed_value_and_changes_nothing(
    project: Path, pg_dsn: str
) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((SCENARIO / "rows.sql").read_bytes())
        conn.execute("UPDATE tasks SET status = 'archived' WHERE id % 10 = 0")
        at_two = snapshot(conn)
    before = rows(pg_dsn)

    code, _, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 1
    assert "rows of public.tasks still hold a value removed from enum task_status (archived)" in err
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn), at_two)
    assert rows(pg_dsn) == before

    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("UPDATE tasks SET status = 'done' WHERE status = 'archived'")
    before = rows(pg_dsn)
    code, _, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    assert rows(pg_dsn) == before
    with connect(pg_dsn, autocommit=True) as conn:
        (partitions,) = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'tasks'::regclass"
        ).fetchone()
        (values,) = conn.execute("SELECT enum_range(NULL::task_status)::text").fetchone()
    assert (partitions, values) == (4, "{open,doing,done}")
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 1  # the database is at version A, the spec at B
    code, _, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    assert rows(pg_dsn) == before
