"""The throwaway cluster and the rolled-back live apply, against real PostgreSQL."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from schemagen.database.cluster import (
    ConnectionFailed,
    DatabaseError,
    ThrowawayCluster,
    create_database,
    drop_database,
    find_server_bin,
)
from schemagen.database.live import LiveApplyError, apply_rolled_back, connect, live_check

if TYPE_CHECKING:
    from psycopg import Connection


def table_exists(conn: Connection, name: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", [name]).fetchone()[0]


def test_cluster_reports_server_version(pg_cluster: ThrowawayCluster) -> None:
    assert pg_cluster.server_version >= 150000


def test_cluster_is_socket_only_and_not_durable(pg_cluster: ThrowawayCluster, pg_conn: Connection) -> None:
    settings = dict(
        pg_conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
            [["listen_addresses", "unix_socket_directories", "port", "fsync", "full_page_writes",
              "synchronous_commit"]],
        ).fetchall()
    )  # fmt: skip
    assert settings == {
        "listen_addresses": "",
        "unix_socket_directories": str(pg_cluster.directory),
        "port": str(pg_cluster.port),
        "fsync": "off",
        "full_page_writes": "off",
        "synchronous_commit": "off",
    }


def test_server_never_runs_as_root(pg_cluster: ThrowawayCluster) -> None:
    expected = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert (pg_cluster.directory / "data").stat().st_uid == expected


def test_databases_are_isolated(pg_cluster: ThrowawayCluster, pg_conn: Connection) -> None:
    pg_conn.execute("CREATE TABLE only_here (id int)")
    other = pg_cluster.create_database("isolation_other")
    try:
        with connect(other, autocommit=True) as other_conn:
            assert not table_exists(other_conn, "only_here")
        assert table_exists(pg_conn, "only_here")
    finally:
        pg_cluster.drop_database("isolation_other")


def test_two_clusters_run_side_by_side(pg_cluster: ThrowawayCluster) -> None:
    with ThrowawayCluster() as other:
        assert other.directory != pg_cluster.directory
        assert other.port != pg_cluster.port
        assert other.server_version == pg_cluster.server_version


@pytest.mark.parametrize("label", ["x" * 80 + " with spaces/slashes & ÜNICODE"])
def test_database_name_is_a_valid_identifier(pg_conn: Connection, label: str) -> None:
    name = pg_conn.execute("SELECT current_database()").fetchone()[0]
    assert name.startswith("t_")
    assert len(name.encode()) <= 63


def test_apply_rolled_back_leaves_nothing_behind(pg_dsn: str, pg_conn: Connection) -> None:
    apply_rolled_back(pg_dsn, "CREATE TABLE left_behind (id int);\nINSERT INTO left_behind VALUES (1);\n")
    count = pg_conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'left_behind'").fetchone()[0]
    assert count == 0


def test_error_reports_script_line(pg_dsn: str, pg_conn: Connection) -> None:
    script = "CREATE TABLE first (id int);\nCREATE TABLE second (id int);\nCREATE TABEL third (id int);\n"
    with pytest.raises(LiveApplyError) as caught:
        apply_rolled_back(pg_dsn, script)
    err = caught.value
    assert err.line == 3
    assert err.sqlstate == "42601"
    assert 'syntax error at or near "TABEL"' in err.message
    assert "line 3" in err.message
    assert "CREATE TABEL third (id int);" in err.message
    assert "\n" not in err.message
    assert not table_exists(pg_conn, "first")


def test_error_line_counts_characters_not_bytes(pg_dsn: str) -> None:
    script = "-- café, naïve, 日本語\nCREATE TABLE t (id int);\nSELECT missing_column FROM t;\n"
    with pytest.raises(LiveApplyError) as caught:
        apply_rolled_back(pg_dsn, script)
    assert caught.value.line == 3
    assert "SELECT missing_column FROM t;" in caught.value.message


def test_error_without_position_keeps_server_detail(pg_dsn: str) -> None:
    script = "CREATE TABLE u (id int PRIMARY KEY);\nINSERT INTO u VALUES (1), (1);\n"
    with pytest.raises(LiveApplyError) as caught:
        apply_rolled_back(pg_dsn, script)
    # the script runs statement by statement: the failing one's line is known without a position
    assert caught.value.line == 2
    assert caught.value.statement == "INSERT INTO u VALUES (1), (1)"
    assert "duplicate key value violates unique constraint" in caught.value.message
    assert "Key (id)=(1) already exists." in caught.value.message


def test_percent_signs_reach_the_server_verbatim(pg_dsn: str) -> None:
    script = (
        "CREATE TABLE pct (note text DEFAULT '%', fmt text DEFAULT '%s');\n"
        "DO $$ BEGIN\n"
        "  IF '%s' <> chr(37) || 's' OR '%%' <> repeat(chr(37), 2) OR '%(x)s' <> chr(37) || '(x)s' THEN\n"
        "    RAISE EXCEPTION 'percent literal was rewritten';\n"
        "  END IF;\n"
        "END $$;\n"
    )
    apply_rolled_back(pg_dsn, script)


def test_transaction_control_is_refused_before_anything_runs(pg_dsn: str, pg_conn: Connection) -> None:
    script = "CREATE TABLE would_be_committed (id int);\nCOMMIT;\n"
    with pytest.raises(LiveApplyError) as caught:
        apply_rolled_back(pg_dsn, script)
    assert caught.value.line == 2
    assert "COMMIT" in caught.value.message
    assert not table_exists(pg_conn, "would_be_committed")


def test_savepoints_are_allowed(pg_dsn: str) -> None:
    script = "SAVEPOINT s;\nCREATE TABLE sp (id int);\nROLLBACK TO SAVEPOINT s;\nRELEASE s;\n"
    apply_rolled_back(pg_dsn, script)


def test_missing_extension_is_reported_before_anything_runs(pg_dsn: str) -> None:
    # The script would fail with a syntax error if it ran; the extension check must win.
    with pytest.raises(LiveApplyError) as caught:
        apply_rolled_back(pg_dsn, "THIS IS NOT SQL;", ["plpgsql", "no_such_ext_xyz"])
    assert caught.value.message == (
        "extension no_such_ext_xyz is not available on this server; "
        "install it on that server (Debian: postgresql-contrib)"
    )
    assert caught.value.line is None


def test_available_extension_passes(pg_dsn: str) -> None:
    apply_rolled_back(pg_dsn, "CREATE EXTENSION IF NOT EXISTS plpgsql;", ["plpgsql"])


def test_connect_without_server_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConnectionFailed) as caught:
        connect(f"host={tmp_path} port=5999 user=postgres dbname=postgres")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot connect to PostgreSQL: ")
    assert str(tmp_path) in message


def test_connect_to_missing_database(pg_cluster: ThrowawayCluster) -> None:
    with pytest.raises(ConnectionFailed) as caught:
        connect(pg_cluster.dsn("no_such_database"))
    assert "\n" not in str(caught.value)
    assert 'database "no_such_database" does not exist' in str(caught.value)


def test_live_check_without_dsn_runs_and_removes_its_own_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    # Record the directories of the clusters live_check starts (other test runs may share /tmp).
    started: list[Path] = []
    original_start = ThrowawayCluster.start

    def recording_start(self: ThrowawayCluster) -> ThrowawayCluster:
        result = original_start(self)
        started.append(self.directory)
        return result

    monkeypatch.setattr(ThrowawayCluster, "start", recording_start)
    live_check("CREATE TABLE checked (id int);\n", [], None)
    assert len(started) == 1
    assert not started[0].exists()

    with pytest.raises(LiveApplyError) as caught:
        live_check("CREATE TABLE ok (id int);\nCREATE TABLE broken (id nosuchtype);\n", [], None)
    assert caught.value.line == 2
    assert len(started) == 2
    assert not started[1].exists()


def test_live_check_without_dsn_suggests_dsn_for_missing_extension(pg_cluster: ThrowawayCluster) -> None:
    with pytest.raises(LiveApplyError) as caught:
        live_check("SELECT 1;", ["no_such_ext_xyz"], None)
    assert caught.value.message.startswith("extension no_such_ext_xyz is not available on this server")
    assert caught.value.message.endswith("install it (Debian: postgresql-contrib) or use --dsn")


def test_live_check_with_dsn_uses_that_server(pg_dsn: str, pg_conn: Connection) -> None:
    live_check("CREATE TABLE via_dsn (id int);", [], pg_dsn)
    assert not table_exists(pg_conn, "via_dsn")


def test_find_server_bin_prefers_path_then_newest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_bin(directory: Path, programs: tuple[str, ...] = ("initdb", "pg_ctl", "postgres")) -> Path:
        directory.mkdir(parents=True)
        for name in programs:
            (directory / name).write_text("#!/bin/sh\n")
            (directory / name).chmod(0o755)
        return directory

    root = tmp_path / "postgresql"
    for version in ("9.6", "15", "16"):
        fake_bin(root / version / "bin")
    fake_bin(root / "17" / "bin", programs=("initdb",))  # incomplete: skipped
    (root / "common").mkdir()  # not a version: ignored
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert find_server_bin(root) == root / "16" / "bin"
    assert find_server_bin(tmp_path / "absent") is None

    on_path = fake_bin(tmp_path / "custom")
    monkeypatch.setenv("PATH", str(on_path))
    assert find_server_bin(root) == on_path


def test_a_throwaway_database_is_created_once_and_dropped_even_when_in_use(
    pg_cluster: ThrowawayCluster, pg_dsn: str
) -> None:
    name = "Throwaway db"  # quoted where it needs to be
    with connect(pg_dsn, autocommit=True) as admin:
        create_database(admin, name)
        with pytest.raises(DatabaseError) as caught:
            create_database(admin, name)
        assert caught.value.message == f'cannot create database {name}: database "{name}" already exists'
        with connect(pg_cluster.dsn(name), autocommit=True) as inside:
            drop_database(admin, name)  # with a session still in it
            with pytest.raises(psycopg.OperationalError):
                inside.execute("SELECT 1")
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name]).fetchone() == (0,)
        drop_database(admin, name)  # already gone: nothing to do
