"""Where a spec comes from: a folder, or `git:REV[:PATH]` (a folder as of a commit)."""

from __future__ import annotations

import io
import os
import subprocess
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
    import tarfile  # here, as tempfile: only a spec or history read out of git needs them
    import tempfile

    with tempfile.TemporaryDirectory(prefix="schemagen-git-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder) / path


MAIN_BRANCHES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


def _git(*args: str) -> str | None:
    """A git command's output, or None when git or the repository is not there or it fails."""
    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False, text=True)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def file_names(rev: str, path: str) -> list[str] | None:
    """The names of the files under `path` (relative to the current folder) at revision `rev`; None
    when git cannot say (no such revision, no git)."""
    listed = _git("ls-tree", "-r", "--name-only", "--end-of-options", rev, "--", path)
    return None if listed is None else [line.rsplit("/", 1)[-1] for line in listed.splitlines()]


def commit_of(rev: str) -> str | None:
    """The commit `rev` names, or None when it names none (or git is not there)."""
    return _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")


#: Where `git rev-parse NAME` looks for a ref named NAME, in git's order (gitrevisions(7)).
_REF_PLACES = ("refs/{}", "refs/tags/{}", "refs/heads/{}", "refs/remotes/{}", "refs/remotes/{}/HEAD")


def default_base() -> str | None:
    """The merge base of HEAD with the main branch (the first of MAIN_BRANCHES that names a ref): what
    a pull request adds is what lies after it. None outside a git work tree, or when no main branch is
    known. Three git commands: which main branches exist is asked once, for all of them."""
    if _git("rev-parse", "--is-inside-work-tree") != "true":
        return None
    places = {place.format(branch): branch for branch in MAIN_BRANCHES for place in _REF_PLACES}
    listed = _git("for-each-ref", "--format=%(refname)", *places)
    found = {places[ref] for ref in (listed or "").splitlines() if ref in places}
    for branch in MAIN_BRANCHES:
        if branch in found:
            return _git("merge-base", "HEAD", branch)
    return None


def work_tree_path(path: Path) -> str | None:
    """`path` as a git pathspec (relative to the current directory) when it lies in the work tree the
    current directory is in, else None."""
    top = _git("rev-parse", "--show-toplevel")
    if top is None:
        return None
    resolved = path.resolve()
    if not resolved.is_relative_to(Path(top).resolve()):
        return None
    return Path(os.path.relpath(resolved, Path.cwd().resolve())).as_posix()
