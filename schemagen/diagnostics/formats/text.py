"""Diagnostics for people, the one text layout of every command, in the style of rustc and ruff:

    error[SG301]: primary key of partitioned table `messages` lacks the partition key column(s) created_at
      --> spec/messages.yaml:12:7
       |
    12 |       primary_key: [id]
       |       ^^^^^^^^^^^
       = hint: add them: [id, created_at]

The line the diagnostic points at is quoted from its file with a caret underline under the span (to
its end where the YAML says where the node ends, else under the word at its column); a diagnostic
with no line, or whose file cannot be read, keeps the `-->` line alone. Sorted by file and line, each
followed by a blank line, capped at `LIMIT` with "… and N more". With `color`, ANSI colours as rustc
uses them (the caller decides: a terminal, `NO_COLOR`, `--color`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from schemagen.diagnostics import Diagnostic, Severity, sort_diagnostics

LIMIT = 20
#: The longest quoted line; a longer one is cut around the span.
MAX_QUOTED = 160
MORE_HINT = "--show-all prints every one"

Source = Callable[[str], "list[str] | None"]

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_GUTTER = "\x1b[1;34m"
_HINT = "\x1b[1;36m"
_SEVERITY = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m"}
#: The word under a column when the node's end is not known: a name, a number, a quoted string.
_WORD = re.compile(r"""[\w.$-]+|"[^"]*"|'[^']*'|\S""")


def read_lines(file: str) -> list[str] | None:
    """The lines of `file` as the diagnostic names it (relative to the working directory), or None."""
    try:
        with Path(file).open(encoding="utf-8", errors="replace", newline="") as stream:
            return stream.read().splitlines()
    except OSError:
        return None


def render(
    diagnostics: Sequence[Diagnostic],
    limit: int | None = LIMIT,
    *,
    color: bool = False,
    source: Source | None = read_lines,
) -> str:
    """The text of `diagnostics`: at most `limit` of them (None: all), each quoting its line from
    `source(file)` (None: no quotes)."""
    items = sort_diagnostics(diagnostics)
    shown = items if limit is None else items[:limit]
    cache: dict[str, list[str] | None] = {}

    def lines_of(file: str) -> list[str] | None:
        if source is None:
            return None
        if file not in cache:
            cache[file] = source(file)
        return cache[file]

    paint = _painter(color)
    out: list[str] = []
    for d in shown:
        out += _one(d, lines_of(d.file) if d.file and d.line else None, paint)
        out.append("")
    if len(items) > len(shown):
        out.append(f"… and {len(items) - len(shown)} more ({MORE_HINT})")
    return "".join(line + "\n" for line in out)


def _painter(color: bool) -> Callable[[str, str], str]:
    if not color:
        return lambda _style, text: text
    return lambda style, text: f"{style}{text}{_RESET}" if text else text


def _one(d: Diagnostic, lines: list[str] | None, paint: Callable[[str, str], str]) -> list[str]:
    severity = paint(_SEVERITY[d.severity], f"{d.severity}[{d.code}]")
    out = [f"{severity}{paint(_BOLD, ': ' + d.message)}"]
    quoted = _quote(d, lines)
    gutter = len(str(d.line)) if quoted else 1
    pad = " " * gutter
    bar = paint(_GUTTER, "|")
    where = ":".join(str(part) for part in (d.file, d.line, d.column) if part)
    if where:
        out.append(f"{pad}{paint(_GUTTER, '-->')} {where}")
    if quoted:
        text, start, width = quoted
        out.append(f"{pad} {bar}")
        out.append(f"{paint(_GUTTER, str(d.line))} {bar} {text}".rstrip())
        out.append(f"{pad} {bar} {' ' * start}{paint(_SEVERITY[d.severity], '^' * width)}")
    if d.hint:
        out.append(f"{pad} {paint(_GUTTER, '=')} {paint(_HINT, 'hint')}: {d.hint}")
    return out


def _quote(d: Diagnostic, lines: list[str] | None) -> tuple[str, int, int] | None:
    """(the line as shown, where the underline starts in it, how wide it is), or None."""
    if lines is None or d.line is None or not 1 <= d.line <= len(lines):
        return None
    line = lines[d.line - 1].replace("\t", " ")
    if not line.strip():
        return None
    if d.column is None or d.column > len(line) + 1:
        start = len(line) - len(line.lstrip())
        end = len(line.rstrip())
    else:
        start = d.column - 1
        if d.end_line == d.line and d.end_column is not None and d.end_column > d.column:
            end = min(d.end_column - 1, len(line))
        elif d.end_line is not None and d.end_line > d.line:
            end = len(line.rstrip())  # the span goes on below: underline the rest of this line
        else:
            word = _WORD.match(line, start)
            end = word.end() if word else start + 1
    end = max(end, start + 1)
    if len(line) > MAX_QUOTED:  # cut a long line around the span
        cut = max(0, min(start - 20, len(line) - MAX_QUOTED))
        tail = "…" if cut + MAX_QUOTED < len(line) else ""
        line = ("…" if cut else "") + line[cut : cut + MAX_QUOTED] + tail
        shift = cut - (1 if cut else 0)
        start, end = start - shift, min(end - shift, len(line))
    return line, start, max(1, end - start)
