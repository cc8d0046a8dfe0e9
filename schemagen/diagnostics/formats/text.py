"""Diagnostics for people, the one text layout of every command: `file:line:col: error[CODE]: message`,
then the fix indented as `hint:`; sorted by file and line, capped with "… and N more"."""

from __future__ import annotations

from collections.abc import Sequence

from schemagen.diagnostics import Diagnostic, sort_diagnostics

LIMIT = 50
HINT_INDENT = "    "


def render(diagnostics: Sequence[Diagnostic], limit: int = LIMIT) -> str:
    items = sort_diagnostics(diagnostics)
    lines: list[str] = []
    for d in items[:limit]:
        where = ":".join(str(part) for part in (d.file, d.line, d.column) if part)
        lines.append(f"{where + ': ' if where else ''}{d.severity}[{d.code}]: {d.message}")
        if d.hint:
            lines.append(f"{HINT_INDENT}hint: {d.hint}")
    if len(items) > limit:
        lines.append(f"… and {len(items) - limit} more")
    return "".join(line + "\n" for line in lines)
