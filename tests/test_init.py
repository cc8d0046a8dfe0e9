"""`schemagen init`: a new project that validates, renders, passes `check` once migrated, and whose
spec files name the JSON Schema the package ships."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from schemagen import scaffold
from schemagen.cli import cli
from schemagen.parse.spec import json_schema


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="schemagen")


def test_the_package_ships_the_json_schema(repo_root: Path) -> None:
    packaged = scaffold.packaged_schema()
    assert packaged.read_text() == json_schema() == (repo_root / "docs" / "spec.schema.json").read_text(), (
        "run: schemagen json-schema > docs/spec.schema.json && cp docs/spec.schema.json schemagen/data/"
    )
    result = invoke("json-schema", "--path")
    assert (result.exit_code, result.stdout) == (0, f"{packaged}\n")


def test_init_writes_a_project_that_validates_renders_and_passes_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "shop")
    assert result.exit_code == 0, result.output
    root = tmp_path / "shop"
    written = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert written == [
        ".github/workflows/schema.yml",
        ".pre-commit-config.yaml",
        "generated/ERD.md",
        "generated/schema.sql",
        "spec/entities.yaml",
        "spec/project.yaml",
    ]
    assert result.stdout.startswith("wrote shop/spec/project.yaml\n")
    assert "`schemagen migrate new initial shop/spec`" in result.stdout

    # the first line of each spec file names the packaged schema, and the files satisfy it
    schema = json.loads(scaffold.packaged_schema().read_text())
    for spec_file in sorted((root / "spec").glob("*.yaml")):
        first = spec_file.read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema={scaffold.packaged_schema().resolve().as_posix()}"
        data = yaml.safe_load(spec_file.read_text())
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == [], spec_file
    assert "name: shop" in (root / "spec" / "project.yaml").read_text()

    # generated/ is what `render` writes; `check` wants the first migration, then passes
    monkeypatch.chdir(root)
    before = {p.name: p.read_bytes() for p in (root / "generated").iterdir()}
    assert invoke("render").exit_code == 0
    assert {p.name: p.read_bytes() for p in (root / "generated").iterdir()} == before
    assert invoke("validate").stderr == ""  # not even a warning
    checked = invoke("check")
    assert checked.exit_code == 1 and "error[SG702]" in checked.stdout
    assert invoke("migrate", "new", "initial").exit_code == 0
    checked = invoke("check")
    assert checked.exit_code == 0, checked.output

    # the pre-commit hook and the workflow run that same gate
    (hook,) = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "schemagen check spec",
        "system",
        False,
    )
    assert hook["files"] == "^(spec|generated)/"
    workflow = yaml.safe_load((root / ".github" / "workflows" / "schema.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    assert steps[-1] == {"run": "schemagen check spec --format github"}


def test_init_overwrites_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "mine.yaml").write_text("entities: {}\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    result = invoke("init")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "init: spec, .pre-commit-config.yaml already exist: nothing written\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [".pre-commit-config.yaml", "mine.yaml", "spec"]
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == "repos: []\n"


def test_the_schema_is_named_relative_to_the_spec_when_installed_in_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = (
        tmp_path / ".venv" / "lib" / "python3" / "site-packages" / "schemagen" / "data" / "spec.schema.json"
    )
    inside.parent.mkdir(parents=True)
    inside.write_text("{}")
    monkeypatch.setattr(scaffold, "packaged_schema", lambda: inside)
    expected = "../.venv/lib/python3/site-packages/schemagen/data/spec.schema.json"
    assert scaffold.schema_reference(tmp_path / "spec") == expected
