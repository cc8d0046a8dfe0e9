"""Diagnostics for people: grouped by file, each with its fix, capped with "… and N more"."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from schemagen.diagnostics import Diagnostic, sort_diagnostics

LIMIT = 50


def render(diagnostics: Sequence[Diagnostic], limit: int = LIMIT) -> str:
    items = sort_diagnostics(diagnostics)
    shown, hidden = items[:limit], len(items) - limit
    lines: list[str] = []
    for file, group in groupby(shown, key=lambda d: d.file or ""):
        if lines:
            lines.append("")
        if file:
            lines.append(f"{file}:")
        for d in group:
            where = ":".join(str(p) for p in (d.line, d.column) if p)
            lines.append(f"  {where + ': ' if where else ''}{d.severity}[{d.code}]: {d.message}")
            if d.hint:
                lines.append(f"      fix: {d.hint}")
    if hidden > 0:
        lines.append(f"… and {hidden} more")
    return "\n".join(lines) + ("\n" if lines else "")
