"""Output formats for diagnostics: one module per format, each a `render(diagnostics) -> str`. Every
command prints its diagnostics through these, and through nothing else."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from schemagen.diagnostics import Diagnostic
from schemagen.diagnostics.formats import github, json, text

FORMATS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "text": text.render,
    "json": json.render,
    "github": github.render,
}
NAMES = tuple(FORMATS)
