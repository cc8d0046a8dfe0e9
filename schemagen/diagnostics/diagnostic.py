"""Diagnostics: the one value every check, hazard, refusal and failed run produces, and every output
format (`diagnostics.formats`) prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from enum import StrEnum

from schemagen.model import Location
from schemagen.records import dataclass


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: a stable code, a one-line message, where it is, and how to fix it.

    Lines and columns are 1-based; `file` is relative to the working directory when below it.
    `end_line` and `end_column` say where the finding ends when the YAML node it is about says so
    (`end_column` just past its last character); None elsewhere.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = Severity.ERROR
    hint: str | None = None
    end_line: int | None = None
    end_column: int | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)

    def at(self, loc: Location | None) -> Diagnostic:
        """The same diagnostic placed at `loc` (kept where it is when `loc` is None)."""
        if loc is None:
            return self
        return replace(
            self,
            file=loc.file,
            line=loc.line,
            column=loc.column,
            end_line=loc.end_line,
            end_column=loc.end_column,
        )

    def with_file(self, file: str, line: int | None = None, column: int | None = None) -> Diagnostic:
        """The same diagnostic about a file as a whole (or a line of it) rather than a spec location."""
        return replace(self, file=file, line=line, column=column, end_line=None, end_column=None)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


class SpecError(Exception):
    """Raised by a stage that cannot go on; carries every diagnostic collected so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__(self.diagnostics)

    def __str__(self) -> str:
        from schemagen.diagnostics.formats import text  # imported here: the formats import this module

        return text.render(self.diagnostics).rstrip("\n")


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file, line, column and code, duplicates removed."""
    return sorted(set(diagnostics), key=lambda d: d.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
