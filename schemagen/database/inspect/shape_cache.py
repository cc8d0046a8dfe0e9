"""The shapes of schemagen's own functions kept between runs, so telling them apart from a database's
other functions loads no Jinja.

Recognising an archive or refresh function starts from the shape of what its template renders
(`own_functions`, `shapes`): four renderings, which with the import of Jinja cost a database with
one trigger function about as much as reading its tables. The patterns of those shapes are kept in
`$XDG_CACHE_HOME/schemagen/` (default `~/.cache`), in a file named by a hash of everything that
makes them: every template under `postgres/` of the built-in folder and of the user's, and the
source of the code that renders and cuts them (templating, shapes, own_functions, the archive's
entry, identifiers) and of Jinja itself. A change to any of those names another file, so a shape
follows its template as before. `SCHEMAGEN_NO_CACHE=1` turns the cache off; a cache that cannot be
read or written is no cache, never an error. Only a function that fits a shape is rendered for real,
which loads Jinja.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from contextlib import suppress
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import schemagen
from schemagen.cache_home import cache_root

__all__ = ["ShapeCache"]

# the code that renders a template into a shape, besides the templates themselves
_SOURCES = (
    "render/templating.py",
    "database/inspect/shapes.py",
    "database/inspect/own_functions.py",
    "model/archive.py",
    "postgres/identifiers.py",
)


class ShapeCache:
    """The patterns of the shapes rendered from the templates of `folder` (None: the built-in ones)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @cached_property
    def _path(self) -> Path | None:
        cache = cache_root()
        if cache is None:
            return None
        package = Path(schemagen.__file__).parent
        builtin = files("schemagen") / "templates"
        jinja = importlib.util.find_spec("jinja2")
        if not isinstance(builtin, Path) or jinja is None or jinja.origin is None:
            return None
        digest = hashlib.sha256(schemagen.__version__.encode())
        try:
            sources = [str(package / name) for name in _SOURCES] + [jinja.origin]
            for root in (builtin, self.folder):
                if root is not None:
                    sources += _templates(os.path.join(root, "postgres"))
            for source in sources:
                with open(source, "rb") as text:
                    digest.update(source.encode() + b"\x00" + text.read() + b"\x00")
        except OSError:
            return None
        return Path(cache) / f"inspect-shapes-{digest.hexdigest()[:20]}.json"

    def get(self, kind: str) -> Any:
        """What `put` kept under `kind` for these templates, or None."""
        path = self._path
        if path is None:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8")).get(kind)
        except (OSError, ValueError, AttributeError):
            return None

    def put(self, kind: str, value: Any) -> None:
        """Keep `value` (JSON) under `kind`, beside what the file holds already."""
        path = self._path
        if path is None:
            return
        with suppress(OSError, ValueError, AttributeError):
            try:
                kept = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                kept = {}
            kept[kind] = value
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, prefix=".shapes-", delete=False
            ) as out:
                json.dump(kept, out, sort_keys=True)
            try:
                os.replace(out.name, path)
            except OSError:
                os.unlink(out.name)
                raise


def _templates(folder: str) -> list[str]:
    """The `.j2` files under `folder`, sorted (none when it does not exist)."""
    found = []
    for parent, folders, names in os.walk(folder):
        folders.sort()
        found += [os.path.join(parent, name) for name in sorted(names) if name.endswith(".j2")]
    return found
