"""`schemagen migrate new` and `schemagen diff` as a user runs them, on a copy of the example project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.database.live import connect
from schemagen.migrate import checksums

# the number `migrate new` gives the next migration of the example
NEXT = f"{len(list((Path(__file__).parents[1] / 'generated' / 'migrations').glob('*.up.sql'))) + 1:04d}"


@pytest.fixture
def project(tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example project (spec/ and generated/), as the working directory."""
    shutil.copytree(repo_root / "spec", tmp_path / "spec")
    shutil.copytree(repo_root / "generated", tmp_path / "generated")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_no_changes_writes_nothing(project: Path) -> None:
    before = sorted(p.name for p in (project / "generated" / "migrations").iterdir())
    code, out, _ = run("migrate", "new", "nothing")
    assert code == 0 and "no changes" in out
    assert sorted(p.name for p in (project / "generated" / "migrations").iterdir()) == before


def test_a_change_writes_the_next_migration_and_updates_snapshot_and_checksums(project: Path) -> None:
    edit(
        project / "spec" / "users.yaml",
        "      avatar: varchar(255)?",
        "      avatar: varchar(255)?\n      locale: text?",
    )
    snapshot_before = (project / "generated" / "snapshot.json").read_text()
    code, _, err = run("migrate", "new", "add_locale")
    assert code == 0, err
    up = project / "generated" / "migrations" / f"{NEXT}_add_locale.up.sql"
    down = project / "generated" / "migrations" / f"{NEXT}_add_locale.down.sql"
    assert "ALTER TABLE public.users ADD COLUMN IF NOT EXISTS locale text;" in up.read_text()
    assert "ALTER TABLE public.users DROP COLUMN IF EXISTS locale;" in down.read_text()
    assert (project / "generated" / "snapshot.json").read_text() != snapshot_before
    assert f"{NEXT}_add_locale.up.sql" in (project / "generated" / "migrations" / "checksums.sum").read_text()
    assert run("migrate", "new", "again")[0:2] == (
        0,
        "no changes: the spec matches the newest migration; nothing written\n",
    )


def test_destructive_change_is_refused_unless_allowed(project: Path) -> None:
    """One diagnostic per hazard, under its own code, with its fix, at the spec line of the table whose
    column goes; in every format, and nothing written."""
    edit(project / "spec" / "users.yaml", "      avatar: varchar(255)?\n", "")
    code, out, err = run("migrate", "new", "drop_avatar")
    assert (code, out) == (1, "")
    assert err == (  # the hazard in the layout of every diagnostic, its spec line quoted
        "error[SG902]: drops column users.avatar and its values\n"
        " --> spec/users.yaml:3:3\n"
        "  |\n"
        "3 |   users:\n"
        "  |   ^^^^^\n"
        "  = hint: keep the column, or allow it: `allow_destructive: [drop column users.avatar]`\n"
        "\n"
        "refused: 1 destructive change not allowed, nothing written; allow it in the spec "
        "(`project.allow_destructive`) or pass --allow-destructive\n"
    )
    code, out, _ = run("migrate", "new", "drop_avatar", "--format", "json")
    (refusal,) = json.loads(out)["diagnostics"]
    assert code == 1 and refusal["code"] == "SG902" and refusal["line"] == 3
    assert refusal["hint"] == "keep the column, or allow it: `allow_destructive: [drop column users.avatar]`"
    code, out, _ = run("migrate", "new", "drop_avatar", "--format", "github")
    assert code == 1
    assert out.startswith(
        "::error file=spec/users.yaml,line=3,col=3,endLine=3,endColumn=8,title=schemagen (SG902)"
    )
    assert not list((project / "generated" / "migrations").glob(f"{NEXT}_*"))
    code, _, err = run("migrate", "new", "drop_avatar", "--allow-destructive")
    assert code == 0, err
    down = (project / "generated" / "migrations" / f"{NEXT}_drop_avatar.down.sql").read_text()
    assert "Cannot be restored by this migration:" in down and "users.avatar" in down


def test_destructive_change_allowed_in_the_spec(project: Path) -> None:
    edit(project / "spec" / "users.yaml", "      avatar: varchar(255)?\n", "")
    edit(
        project / "spec" / "project.yaml",
        "  name: discord-bot\n",
        "  name: discord-bot\n  allow_destructive: [drop column users.avatar]\n",
    )
    code, _, err = run("migrate", "new", "drop_avatar")
    assert code == 0, err


