"""An installed schemagen renders without the source tree: the templates ship inside the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path


def test_wheel_renders_the_example_without_the_source_tree(repo_root: Path, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(wheels),
            str(repo_root),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("schemagen-*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(installed)
    assert "schemagen/templates/postgres/schema.sql.j2" in names
    assert "schemagen/templates/postgres/erd.md.j2" in names
    assert "schemagen/templates/postgres/migrate/partition_move_rows.sql.j2" in names
    assert "schemagen/database/sql/relations.sql" in names
    assert "schemagen/data/spec.schema.json" in names  # what `init` points editors at
    assert "schemagen/data/init/entities.yaml" in names
    assert "schemagen/postgres/builtins/pg15.json" in names  # the catalog of built-ins (SG111–SG119, SG605)
    assert "schemagen/data/init/github-workflow.yml" in names

    work = tmp_path / "elsewhere"
    shutil.copytree(repo_root / "spec", work / "spec")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import schemagen, sys; print(schemagen.__file__); "
            "from schemagen.cli import main; main(['render', 'spec', '-o', 'out'])",
        ],
        cwd=work,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(installed))
    for name in ("schema.sql", "ERD.md"):
        assert (work / "out" / name).read_bytes() == (repo_root / "generated" / name).read_bytes()
