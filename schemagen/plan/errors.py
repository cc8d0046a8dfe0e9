"""What the planner refuses."""

from __future__ import annotations

from schemagen.diagnostics.rules import Rule


class PlanError(Exception):
    """A change the planner refuses to plan; the message says what to write in the spec instead, and
    `target` names what it is about (`table` or `table.column`), for the spec line to point at. `rule`:
    the code it is reported under, when not SG706 (its message takes `what` and `problem`)."""

    def __init__(self, message: str, target: str | None = None, rule: Rule | None = None) -> None:
        super().__init__(message)
        self.target = target
        self.rule = rule
