"""`schemagen check --live`: the migrations replayed on an empty database must give schema.sql's catalog.

Each scenario runs on a copy of the example project; `--dsn` scenarios use the session's test cluster.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.database.catalog import diff
from schemagen.database.cluster import ThrowawayCluster
from schemagen.database.live import connect
from schemagen.database.replay import ReplayError, replay_differences
from schemagen.migrate import checksums
from schemagen.migrate.header import is_transactional

MIGRATIONS = Path("generated") / "migrations"
NEXT = f"{len(list((Path(__file__).parents[1] / MIGRATIONS).glob('*.up.sql'))) + 1:04d}"  # the example's next number
LOCALE_UP = MIGRATIONS / f"{NEXT}_add_locale.up.sql"


@pytest.fixture
def project(tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(repo_root / "spec", tmp_path / "spec")
    shutil.copytree(repo_root / "generated", tmp_path / "generated")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def server(pg_cluster: ThrowawayCluster) -> Iterator[str]:
    """The test cluster's `postgres` database; the test fails if a run leaves a database behind."""
    before = databases(pg_cluster)
    yield pg_cluster.dsn("postgres")
    assert databases(pg_cluster) == before


def databases(cluster: ThrowawayCluster) -> set[str]:
    with connect(cluster.dsn("postgres"), autocommit=True) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database").fetchall()}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def diagnostics(*args: str) -> list[dict]:
    code, out, _ = run("check", "--format", "json", *args)
    assert code == 1
    return json.loads(out)["diagnostics"]


def change_spec(project: Path, file: str, anchor: str, added: str) -> None:
    path = project / "spec" / file
    text = path.read_text()
    assert anchor in text
    path.write_text(text.replace(anchor, f"{anchor}\n{added}", 1))


def add_locale_migration(project: Path) -> Path:
    """A nullable column added to users, rendered and migrated: a clean tree with two migrations."""
    change_spec(project, "users.yaml", "      avatar: varchar(255)?", "      locale: text?")
    assert run("render")[0] == 0
    assert run("migrate", "new", "add_locale")[0] == 0
    return project / LOCALE_UP


