"""`schemagen check`'s cache of clean trees (schemagen/gate_cache.py): a second run on an unchanged tree
answers without loading the spec, and any changed byte of the spec, the generated folder or a
template, or another base revision, runs the whole check again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemagen.cli import cli

TIMEOUT = 120
IN_SYNC = "spec and generated are in sync: nothing stale, every change migrated, history intact\n"
#: What a full check imports and an answer from the cache does not.
STAGES = ("pydantic", "yaml", "jinja2", "pglast", "schemagen.pipeline")


@pytest.fixture
def project(tmp_path: Path, repo_root: Path) -> Path:
    shutil.copytree(repo_root / "spec", tmp_path / "spec")
    shutil.copytree(repo_root / "generated", tmp_path / "generated")
    return tmp_path


def check(project: Path, *args: str, **env: str) -> tuple[int, str, bool]:
    """(exit code, stdout, whether the stages were imported) of `schemagen check` as a program."""
    environ = {k: v for k, v in os.environ.items() if k != "SCHEMAGEN_NO_CACHE"}
    environ.update({"XDG_CACHE_HOME": str(project / "cache"), "GIT_CEILING_DIRECTORIES": str(project.parent)})
    environ.update(env)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "schemagen", "check", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    return proc.returncode, proc.stdout, any(stage in imported for stage in STAGES)


def test_an_unchanged_tree_is_answered_from_the_cache(project: Path) -> None:
    assert check(project) == (0, IN_SYNC, True)
    assert check(project) == (0, IN_SYNC, False)
    assert check(project) == (0, IN_SYNC, False)
    # off: the whole check runs
    assert check(project, SCHEMAGEN_NO_CACHE="1") == (0, IN_SYNC, True)


def test_a_changed_byte_anywhere_runs_the_check_again(project: Path) -> None:
    assert check(project) == (0, IN_SYNC, True)
    erd = project / "generated" / "ERD.md"
    text = erd.read_text()
    erd.write_text(text + "\n")
    code, out, full = check(project)
    assert code == 1 and full and "SG701" in out  # stale: never remembered
    erd.write_text(text)
    assert check(project) == (0, IN_SYNC, False)  # the clean tree's record is still there
    # a comment changes no output, but it is a changed byte of the spec
    users = project / "spec" / "users.yaml"
    users.write_text("# a comment\n" + users.read_text())
    assert check(project) == (0, IN_SYNC, True)
    assert check(project) == (0, IN_SYNC, False)
    # a new file in the generated folder, and a user template identical to the built-in one
    (project / "generated" / "notes.txt").write_text("x")
    assert check(project) == (0, IN_SYNC, True)
    package_templates = Path(__file__).resolve().parent.parent / "schemagen" / "templates" / "postgres"
    (project / "spec" / "templates" / "postgres").mkdir(parents=True)
    shutil.copy(package_templates / "index.sql.j2", project / "spec" / "templates" / "postgres")
    assert check(project) == (0, IN_SYNC, True)
    assert check(project) == (0, IN_SYNC, False)
    # other arguments, the same tree
    spec = str(project / "spec")
    said = f"{spec} and {project / 'generated'} are in sync"
    code, out, full = check(project, spec)
    assert (code, out.startswith(said), full) == (0, True, True)
    code, out, full = check(project, spec)
    assert (code, out.startswith(said), full) == (0, True, False)
    code, out, full = check(project, "--format", "json")
    assert code == 0 and full  # only text is answered from the cache


def test_another_base_revision_runs_the_check_again(project: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=project,
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )

    git("init", "-q", "-b", "main")
    (project / ".gitignore").write_text("cache/\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    assert check(project) == (0, IN_SYNC, True)
    assert check(project) == (0, IN_SYNC, False)
    git("commit", "-q", "--allow-empty", "-m", "two")  # the merge base with main moves
    assert check(project) == (0, IN_SYNC, True)
    assert check(project) == (0, IN_SYNC, False)
    assert check(project, "--base", "HEAD~1") == (0, IN_SYNC, True)
    assert check(project, "--base", "HEAD~1") == (0, IN_SYNC, False)
    code, _, _ = check(project, "--base", "no-such-revision")
    assert code == 2


def test_callers_of_the_cli_never_use_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / "cache"))
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE", raising=False)
    result = CliRunner().invoke(cli, ["check"], prog_name="schemagen")
    assert result.exit_code == 0 and result.stdout == IN_SYNC
    assert not (project / "cache" / "schemagen" / "check").exists()
