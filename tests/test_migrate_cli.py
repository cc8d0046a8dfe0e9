"""`schemagen migrate new` and `schemagen diff` as a user runs them, on a copy of the example project."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemagen.cli import cli

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
    edit(project / "spec" / "users.yaml", "      avatar: varchar(255)?\n", "")
    code, _, err = run("migrate", "new", "drop_avatar")
    assert code == 1
    assert "SG902 drops column users.avatar" in err and "nothing written" in err
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


def test_refused_plans_exit_2_with_the_fix(project: Path) -> None:
    edit(
        project / "spec" / "users.yaml",
        "      avatar: varchar(255)?",
        "      avatar: varchar(255)?\n      locale: text",
    )
    code, _, err = run("migrate", "new", "add_locale")
    assert code == 2 and "NOT NULL without a default" in err and "Traceback" not in err


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