def test_an_edited_migration_stops_the_next_one(project: Path) -> None:
    up = project / "generated" / "migrations" / "0001_initial.up.sql"
    up.write_text(up.read_text() + "-- a hand edit\n")
    edit(
        project / "spec" / "users.yaml",
        "      avatar: varchar(255)?",
        "      avatar: varchar(255)?\n      locale: text?",
    )
    code, _, err = run("migrate", "new", "add_locale")
    assert code == 2 and "0001_initial.up.sql was edited" in err


def test_refused_plans_exit_1_with_the_fix_at_the_spec_line(project: Path) -> None:
    """A type PostgreSQL has no cast to: refused (SG952) at the column's line, with the fix."""
    edit(
        project / "spec" / "users.yaml",
        "      flags: {type: integer, nullable: true, default: 0}",
        "      flags: {type: date, nullable: true}",
    )
    code, out, err = run("migrate", "new", "add_locale")
    assert (code, out) == (1, "")  # as a destructive change is refused: the spec asks for it
    line = next(
        n
        for n, text in enumerate((project / "spec" / "users.yaml").read_text().splitlines(), 1)
        if text.startswith("      flags:")
    )
    assert err.startswith(
        "error[SG952]: the pending change cannot be planned: the type of users.flags changes from integer "
        "to date, and PostgreSQL has no cast between them"
    )
    assert f"\n  --> spec/users.yaml:{line}:7\n" in err
    assert "= hint: give the conversion in the spec: `using: <expression of the old value>`" in err
    code, out, _ = run("migrate", "new", "add_locale", "--format", "json")
    (unplannable,) = json.loads(out)["diagnostics"]
    assert code == 1 and (unplannable["code"], unplannable["file"], unplannable["line"]) == (
        "SG952",
        "spec/users.yaml",
        line,
    )
    code, out, _ = run("migrate", "new", "add_locale", "--format", "github")
    assert code == 1 and out.startswith(f"::error file=spec/users.yaml,line={line},col=7,")
    assert "title=schemagen (SG952)::the pending change cannot" in out
    assert not list((project / "generated" / "migrations").glob(f"{NEXT}_*"))


def test_bad_names_and_bad_snapshots_are_input_errors(project: Path) -> None:
    assert run("migrate", "new", "Bad Name")[0] == 2
    (project / "generated" / "snapshot.json").write_text("{not json")
    code, _, err = run("migrate", "new", "x")
    assert code == 2 and "snapshot.json" in err


def test_diff_between_folders_and_git_revisions(project: Path) -> None:
    shutil.copytree(project / "spec", project / "spec_b")
    edit(
        project / "spec_b" / "users.yaml",
        "      avatar: varchar(255)?",
        "      avatar: varchar(255)?\n      locale: text?",
    )
    code, out, _ = run("diff", "spec", "spec_b")
    assert code == 0 and "ADD COLUMN IF NOT EXISTS locale text;" in out
    code, out, _ = run("diff", "spec", "spec_b", "--down")
    assert code == 0 and "DROP COLUMN IF EXISTS locale;" in out

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "spec"], check=True)
    subprocess.run([*git, "commit", "-qm", "spec"], check=True)
    code, out, err = run("diff", "git:HEAD", "spec_b")
    assert code == 0, err
    assert "ADD COLUMN IF NOT EXISTS locale text;" in out
    code, _, err = run("diff", "git:no-such-rev", "spec_b")
    assert code == 2 and "git:no-such-rev" in err


