"""What the planner refuses."""


class PlanError(Exception):
    """A change the planner refuses to plan; the message says what to write in the spec instead, and
    `target` names what it is about (`table` or `table.column`), for the spec line to point at."""

    def __init__(self, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.target = target
