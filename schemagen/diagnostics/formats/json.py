"""Diagnostics for tools: one JSON document, stable in shape (fields are only ever added).

{"version": 1,
 "summary": {"errors": 1, "warnings": 0},
 "diagnostics": [{"code": "SG701", "severity": "error", "message": "...", "file": "...",
                  "line": 1, "column": 1, "end_line": null, "end_column": null, "hint": "..."}]}

Positions are 1-based; `end_column` is just past the last character; a position not known is null.
"""

from __future__ import annotations

import json as _json
from collections.abc import Sequence

from schemagen.diagnostics import Diagnostic, Severity, sort_diagnostics

VERSION = 1
FIELDS = ("code", "severity", "message", "file", "line", "column", "end_line", "end_column", "hint")


def render(diagnostics: Sequence[Diagnostic]) -> str:
    items = sort_diagnostics(diagnostics)
    document = {
        "version": VERSION,
        "summary": {
            "errors": sum(d.severity is Severity.ERROR for d in items),
            "warnings": sum(d.severity is Severity.WARNING for d in items),
        },
        "diagnostics": [{field: d.to_dict()[field] for field in FIELDS} for d in items],
    }
    return _json.dumps(document, indent=2, ensure_ascii=False) + "\n"