def test_json_format_lists_the_planned_operations(project: Path) -> None:
    shutil.copytree(project / "spec", project / "spec_b")
    edit(
        project / "spec_b" / "users.yaml",
        "      - columns: [created_at DESC]",
        "      - columns: [created_at DESC]\n      - columns: [avatar]",
    )
    code, out, _ = run("diff", "spec", "spec_b", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["version"] == 1 and document["transactional"] is False
    (op,) = document["operations"]
    assert op["kind"] == "create_index" and op["target"] == "users_avatar_idx"
    assert op["lock"] == "SHARE UPDATE EXCLUSIVE" and op["transactional"] is False
    assert op["locks"] == [{"lock": "SHARE UPDATE EXCLUSIVE", "on": "users", "brief": True}]
    shutil.rmtree(project / "spec")
    (project / "spec_b").rename(project / "spec")
    code, out, _ = run("migrate", "new", "avatar_index", "--format", "json")
    assert code == 0 and json.loads(out)["operations"][0]["kind"] == "create_index"


# The runner's refusals and failures, printed through the same formats (a real PostgreSQL).

MIGRATIONS = Path("generated") / "migrations"
EMPTY_DOCUMENT = {"version": 1, "summary": {"errors": 0, "warnings": 0}, "diagnostics": []}


def newest_migration(project: Path) -> str:
    return sorted((project / MIGRATIONS).glob("*.up.sql"))[-1].name.removesuffix(".up.sql")


def test_apply_in_json_prints_one_document_and_the_summary_aside(project: Path, pg_dsn: str) -> None:
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn, "--to", "1", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == EMPTY_DOCUMENT
    assert err.endswith("applied 1 migration (0001_initial): the database is at 0001\n")


def test_a_refusal_of_the_runner_is_a_diagnostic_in_every_format(project: Path, pg_dsn: str) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn, "--to", "1")[0] == 0
    up = project / MIGRATIONS / "0001_initial.up.sql"
    up.write_text(up.read_text() + "-- an afterthought\n")
    checksums.write(up.parent)  # re-signed: only the checksum the database recorded can tell
    problem = f"{MIGRATIONS}/0001_initial.up.sql was changed after it was applied (its checksum differs from the recorded one)"
    hint = (
        "restore the migration files from version control, or run the command the message names; nothing "
        "was run, so there is nothing to undo"
    )
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    assert err == f"error[SG708]: refused, nothing was run: {problem}\n  = hint: {hint}\n\n"
    code, out, _ = run("migrate", "down", "--dsn", pg_dsn, "--to", "0", "--format", "json")
    (refusal,) = json.loads(out)["diagnostics"]
    assert code == 1 and refusal["code"] == "SG708" and refusal["message"].endswith(problem)
    code, out, _ = run("migrate", "apply", "--dsn", pg_dsn, "--format", "github")
    assert code == 1 and out == (
        f"::error title=schemagen (SG708)::refused, nothing was run: {problem}%0Afix: {hint}\n"
    )


def test_a_failed_migration_is_a_diagnostic_at_its_line(project: Path, pg_dsn: str) -> None:
    folder = project / MIGRATIONS
    name = f"{NEXT}_half"
    (folder / f"{name}.up.sql").write_text(
        "-- half (up)\n\nCREATE TABLE public.half (id bigint);\n\nSELECT 1 / 0;\n"
    )
    (folder / f"{name}.down.sql").write_text("-- half (down)\n\nSELECT 1;\n")
    checksums.write(folder)
    hint = f"{name} was rolled back, nothing of it is applied: fix the cause and run the command again"
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    assert err.endswith(  # the failing statement quoted from the migration file
        f"error[SG709]: division by zero\n --> {MIGRATIONS}/{name}.up.sql:5\n  |\n"
        f"5 | SELECT 1 / 0;\n  | ^^^^^^^^^^^^^\n  = hint: {hint}\n\n"
    )
    code, out, _ = run("migrate", "apply", "--dsn", pg_dsn, "--format", "github")
    assert code == 1 and out == (
        f"::error file={MIGRATIONS}/{name}.up.sql,line=5,title=schemagen (SG709)::division by zero%0Afix: {hint}\n"
    )


def test_a_refused_baseline_lists_each_difference(project: Path, pg_dsn: str) -> None:
    with connect(pg_dsn, autocommit=True) as conn:  # the schema of 0001, not of the newest migration
        conn.execute((project / MIGRATIONS / "0001_initial.up.sql").read_bytes())
    newest = newest_migration(project)
    code, out, _ = run("migrate", "baseline", "--dsn", pg_dsn, "--format", "json")
    assert code == 1
    found = json.loads(out)["diagnostics"]
    assert {d["code"] for d in found} == {"SG710"} and len(found) > 1
    assert all(
        d["message"].startswith(
            f"the database does not have the schema of {newest}, so nothing was recorded: "
        )
        for d in found
    )
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn, "--to", "1", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == EMPTY_DOCUMENT
    assert "recorded 1 migration as applied without running them" in err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert (code, out) == (1, "")
    assert err.startswith(
        "error[SG708]: refused, nothing was run: the database already has a migration history"
    )


