"""Where a spec comes from: a folder, or `git:REV[:PATH]` (a folder as of a commit)."""

from __future__ import annotations

import io
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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


class BaseRevision:
    """What a review asks git about its base revision, asked on threads while the caller works: the
    base's commit (`base`, else the merge base with the main branch) from the moment this is made;
    where `folder` lies in the work tree and the names of the files under its `listed` subfolder at
    the base from the moment they are wanted (`ask_for_names`, or reading them). Each answer is a git
    process or three: the caller hashes or compiles the spec meanwhile instead of waiting for them
    one after the other. An answer is None when git cannot give it, as with the functions above."""

    def __init__(self, base: str | None, folder: Path, listed: str) -> None:
        self.base = base
        self._folder = folder
        self._listed = listed
        self._commit: str | None = None
        self._path: str | None = None
        self._names: list[str] | None = None
        self._commit_thread = _started(self._ask_commit)
        self._names_thread: threading.Thread | None = None

    def _ask_commit(self) -> None:
        self._commit = commit_of(self.base) if self.base is not None else default_base()

    def _ask_names(self) -> None:
        rev = self.rev
        self._path = work_tree_path(self._folder) if rev else None
        if rev and self._path is not None:
            self._names = file_names(rev, f"{self._path}/{self._listed}")

    def ask_for_names(self) -> None:
        """Start asking for `path` and `names` now."""
        if self._names_thread is None:
            self._names_thread = _started(self._ask_names)

    @property
    def commit(self) -> str | None:
        """The commit of the base revision."""
        self._commit_thread.join()
        return self._commit

    @property
    def rev(self) -> str | None:
        """The revision to read the base's files at: `base` as given, else the merge base."""
        return self.base or self.commit

    @property
    def path(self) -> str | None:
        """`folder` as a pathspec of the work tree; None outside one (or without a base)."""
        self.ask_for_names()
        assert self._names_thread is not None
        self._names_thread.join()
        return self._path

    @property
    def names(self) -> list[str] | None:
        """The names of the files under `folder/listed` at the base revision."""
        _ = self.path
        return self._names


def _started(ask: Callable[[], None]) -> threading.Thread:
    """A thread running `ask`, started; an error in it leaves the answer unknown (None), as git's own
    failures do, instead of printing a traceback."""

    def run() -> None:
        with suppress(Exception):
            ask()

    thread = threading.Thread(target=run, name="schemagen-git", daemon=True)
    thread.start()
    return thread
