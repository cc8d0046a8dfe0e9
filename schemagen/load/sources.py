"""Where a spec comes from: a folder, or `git:REV[:PATH]` (a folder as of a commit)."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_PATH = "spec"


class SourceError(Exception):
    """The spec cannot be found at the given place."""


@contextmanager
def checkout(source: str) -> Iterator[Path]:
    """The spec folder named by `source`; a `git:` source is extracted into a temporary folder."""
    if not source.startswith("git:"):
        yield Path(source)
        return
    rev, _, path = source[len("git:") :].partition(":")
    path = path.strip("/") or DEFAULT_PATH
    if not rev:
        raise SourceError(f"{source}: write git:REV or git:REV:PATH")
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", rev, "--", path], capture_output=True, check=False
        )
    except OSError as error:
        raise SourceError(f"{source}: cannot run git: {error.strerror or error}") from None
    if archive.returncode != 0:
        message = archive.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"{source}: {message[-1] if message else 'git archive failed'}")
    with tempfile.TemporaryDirectory(prefix="schemagen-git-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder) / path
