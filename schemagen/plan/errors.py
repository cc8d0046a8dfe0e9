"""What the planner refuses."""


class PlanError(Exception):
    """A change the planner refuses to plan; the message says what to write in the spec instead."""
