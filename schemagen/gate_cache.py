"""`schemagen check`'s memory of trees it found clean, so that a second run on an unchanged tree answers
without loading, building, rendering or planning anything.

A clean result is remembered under a key that hashes everything the result depends on:

- this schemagen: its version, every byte of its SQL templates, the name, size and modification time
  of every other file of the installed package (code, the built-in catalog), the Python version and
  the installed distributions (the names of their `.dist-info` folders, which carry their versions:
  pydantic, pglast, Jinja…);
- the command: the spec folder and the generated folder as written, `--templates`, `--base`, the
  current folder (paths are shown relative to it);
- every byte, and the name, of every file under the spec folder, the generated folder and the
  templates folder;
- the base revision's commit (the merge base with the main branch, or `--base` resolved to a commit),
  whose content git fixes.

Only a run that printed nothing but "in sync" (text format, no warning, no hazard, not `--live`) is
remembered, and a hit prints that same line; anything else runs in full. The cache lives in
`$XDG_CACHE_HOME/schemagen/check/` (default `~/.cache`), one small file per pair of folders;
`SCHEMAGEN_NO_CACHE=1` turns it off, and a cache that cannot be read or written is no cache, never an
error. Only the program itself uses it (`schemagen check` run as a command); a caller of `cli.main`
with arguments, such as the tests, always runs in full.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from schemagen import __version__
from schemagen.cache_home import cache_root

#: Bumped when what a key covers changes.
FORMAT = "schemagen-check-cache 1"


def _cache_dir() -> Path | None:
    root = cache_root()
    return Path(root) / "check" if root is not None else None


def _files(root: Path) -> list[Path]:
    """Every file under `root` (or `root` itself when it is a file), sorted, through symbolic links as
    the loader goes; bytecode caches aside."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    found: list[Path] = []
    for folder, dirs, names in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found.extend(Path(folder) / name for name in sorted(names))
    return found


def _add_tree(digest: hashlib._Hash, label: str, root: Path) -> None:
    """Every file's name and bytes."""
    digest.update(f"\0tree {label} {root}\0".encode())
    for path in _files(root):
        data = path.read_bytes()
        name = path.relative_to(root).as_posix() if path != root else "."
        digest.update(f"\0file {name} {len(data)}\0".encode())
        digest.update(data)


def _add_package(digest: hashlib._Hash) -> None:
    """schemagen's own files: the templates' bytes, and every other file's name, size and modification
    time (reading the whole package was a third of a cache hit; any edit, reinstall or checkout of
    another version changes a file's time)."""
    package = os.path.dirname(os.path.abspath(__file__))
    _add_tree(digest, "templates", Path(package) / "templates" / "postgres")
    stats: list[str] = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            stat = os.stat(os.path.join(folder, name))
            stats.append(f"{os.path.relpath(folder, package)}/{name} {stat.st_size} {stat.st_mtime_ns}")
    digest.update("\0".join(stats).encode())


def _distributions() -> Iterable[str]:
    """The `.dist-info` folder names on the import path: each installed distribution with its version."""
    for entry in sys.path:
        with suppress(OSError):
            for name in sorted(os.listdir(entry or ".")):
                if name.endswith(".dist-info"):
                    yield name


def key(spec_dir: Path, generated: Path, templates: Path | None, base: str | None) -> str | None:
    """The key of a `check` run but for its base commit (`with_base`), or None when one of its inputs
    cannot be read. Made while git is asked for that commit."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{sys.version}\0{sys.prefix}\0".encode())
    try:
        digest.update("\0".join(_distributions()).encode())
        _add_package(digest)
        digest.update(f"\0cwd {Path.cwd().resolve()}\0".encode())
        args = (str(spec_dir), str(generated), str(templates), str(base))
        digest.update(f"\0args {args!r}\0".encode())
        _add_tree(digest, "spec", spec_dir)
        _add_tree(digest, "generated", generated)
        if templates is not None:
            _add_tree(digest, "templates", templates)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def with_base(tree_key: str, base_commit: str | None) -> str:
    """The key of a `check` run: the key of its tree and options, and the base commit it reviews
    against (a new commit on the main branch may bring migrations the review must see)."""
    return hashlib.sha256(f"{tree_key}\0base {base_commit}".encode()).hexdigest()


def _slot(spec_dir: Path, generated: Path) -> str:
    """The file holding the last clean key of this pair of folders."""
    where = f"{spec_dir.resolve()}\0{generated.resolve()}"
    return hashlib.sha256(where.encode()).hexdigest()[:32]


def is_clean(spec_dir: Path, generated: Path, run_key: str) -> bool:
    """Whether the run with `run_key` was found clean before."""
    folder = _cache_dir()
    if folder is None:
        return False
    try:
        return (folder / _slot(spec_dir, generated)).read_text(encoding="ascii") == run_key
    except (OSError, ValueError):
        return False


def remember_clean(spec_dir: Path, generated: Path, run_key: str) -> None:
    """Record that the run with `run_key` found the tree clean (replacing this pair's older record)."""
    folder = _cache_dir()
    if folder is None:
        return
    with suppress(OSError, ValueError):
        folder.mkdir(parents=True, exist_ok=True)
        slot = folder / _slot(spec_dir, generated)
        partial = slot.with_name(f"{slot.name}.{os.getpid()}.tmp")
        partial.write_text(run_key, encoding="ascii")
        os.replace(partial, slot)