def hand_edit(path: Path, old: str, new: str) -> None:
    """Edit a migration and re-sign the history, so only the replay can notice."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    checksums.write(path.parent)


def test_the_example_history_replays_to_schema_sql(project: Path) -> None:
    code, out, err = run("check", "--live")
    assert (code, err) == (0, "")
    assert "in sync" in out and "the migrations replay to schema.sql" in out


def test_dsn_replays_in_two_databases_it_drops(project: Path, server: str) -> None:
    code, out, _ = run("check", "--live", "--dsn", server)
    assert code == 0 and "the migrations replay to schema.sql" in out
    code, out, _ = run("check", "--format", "json", "--dsn", server)  # --dsn alone implies --live
    assert code == 0 and json.loads(out)["diagnostics"] == []


def test_a_no_transaction_migration_replays_statement_by_statement(project: Path, server: str) -> None:
    change_spec(
        project, "users.yaml", "      - columns: [created_at DESC]", "      - columns: [username, created_at]"
    )
    assert run("render")[0] == 0
    assert run("migrate", "new", "index_username")[0] == 0
    (up,) = (project / MIGRATIONS).glob(f"{NEXT}_*.up.sql")
    assert not is_transactional(up.read_text())
    assert "CREATE INDEX CONCURRENTLY" in up.read_text()
    assert run("check", "--live", "--dsn", server)[0] == 0


def test_a_migration_that_drifts_from_schema_sql(project: Path) -> None:
    up = add_locale_migration(project)
    hand_edit(up, "ADD COLUMN IF NOT EXISTS locale text;", "ADD COLUMN IF NOT EXISTS locale integer;")
    assert run("check")[0] == 0  # the static checks cannot see it
    code, out, _ = run("check", "--live")
    assert code == 1
    assert "error[SG705]: " in out and "\n --> generated/migrations\n" in out
    assert "column users.locale: type integer (migrations) ≠ text (schema.sql)" in out
    assert out.endswith("1 problem found by schemagen check\n")


def test_differences_are_capped_at_twenty(project: Path, server: str) -> None:
    up = add_locale_migration(project)
    extra = "".join(f"CREATE TABLE public.extra_{n:02} (id bigint);\n" for n in range(25))
    hand_edit(
        up, "ADD COLUMN IF NOT EXISTS locale text;\n", f"ADD COLUMN IF NOT EXISTS locale text;\n{extra}"
    )
    found = diagnostics("--live", "--dsn", server)
    assert {d["code"] for d in found} == {"SG705"}
    assert {d["file"] for d in found} == {"generated/migrations"}
    assert len(found) == 21
    assert found[0]["message"].endswith("schema.sql's database: table extra_00: only in migrations")
    assert found[-1]["message"].endswith("schema.sql's database: … and 5 more")


def test_a_migration_that_fails_to_apply_is_named(project: Path) -> None:
    up = add_locale_migration(project)
    hand_edit(up, "ADD COLUMN IF NOT EXISTS locale text;", "ADD COLUMNN IF NOT EXISTS locale text;")
    line = next(n for n, text in enumerate(up.read_text().splitlines(), 1) if "COLUMNN" in text)
    assert run("check")[0] == 0
    (found,) = diagnostics("--live")
    assert found["code"] == "SG705"
    assert (found["file"], found["line"]) == (str(LOCALE_UP), line)
    assert f"{NEXT}_add_locale.up.sql does not apply" in found["message"]
    assert "syntax error at or near" in found["message"]


def test_a_failing_migration_leaves_no_database_behind(project: Path, server: str) -> None:
    up = add_locale_migration(project)
    hand_edit(
        up,
        "ADD COLUMN IF NOT EXISTS locale text;",
        "ADD COLUMN IF NOT EXISTS locale text REFERENCES nowhere;",
    )
    (found,) = diagnostics("--live", "--dsn", server)
    assert found["file"] == str(LOCALE_UP)
    assert 'relation "nowhere" does not exist' in found["message"]


def test_a_stale_tree_is_reported_without_replaying(project: Path) -> None:
    change_spec(project, "users.yaml", "      avatar: varchar(255)?", "      locale: text?")
    # An unreachable server would exit 2 if the replay ran.
    found = diagnostics("--live", "--dsn", "host=/nonexistent dbname=x")
    assert [d["code"] for d in found] == ["SG701", "SG702"]


def test_an_unreachable_dsn_is_one_line_and_exit_2(project: Path) -> None:
    code, out, err = run("check", "--live", "--dsn", "host=/nonexistent dbname=x")
    assert code == 2 and out == ""
    assert err.startswith("cannot connect to PostgreSQL: ") and err.count("\n") == 1


def test_a_missing_extension_is_said_plainly(project: Path, server: str) -> None:
    path = project / "spec" / "project.yaml"
    # an extension of one's own (declared so: no SG605 warning), which the server lacks
    path.write_text(
        path.read_text().replace(
            "extensions: [pg_trgm]", "extensions: [pg_trgm, {name: no_such_ext, custom: true}]"
        )
    )
    assert run("render")[0] == 0
    assert run("migrate", "new", "add_extension")[0] == 0
    code, _, err = run("check", "--live", "--dsn", server)
    assert code == 2
    assert "SG605" not in err
    assert err == (
        "extension no_such_ext is not available on this server; "
        "install it on that server (Debian: postgresql-contrib)\n"
    )


def test_replay_differences_labels_and_sides(server: str) -> None:
    schema = "CREATE TABLE t (id bigint PRIMARY KEY);"
    in_two_steps = ["CREATE TABLE t (id bigint);", "ALTER TABLE t ADD PRIMARY KEY (id);"]
    assert replay_differences(in_two_steps, schema, dsn=server) == []
    assert replay_differences(["CREATE TABLE t (id int PRIMARY KEY);"], schema, dsn=server) == [
        "column t.id: type integer (migrations) ≠ bigint (schema.sql)"
    ]
    with pytest.raises(ReplayError) as raised:
        replay_differences(["CREATE TABLE t ();", "CREATE TABLE t ();"], schema, dsn=server)
    # run statement by statement, as the runner runs it: the failing statement's line is known
    assert raised.value.index == 1 and raised.value.line == 1
    assert raised.value.message == 'migration 2 does not apply: line 1: relation "t" already exists'


def test_diff_names_the_sides_only_when_asked() -> None:
    a = {"relations": {"t": {"kind": "table", "comment": "x"}, "u": {"kind": "view"}}}
    b = {"relations": {"t": {"kind": "table", "comment": "y"}}}
    assert diff(a, b) == ["table t: comment x ≠ y", "view u: only in A"]
    assert diff(b, a, sides=("left", "right")) == [
        "table t: comment y (left) ≠ x (right)",
        "view u: only in right",
    ]


LOCALE_DOWN = MIGRATIONS / f"{NEXT}_add_locale.down.sql"


def test_a_down_migration_that_fails_is_named_at_its_line(project: Path) -> None:
    add_locale_migration(project)
    down = project / LOCALE_DOWN
    hand_edit(down, "DROP COLUMN IF EXISTS locale;", "DROP COLUMN locale_typo;")
    line = next(n for n, text in enumerate(down.read_text().splitlines(), 1) if "locale_typo" in text)
    (found,) = diagnostics("--live")
    assert found["code"] == "SG705"
    assert (found["file"], found["line"]) == (str(LOCALE_DOWN), line)
    assert f"{NEXT}_add_locale.down.sql does not apply" in found["message"]
    assert 'column "locale_typo" of relation "users" does not exist' in found["message"]


def test_a_down_migration_that_does_not_restore_its_version_is_a_difference(project: Path) -> None:
    add_locale_migration(project)
    hand_edit(project / LOCALE_DOWN, "DROP COLUMN IF EXISTS locale;", "ALTER COLUMN locale SET DEFAULT 'en';")
    found = diagnostics("--live")
    assert {d["code"] for d in found} == {"SG705"}
    messages = [d["message"] for d in found]
    assert any(
        f"after {NEXT}_add_locale.down.sql: column users.locale: only in replayed" in m for m in messages
    ), messages


def test_the_walk_back_seeds_every_table_of_the_example(project: Path, pg_dsn: str) -> None:
    """`check --live` writes rows into every table before it runs the downs: on the example's schema the
    seeder puts rows in every table (all it can where checks and keys allow), so every down of its
    history meets rows (and passes)."""
    from schemagen.database.seed import ROWS_PER_TABLE, seed

    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((project / "generated" / "schema.sql").read_bytes())
        inserted = seed(conn)
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            ).fetchall()
        ]
        counts = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in tables}
    assert all(1 <= count <= ROWS_PER_TABLE for count in counts.values()), counts
    assert inserted == sum(counts.values()) >= (ROWS_PER_TABLE - 1) * len(tables)
    assert run("check", "--live", "--dsn", pg_dsn)[0] == 0
