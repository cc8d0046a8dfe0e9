"""`schemagen check`, the CI gate, on a copy of the example project: one scenario per way to fail."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.migrate import checksums


@pytest.fixture
def project(tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(repo_root / "spec", tmp_path / "spec")
    shutil.copytree(repo_root / "generated", tmp_path / "generated")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def add_locale(project: Path) -> None:
    users = project / "spec" / "users.yaml"
    users.write_text(
        users.read_text().replace(
            "      avatar: varchar(255)?", "      avatar: varchar(255)?\n      locale: text?", 1
        )
    )


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def codes(output: str) -> list[str]:
    return [d["code"] for d in json.loads(output)["diagnostics"]]


def test_clean_tree_passes(project: Path) -> None:
    code, out, _ = run("check")
    assert code == 0 and "in sync" in out


def test_spec_changed_and_nothing_rendered(project: Path) -> None:
    add_locale(project)
    code, out, _ = run("check")
    assert code == 1
    assert "generated/schema.sql:" in out and "run `schemagen render`" in out
    assert "run `schemagen migrate new NAME`" in out
    code, out, _ = run("check", "--format", "json")
    assert code == 1 and codes(out) == ["SG701", "SG702"]  # ERD.md shows key columns only


def test_rendered_but_no_migration(project: Path) -> None:
    add_locale(project)
    assert run("render")[0] == 0
    code, out, _ = run("check")
    assert code == 1
    line = line_of(project / "spec" / "users.yaml", "      locale:")
    assert out == (  # at the spec line of what changed, quoted
        "error[SG702]: the spec has changes that no migration covers: add column users.locale\n"
        f"  --> spec/users.yaml:{line}:7\n"
        "   |\n"
        f"{line} |       locale: text?\n"
        "   |       ^^^^^^\n"
        "   = hint: run `schemagen migrate new NAME` and commit the migration\n"
        "\n"
        "1 problem found by schemagen check\n"
    )
    assert run("migrate", "new", "add_locale")[0] == 0
    assert run("check")[0] == 0


def test_hand_edited_schema_sql(project: Path) -> None:
    schema = project / "generated" / "schema.sql"
    schema.write_text(
        schema.read_text().replace("username character varying(32) NOT NULL", "username text NOT NULL")
    )
    code, out, _ = run("check", "--format", "json")
    assert code == 1
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert diagnostic["code"] == "SG701" and diagnostic["file"] == "generated/schema.sql"
    assert diagnostic["line"] == next(
        i for i, line in enumerate(schema.read_text().splitlines(), 1) if "username text" in line
    )


def test_edited_and_removed_migrations_name_the_file(project: Path) -> None:
    migrations = project / "generated" / "migrations"
    down = migrations / "0001_initial.down.sql"
    down.write_text(down.read_text() + "-- edited\n")
    code, out, _ = run("check")
    assert code == 1 and "0001_initial.down.sql" in out and "[SG703]" in out
    down.unlink()
    code, out, _ = run("check", "--format", "json")
    assert code == 1 and "SG703" in codes(out)
    assert any("0001_initial.down.sql" in d["message"] for d in json.loads(out)["diagnostics"])


def test_destructive_pending_change_unless_allowed(project: Path) -> None:
    """Each destructive hazard under its own code, at the spec line of what it changes: a dropped column
    at its table, a narrowed column at the column."""
    users = project / "spec" / "users.yaml"
    text = users.read_text().replace("      avatar: varchar(255)?\n", "", 1)
    users.write_text(text.replace("      username: varchar(32)", "      username: varchar(16)", 1))
    table_line = line_of(users, "  users:")
    column_line = line_of(users, "      username: varchar(16)")
    run("render")
    code, out, _ = run("check", "--format", "json")
    assert code == 1 and sorted(codes(out)) == ["SG702", "SG902", "SG903"]
    by_code = {d["code"]: d for d in json.loads(out)["diagnostics"]}
    dropped, narrowed = by_code["SG902"], by_code["SG903"]
    assert (dropped["file"], dropped["line"], dropped["column"]) == ("spec/users.yaml", table_line, 3)
    assert (dropped["end_line"], dropped["end_column"]) == (table_line, 8)  # `users` ends at column 7
    assert dropped["message"] == "drops column users.avatar and its values"
    assert dropped["hint"] == "keep the column, or allow it: `allow_destructive: [drop column users.avatar]`"
    assert (narrowed["line"], narrowed["column"], narrowed["end_column"]) == (column_line, 7, 15)
    code, out, _ = run("check")
    assert (
        code == 1
        and (
            "error[SG902]: drops column users.avatar and its values\n"
            f" --> spec/users.yaml:{table_line}:3\n"
            "  |\n"
            f"{table_line} |   users:\n"
            "  |   ^^^^^\n"
            "  = hint: keep the column, or allow it: `allow_destructive: [drop column users.avatar]`\n"
        )
        in out
    )
    code, out, _ = run("check", "--format", "github")
    assert (
        code == 1
        and (
            f"::error file=spec/users.yaml,line={table_line},col=3,endLine={table_line},endColumn=8,"
            "title=schemagen (SG902)::drops column users.avatar and its values%0Afix: keep the column, or allow "
            "it: `allow_destructive: [drop column users.avatar]`\n"
        )
        in out
    )
    users.write_text(text)
    run("render")
    project_file = project / "spec" / "project.yaml"
    project_file.write_text(
        project_file.read_text().replace(
            "  name: discord-bot\n", "  name: discord-bot\n  allow_destructive: [drop column users.avatar]\n"
        )
    )
    code, out, _ = run("check", "--format", "json")
    assert code == 1 and codes(out) == ["SG702"]


def test_github_format(project: Path) -> None:
    add_locale(project)
    run("render")
    code, out, _ = run("check", "--format", "github")
    assert code == 1
    line = line_of(project / "spec" / "users.yaml", "      locale:")
    assert out == (
        f"::error file=spec/users.yaml,line={line},col=7,endLine={line},endColumn=13,title=schemagen (SG702)::"
        "the spec has changes that no migration covers: add column users.locale%0Afix: run `schemagen "
        "migrate new NAME` and commit the migration\n"
    )


def test_bad_input_exits_2_without_traceback(project: Path) -> None:
    (project / "spec" / "broken.yaml").write_text("entities: [\n")
    code, out, err = run("check")
    assert code == 2 and "SG002" in err and "Traceback" not in err + out
    code, out, _ = run("check", "--format", "json")
    assert code == 2 and codes(out) == ["SG002"]
    shutil.rmtree(project / "spec")
    assert run("check")[0] == 2


def test_a_change_that_cannot_be_planned(project: Path) -> None:
    users = project / "spec" / "users.yaml"
    users.write_text(
        users.read_text().replace(
            "      flags: {type: integer, nullable: true, default: 0}\n",
            "      flags: {type: date, nullable: true}\n",
            1,
        )
    )
    run("render")
    code, out, _ = run("check", "--format", "json")
    assert code == 1 and codes(out) == ["SG952"]
    assert (
        "the type of users.flags changes from integer to date" in json.loads(out)["diagnostics"][0]["message"]
    )


def test_a_deleted_history_is_caught(project: Path) -> None:
    shutil.rmtree(project / "generated" / "migrations")
    code, out, _ = run("check")
    assert code == 1
    assert (
        "error[SG703]: generated/migrations holds no migration, but "
        "generated/snapshot.json describes the schema after 0003_keep_messages_window" in out
    )
    assert "\n --> generated/migrations\n" in out
    code, out, _ = run("check", "--live")
    assert code == 1 and "SG703" in out  # the replay never runs on a history that is not there


def test_a_history_without_its_newest_migration_is_caught(project: Path) -> None:
    folder = project / "generated" / "migrations"
    for path in folder.glob("0003_*"):
        path.unlink()
    checksums.write(folder)  # re-signed: the chain alone cannot tell
    code, out, _ = run("check")
    assert code == 1
    assert (
        "the newest migration is 0002_shard_guilds_8, but generated/snapshot.json describes the schema "
        "after 0003_keep_messages_window" in out
    )


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture
def repository(project: Path) -> Path:
    """The example project as a git repository: main holds it as it is, the work happens on a branch."""
    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "root")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "the example")
    git("checkout", "-q", "-b", "drop-region")
    return project


def test_a_pull_requests_destructive_migration_fails_unless_the_spec_allows_it(repository: Path) -> None:
    guilds = repository / "spec" / "guilds.yaml"
    guilds.write_text(
        guilds.read_text()
        .replace("      region: varchar(50)?\n", "", 1)
        .replace("      - columns: [region, created_at]\n", "", 1)
    )
    assert run("render")[0] == 0
    code, _, err = run("migrate", "new", "drop_region", "--allow-destructive")
    assert code == 0, err
    assert run("check", "--base", "main")[0] == 1  # nothing in the spec allows it

    code, out, _ = run("check")  # the base is main's merge base by default
    assert code == 1
    # at the line of the table the column was dropped from
    assert (
        "error[SG902]: drops column guilds.region and its values (added since the base: "
        f"0004_drop_region.up.sql)\n --> spec/guilds.yaml:{line_of(guilds, '  guilds:')}:3\n" in out
    )
    assert "1 problem found by schemagen check" in out

    project = repository / "spec" / "project.yaml"
    project.write_text(
        project.read_text().replace(
            "project:\n", "project:\n  allow_destructive: [drop column guilds.region]\n", 1
        )
    )
    assert run("render")[0] == 0
    code, out, _ = run("check")
    assert code == 0, out
    assert "warning[SG902]: drops column guilds.region" in out  # listed for the reviewer, allowed


def test_without_git_there_is_no_base(project: Path) -> None:
    code, out, _ = run("check")
    assert code == 0 and "in sync" in out
    code, _, err = run("check", "--base", "main")
    assert code == 2 and "not in a git work tree" in err


def test_snapshot_read_only_when_not_the_spec_s_text(project: Path) -> None:
    """In sync, the snapshot is the very text the spec dumps to; rewritten another way (same JSON,
    other spacing) it is read and compared as a Model; broken, it is reported, not a traceback."""
    path = project / "generated" / "snapshot.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps(data, indent=1, sort_keys=True))
    code, out, _ = run("check")
    assert code == 0 and "in sync" in out
    data["model"]["tables"][0]["columns"][0]["name"] = "renamed_by_hand"
    path.write_text(json.dumps(data, indent=1, sort_keys=True))
    code, out, _ = run("check", "--format", "json")
    assert code == 1 and "SG702" in codes(out)  # the spec differs from the (edited) snapshot
    data["model"]["tables"][0]["columns"] = "not a list"
    path.write_text(json.dumps(data))
    code, out, _ = run("check")
    assert code == 1
    assert "generated/snapshot.json: the snapshot is malformed at" in out
    path.write_text("{not json")
    code, out, _ = run("check")
    assert code == 1 and "generated/snapshot.json: the snapshot is not valid JSON" in out
