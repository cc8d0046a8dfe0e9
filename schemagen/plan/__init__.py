"""The migration planner: Model A, Model B → typed operations (see `differ`)."""

from schemagen.plan.differ import PlanError, Renames, plan, plan_down
from schemagen.plan.operations import Hazard, Lock, Operation, Step

__all__ = ["Hazard", "Lock", "Operation", "PlanError", "Renames", "Step", "plan", "plan_down"]
