"""The integrations a team plugs schemagen into: pre-commit hooks, the GitHub Action, the JSON Schema."""

from __future__ import annotations

import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.parse.spec import json_schema


@pytest.fixture
def project(tmp_path: Path, repo_root: Path) -> Path:
    shutil.copytree(repo_root / "spec", tmp_path / "spec")
    shutil.copytree(repo_root / "generated", tmp_path / "generated")
    return tmp_path


def make_stale(project: Path) -> None:
    users = project / "spec" / "users.yaml"
    users.write_text(
        users.read_text().replace(
            "      avatar: varchar(255)?", "      avatar: varchar(255)?\n      locale: text?", 1
        )
    )


def test_json_schema_is_fresh(repo_root: Path) -> None:
    assert (repo_root / "docs" / "spec.schema.json").read_text() == json_schema(), (
        "run: schemagen json-schema > docs/spec.schema.json"
    )


def as_editor_sees_it(value: Any) -> Any:
    """YAML as a YAML 1.2 editor reads it: dates stay strings."""
    if isinstance(value, dict):
        return {str(k): as_editor_sees_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees_it(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def test_json_schema_accepts_the_example_specs_and_rejects_mistakes(repo_root: Path) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(json_schema()))
    files = (
        sorted((repo_root / "spec").glob("*.yaml"))
        + sorted((repo_root / "examples" / "citus" / "spec").glob("*.yaml"))
        + sorted((repo_root / "tests" / "specs").rglob("*.yaml"))
    )
    assert len(files) > 6
    for path in files:
        errors = list(validator.iter_errors(as_editor_sees_it(yaml.safe_load(path.read_text()))))
        assert errors == [], f"{path}: {errors[0].message}"
    bad = {"entities": {"users": {"colums": {"id": "bigint"}}}}
    assert any("colums" in e.message for e in validator.iter_errors(bad))
    bad_type = {"entities": {"guilds": {"partition": {"hash": {"key": "id", "modulus": "four"}}}}}
    assert list(validator.iter_errors(bad_type))


def test_pre_commit_hooks_run_the_commands_they_name(
    repo_root: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((repo_root / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"schemagen-check", "schemagen-render"}
    monkeypatch.chdir(project)
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        program, *args = shlex.split(hook["entry"])
        assert program == "schemagen"
        assert CliRunner().invoke(cli, args).exit_code == 0, hook["id"]
    make_stale(project)
    check_args = shlex.split(hooks["schemagen-check"]["entry"])[1:]
    assert CliRunner().invoke(cli, check_args).exit_code == 1
    assert CliRunner().invoke(cli, shlex.split(hooks["schemagen-render"]["entry"])[1:]).exit_code == 0


def action_command(repo_root: Path) -> tuple[str, dict[str, str]]:
    """The GitHub Action's check step: its shell command and its environment with the inputs' defaults."""
    action = yaml.safe_load((repo_root / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = action["runs"]["steps"][-1]
    assert step["shell"] == "bash"
    defaults = {name: str(spec["default"]) for name, spec in action["inputs"].items()}
    env = {key: value.replace("${{ inputs.", "").replace(" }}", "") for key, value in step["env"].items()}
    return step["run"], {key: defaults[value] for key, value in env.items()}


def test_github_action_reports_problems_as_annotations(repo_root: Path, project: Path) -> None:
    command, inputs = action_command(repo_root)
    env = {**os.environ, **inputs, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    clean = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    make_stale(project)
    stale = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True)
    assert stale.returncode == 1
    assert stale.stdout.startswith("::error file=generated/schema.sql,line=")
    assert "title=schemagen (SG702)" in stale.stdout
