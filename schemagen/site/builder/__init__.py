"""A Model as a static site: an index with search, a page per table, view, enum and migration, and ER
diagrams drawn at build time. No server, no network, no script but the index's search: the folder
opens from `file://` and publishes as it is.

The same Model and migrations give the same bytes: no dates, no versions, everything sorted, the
diagram layout deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from schemagen.model import Model
from schemagen.site.builder.migrations import MigrationRecord, read_migrations
from schemagen.site.builder.pages import Site

__all__ = ["MANIFEST", "SiteError", "build_site", "read_migrations", "write_site"]

#: The list of files a build wrote, kept in the output folder: the next build removes the pages of
#: objects that are gone, and never touches a folder that holds anything else.
MANIFEST = ".schemagen-docs"


class SiteError(Exception):
    """The site cannot be written where asked; the message says why."""


def build_site(
    model: Model, *, spec_root: Path | None = None, migrations: Sequence[MigrationRecord] = ()
) -> dict[str, bytes]:
    """{relative path: content} of every file of the site. `spec_root` is the spec folder the Model
    was compiled from (its files and lines are shown), None for a Model read from a database."""
    site = Site(model, spec_root, tuple(migrations))
    return {path: text.encode("utf-8") for path, text in sorted(site.pages())}


def write_site(files: Mapping[str, bytes], out: Path) -> None:
    """Write `files` under `out`, removing what an earlier build wrote there and this one does not.

    Refuses a folder that holds files but no manifest: it is not a site this command wrote.
    """
    manifest = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not manifest.is_file():
        raise SiteError(
            f"{out} holds files that `schemagen docs` did not write: choose an empty or new folder"
        )
    previous = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    for stale in sorted(set(previous) - set(files), reverse=True):
        path = out / stale
        if _inside(path, out) and path.is_file():
            path.unlink()
            _remove_empty_parents(path.parent, out)
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    manifest.write_text("".join(f"{relative}\n" for relative in sorted(files)), encoding="utf-8")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _remove_empty_parents(folder: Path, out: Path) -> None:
    while folder.resolve() != out.resolve() and _inside(folder, out) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
