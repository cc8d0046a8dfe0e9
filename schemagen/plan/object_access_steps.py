"""The statements that set who owns and who may use what is not a table (views, sequences, functions,
schemas), one per template in `templates/postgres/migrate/`, each stating its lock."""

from __future__ import annotations

from schemagen.model.access import Grant
from schemagen.model.object_access import AccessTarget
from schemagen.plan.operations import Lock, Statement, Step
from schemagen.records import dataclass

#: The kinds whose ALTER … OWNER TO locks a relation (ACCESS EXCLUSIVE, for the catalog change only).
RELATION_KINDS = frozenset({"view", "materialized view", "sequence"})


@dataclass(frozen=True)
class SetObjectOwner(Statement):
    template = "set_object_owner"
    target: AccessTarget
    owner: str


@dataclass(frozen=True)
class GrantObject(Statement):
    template = "grant_object"
    target: AccessTarget
    grant: Grant


@dataclass(frozen=True)
class RevokeObject(Statement):
    template = "revoke_object"
    target: AccessTarget
    grant: Grant
    option_only: bool = False


def _on(target: AccessTarget) -> str:
    if target.kind == "sequence":
        return f"sequence {target.name}"
    return target.name if target.kind in RELATION_KINDS else ""


def set_object_owner(target: AccessTarget, owner: str) -> Step:
    """ALTER VIEW/SEQUENCE … OWNER TO locks the relation ACCESS EXCLUSIVE, for the catalog change only;
    on a function or a schema it takes no table lock."""
    lock = Lock.ACCESS_EXCLUSIVE if target.kind in RELATION_KINDS else Lock.NONE
    return Step(SetObjectOwner(target, owner), lock, _on(target))


def grant_object(target: AccessTarget, grant: Grant) -> Step:
    """GRANT takes no table lock: it rewrites the object's ACL in the catalog only."""
    return Step(GrantObject(target, grant), Lock.NONE, _on(target))


def revoke_object(target: AccessTarget, grant: Grant, *, option_only: bool = False) -> Step:
    """REVOKE, like GRANT, takes no table lock."""
    return Step(RevokeObject(target, grant, option_only), Lock.NONE, _on(target))
