"""Diagnostics: the one value every check, hazard, refusal and failed run produces (`diagnostic`), the
registry of every code (`rules`), where in the spec a database object is declared (`places`), and one
renderer per output format (`formats`)."""

from schemagen.diagnostics.diagnostic import (
    Diagnostic,
    Severity,
    SpecError,
    has_errors,
    sort_diagnostics,
)

__all__ = [
    "Diagnostic",
    "Severity",
    "SpecError",
    "has_errors",
    "sort_diagnostics",
]
