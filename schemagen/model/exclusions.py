"""Exclusion constraints: `EXCLUDE USING gist (room WITH =, during WITH &&)` — no two rows whose keys
all compare true under their operators. The dataclasses live with the other constraints in `objects`."""

from __future__ import annotations

from schemagen.model.objects import Deferral, ExclusionConstraint, ExclusionElement

__all__ = ["EXCLUSION_METHODS", "Deferral", "ExclusionConstraint", "ExclusionElement"]

#: the index access methods an exclusion constraint can use (those with amgettuple)
EXCLUSION_METHODS = ("gist", "spgist", "btree", "hash")
