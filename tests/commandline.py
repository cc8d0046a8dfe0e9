"""What the adoption and migration tests share: the command line run in-process as a user runs it, and
an edit of a spec file that must find its text exactly once. The `fresh` and `workdir` fixtures are in
conftest.py."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from schemagen.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}:\n{text}"
    path.write_text(text.replace(old, new))
