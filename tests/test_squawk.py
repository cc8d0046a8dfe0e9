"""Every generated migration is linted by squawk (PyPI squawk-cli) with its default rules; the rules
that stay raised are the ones docs/migrations.md lists, with why."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from schemagen.migrate.header import is_transactional
from schemagen.migrate.migration import build_migration
from schemagen.pipeline import compile_spec

SCENARIOS = Path(__file__).parent / "migrations"


def documented_rules(repo_root: Path) -> set[str]:
    page = (repo_root / "docs" / "migrations.md").read_text()
    section = page[page.index("## Lint: squawk") :]
    return {
        rule
        for row in section.splitlines()
        if row.startswith("| `")
        for rule in re.findall(r"`([a-z-]+)`", row.split("|")[1])
    }


def squawk() -> str:
    found = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
    assert found, "squawk is installed by the `test` extra (squawk-cli)"
    return found


@pytest.fixture(scope="module")
def migration_files(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> list[Path]:
    out = tmp_path_factory.mktemp("lint")
    pairs = [
        (compile_spec(case / "a").model, compile_spec(case / "b").model, case.name)
        for case in sorted(SCENARIOS.iterdir())
        if (case / "a").is_dir()
    ]
    example = compile_spec(repo_root / "spec").model
    pairs.append((None, example, "initial"))
    spec = out / "spec8"
    shutil.copytree(repo_root / "spec", spec)
    guilds = spec / "guilds.yaml"
    guilds.write_text(guilds.read_text().replace("modulus: 4", "modulus: 8"))
    pairs.append((example, compile_spec(spec).model, "reshard"))
    files = []
    for before, after, name in pairs:
        migration = build_migration(before, after, name)
        for direction, text in (("up", migration.up_sql), ("down", migration.down_sql)):
            path = out / f"{name}.{direction}.sql"
            path.write_text(text)
            files.append(path)
    return files


def lint(path: Path) -> list[dict]:
    args = [squawk(), "--pg-version", "15", "--reporter", "json", str(path)]
    if is_transactional(path.read_text()):
        args.append("--assume-in-transaction")
    result = subprocess.run(args, capture_output=True, text=True)
    return json.loads(result.stdout or "[]")


def test_only_documented_rules_stay_raised(migration_files: list[Path], repo_root: Path) -> None:
    allowed = documented_rules(repo_root)
    assert "require-concurrent-partition-detach" in allowed
    raised = {}
    for path in migration_files:
        for violation in lint(path):
            raised.setdefault(violation["rule_name"], f"{path.name}:{violation['line']}")
    undocumented = {rule: where for rule, where in raised.items() if rule not in allowed}
    assert undocumented == {}, "list each rule, with why, in docs/migrations.md"


def test_timeouts_are_set_in_every_file(migration_files: list[Path]) -> None:
    for path in migration_files:
        rules = {v["rule_name"] for v in lint(path)}
        assert not rules & {"require-lock-timeout", "require-statement-timeout"}, path.name


def test_squawk_sees_a_bad_migration(tmp_path: Path) -> None:
    """The lint is real: a plain CREATE INDEX on an existing table is caught."""
    bad = tmp_path / "bad.sql"
    bad.write_text(
        "SET lock_timeout = '1s';\nSET statement_timeout = '5s';\nCREATE INDEX users_name_idx ON users (name);\n"
    )
    assert "require-concurrent-index-creation" in {v["rule_name"] for v in lint(bad)}
