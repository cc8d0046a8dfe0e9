"""Diagnostics: the one value every check produces and every output format prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from schemagen.model import Location


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: a stable code, a one-line message, where it is, and how to fix it.

    Lines and columns are 1-based; `file` is relative to the spec folder's parent when possible.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = Severity.ERROR
    hint: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)

    def at(self, loc: Location | None) -> Diagnostic:
        """The same diagnostic placed at `loc` (kept where it is when `loc` is None)."""
        if loc is None:
            return self
        return Diagnostic(self.code, self.message, loc.file, loc.line, loc.column, self.severity, self.hint)

    def with_file(self, file: str, line: int | None = None, column: int | None = None) -> Diagnostic:
        """The same diagnostic about a file as a whole (or a line of it) rather than a spec location."""
        return Diagnostic(self.code, self.message, file, line, column, self.severity, self.hint)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


class SpecError(Exception):
    """Raised by a stage that cannot go on; carries every diagnostic collected so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__(format_text(self.diagnostics))


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file, line, column and code, duplicates removed."""
    return sorted(set(diagnostics), key=lambda d: d.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def format_text(diagnostics: Iterable[Diagnostic], limit: int = 50) -> str:
    """`file:line:col: error[SG101]: message` lines, then the hint indented; capped at `limit`."""
    items = sort_diagnostics(diagnostics)
    lines: list[str] = []
    for diagnostic in items[:limit]:
        where = ":".join(str(p) for p in (diagnostic.file, diagnostic.line, diagnostic.column) if p)
        prefix = f"{where}: " if where else ""
        lines.append(f"{prefix}{diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}")
        if diagnostic.hint:
            lines.append(f"    hint: {diagnostic.hint}")
    if len(items) > limit:
        lines.append(f"… and {len(items) - limit} more")
    return "\n".join(lines)