def test_status_as_json(project: Path, pg_dsn: str) -> None:
    def status() -> tuple[int, dict]:
        code, out, err = run("migrate", "status", "--dsn", pg_dsn, "--format", "json")
        assert err == ""
        return code, json.loads(out)

    code, document = status()
    assert code == 0
    assert document == {
        "version": 1,
        "current": None,
        "summary": {"applied": 0, "pending": 3, "part_way": 0},
        "migrations": [
            {
                "version": 1,
                "name": "initial",
                "state": "pending",
                "applied_at": None,
                "checksum": None,
                "direction": None,
                "steps_done": None,
                "steps_total": None,
                "problem": False,
            },
            {
                "version": 2,
                "name": "shard_guilds_8",
                "state": "pending",
                "applied_at": None,
                "checksum": None,
                "direction": None,
                "steps_done": None,
                "steps_total": None,
                "problem": False,
            },
            {
                "version": 3,
                "name": "keep_messages_window",
                "state": "pending",
                "applied_at": None,
                "checksum": None,
                "direction": None,
                "steps_done": None,
                "steps_total": None,
                "problem": False,
            },
        ],
        "problems": [],
    }
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn) as holder:  # the application, sitting on guilds: the down stops part-way
        holder.execute("LOCK TABLE guilds IN ACCESS SHARE MODE")
        code, _, _ = run(
            "migrate", "down", "--dsn", pg_dsn, "--to", "1", "--lock-timeout", "50ms", "--retries", "0"
        )
        holder.rollback()
    assert code == 1
    code, document = status()
    assert code == 1
    assert document["current"] == {"version": 1, "name": "initial"}
    assert document["summary"] == {"applied": 1, "pending": 1, "part_way": 1}
    first, second, third = document["migrations"]
    assert first["state"] == "applied" and first["checksum"] == "ok" and not first["problem"]
    assert first["applied_at"].endswith("+00:00")
    assert second["state"] == "part-way" and second["direction"] == "down" and second["problem"]
    assert 0 <= second["steps_done"] < second["steps_total"]
    assert third["state"] == "pending" and not third["problem"]  # its down ran whole before
    assert document["problems"] == [
        "0002_shard_guilds_8 is part-way through its down migration: `schemagen migrate down --to 1` resumes it"
    ]


def test_migrate_new_renders_again_so_check_passes_at_once(project: Path) -> None:
    edit(
        project / "spec" / "users.yaml",
        "      avatar: varchar(255)?",
        "      avatar: varchar(255)?\n      locale: text?",
    )
    code, out, err = run("migrate", "new", "add_locale")  # no `render` before it
    assert code == 0, err
    assert "generated/schema.sql and generated/ERD.md rendered again" in out
    assert "locale text" in (project / "generated" / "schema.sql").read_text()
    assert run("check")[0] == 0


def test_generated_is_found_beside_the_spec_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    spec = f"{project.name}/spec"
    edit(
        project / "spec" / "users.yaml",
        "      avatar: varchar(255)?",
        "      avatar: varchar(255)?\n      locale: text?",
    )
    code, _, err = run("migrate", "new", "add_locale", spec)
    assert code == 0, err
    assert (project / "generated" / "migrations" / "0004_add_locale.up.sql").exists()
    assert not (project.parent / "generated").exists()
    assert run("check", spec)[0] == 0
    assert run("render", spec)[0] == 0 and not (project.parent / "generated").exists()


def test_status_counts_a_part_way_down_and_says_how_to_finish_it(project: Path, pg_dsn: str) -> None:
    assert run("migrate", "apply", "--dsn", pg_dsn)[0] == 0
    with connect(pg_dsn) as holder:  # the application, sitting on guilds
        holder.execute("LOCK TABLE guilds IN ACCESS SHARE MODE")
        code, _, _ = run(
            "migrate", "down", "--dsn", pg_dsn, "--to", "1", "--lock-timeout", "50ms", "--retries", "0"
        )
        holder.rollback()
    assert code == 1
    code, out, err = run("migrate", "status", "--dsn", pg_dsn)
    assert code == 1
    # 0003 was reverted before 0002 stopped part-way
    assert out.splitlines()[-1] == "the database is at 0001_initial; 1 pending, 1 part-way"
    assert "part-way through its down migration: `schemagen migrate down --to 1` resumes it" in err
    code, _, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, err
    assert run("migrate", "status", "--dsn", pg_dsn)[1].splitlines()[-1] == (
        "the database is at 0001_initial; 2 pending"
    )
