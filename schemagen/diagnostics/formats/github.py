"""Diagnostics as GitHub Actions workflow commands, which GitHub shows as annotations on the diff.

`::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=schemagen (CODE)::MESSAGE`: lines and
columns are 1-based (ours already are) and `endColumn` is just past the last character, as ruff writes
it; a position not known is left out. `%`, CR and LF are escaped in the message, and `:` and `,` too in
property values.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemagen.diagnostics import Diagnostic, sort_diagnostics


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(d: Diagnostic) -> list[str]:
    properties = []
    if d.file:
        properties.append(f"file={_escape_property(d.file)}")
    if d.line:
        properties.append(f"line={d.line}")
        if d.column:
            properties.append(f"col={d.column}")
        if d.end_line:
            properties.append(f"endLine={d.end_line}")
            if d.end_column:
                properties.append(f"endColumn={d.end_column}")
    properties.append(f"title={_escape_property(f'schemagen ({d.code})')}")
    return properties


def render(diagnostics: Sequence[Diagnostic]) -> str:
    lines = []
    for d in sort_diagnostics(diagnostics):
        message = d.message + (f"\nfix: {d.hint}" if d.hint else "")
        lines.append(f"::{d.severity} {','.join(_properties(d))}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)
