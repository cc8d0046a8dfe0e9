"""Planned operations as JSON, for tools and reviewers (`diff --format json`, `migrate new --format json`).

{"version": 1, "transactional": false,
 "operations": [{"kind": "create_index", "target": "users_email_idx", "comment": "...",
                 "lock": "SHARE UPDATE EXCLUSIVE", "transactional": false,
                 "locks": [{"lock": "SHARE UPDATE EXCLUSIVE", "on": "users", "brief": true}],
                 "hazards": [{"code": "SG931", "message": "...", "fix": "...", "destructive": false}]}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from schemagen.plan.operations import Operation, parts_of

VERSION = 1


def render(operations: Sequence[Operation]) -> str:
    document = {
        "version": VERSION,
        "transactional": all(op.transactional for op in operations),
        "operations": [
            {
                "kind": op.kind,
                "target": op.target,
                "comment": op.comment,
                "lock": op.lock.label,
                "transactional": op.transactional,
                "locks": [
                    {"lock": lock.label, "on": on or op.target, "brief": brief}
                    for step in op.up
                    for lock, on, brief, _ in parts_of(step)
                ],
                "hazards": [
                    {"code": h.code, "message": h.message, "fix": h.fix, "destructive": h.destructive}
                    for h in op.hazards
                ],
            }
            for op in operations
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
