"""`schemagen init`: a new project, ready for the editor, pre-commit and CI.

It writes a spec folder (the project's settings, and an example entity to start from, commented), the
`generated/` folder rendered from it, a pre-commit config and a GitHub Actions workflow that run
`schemagen check`; each spec file starts with the yaml-language-server line naming the JSON Schema
shipped inside the package. The files come from `schemagen/data/init/`; nothing that exists is
overwritten.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from schemagen import __version__
from schemagen.pipeline import compile_spec, render_outputs

SPEC_DIR, GENERATED_DIR = "spec", "generated"
#: What `init` writes (source file in data/init → path in the project), besides generated/.
FILES = {
    "project.yaml": f"{SPEC_DIR}/project.yaml",
    "entities.yaml": f"{SPEC_DIR}/entities.yaml",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "github-workflow.yml": ".github/workflows/schema.yml",
}
MODELINE = "# yaml-language-server: $schema={}"


class ScaffoldError(Exception):
    """The project cannot be written (a file is there already, a folder cannot be made)."""


@dataclass(frozen=True)
class Scaffold:
    written: list[Path]
    schema: str  # what the spec files' first line names


def packaged_schema() -> Path:
    """The JSON Schema of a spec file, as the package ships it."""
    return Path(str(files("schemagen") / "data" / "spec.schema.json"))


def schema_reference(spec_dir: Path) -> str:
    """How the spec files name the packaged JSON Schema: a path relative to the spec folder when the
    package is installed inside the project (a `.venv` in it, the usual case), else absolute."""
    schema = packaged_schema().resolve()
    root = spec_dir.resolve().parent
    if schema.is_relative_to(root):
        return Path(os.path.relpath(schema, spec_dir.resolve())).as_posix()
    return schema.as_posix()


def project_name(root: Path) -> str:
    """The folder's name as a project name: lower case, words joined by `-`."""
    name = re.sub(r"[^a-z0-9]+", "-", root.resolve().name.lower()).strip("-")
    return name or "app"


def init(root: Path) -> Scaffold:
    """Write a new project into `root` (made when missing); raises ScaffoldError, writing nothing, when
    one of its files exists already."""
    targets = [root / target for target in FILES.values()]
    generated = root / GENERATED_DIR
    taken = [p for p in [*targets, generated / "schema.sql", generated / "ERD.md"] if p.exists()]
    if (root / SPEC_DIR).is_dir() and any((root / SPEC_DIR).glob("*.y*ml")):
        taken.insert(0, root / SPEC_DIR)
    if taken:
        listed = ", ".join(str(p) for p in dict.fromkeys(taken))
        raise ScaffoldError(f"{listed} already exist{'s' * (len(taken) == 1)}: nothing written")
    reference = schema_reference(root / SPEC_DIR)
    values = {
        "@@MODELINE@@": MODELINE.format(reference),
        "@@NAME@@": project_name(root),
        "@@SPEC@@": SPEC_DIR,
        "@@GENERATED@@": GENERATED_DIR,
        "@@VERSION@@": __version__,
    }
    source = files("schemagen") / "data" / "init"
    written: list[Path] = []
    try:
        for name, target in FILES.items():
            text = (source / name).read_text(encoding="utf-8")
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            path = root / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        compiled = compile_spec(root / SPEC_DIR)
        generated.mkdir(parents=True, exist_ok=True)
        for name, text in render_outputs(compiled.model).items():
            (generated / name).write_text(text, encoding="utf-8")
            written.append(generated / name)
    except OSError as error:
        raise ScaffoldError(f"cannot write {root}: {error.strerror or error}") from None
    return Scaffold(written, reference)
