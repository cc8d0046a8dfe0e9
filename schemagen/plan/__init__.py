"""The migration planner: Model A, Model B → typed operations (see `planner`)."""

from schemagen.plan.errors import PlanError
from schemagen.plan.operations import Hazard, Lock, Operation, Step
from schemagen.plan.planner import plan, plan_down
from schemagen.plan.renames import Renames

__all__ = ["Hazard", "Lock", "Operation", "PlanError", "Renames", "Step", "plan", "plan_down"]
