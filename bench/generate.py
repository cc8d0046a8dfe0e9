"""Write a synthetic spec folder of N entities, deterministic for a given N.

Every entity has eleven columns (bigint key, a bigint foreign key to an earlier entity, text,
varchar, numeric, timestamptz, boolean, jsonb, uuid, date and an enum) and three indexes: a plain one,
a partial one and an expression one. 20% of the entities are partitioned by month over three years
with a DEFAULT partition, 5% are hash-sharded 64 ways. Version B (`--version b`) changes 5% of the
entities: a column added, an index added, a hash modulus doubled (64 -> 128) or a monthly window
extended by a year, a quarter of the changed entities each.

    python bench/generate.py 1000 /tmp/spec-a
    python bench/generate.py 1000 /tmp/spec-b --version b
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

ENTITIES_PER_FILE = 50
ENTITIES_PER_VIEW = 100
MIN_VIEWS = 3
HASH_MODULUS = 64
WINDOW_FROM = "2024-01-01"
WINDOW_TO = "2027-01-01"
WINDOW_TO_B = "2028-01-01"
ENUMS = {
    "entity_status": ["draft", "active", "suspended", "archived"],
    "entity_tier": ["free", "basic", "pro", "enterprise"],
}
# Version B changes an entity when `i % CHANGE_CYCLE` is one of these (4 in 80: 5%).
CHANGE_CYCLE = 80
ADD_COLUMN, MONTHLY_WINDOW, ADD_INDEX, HASH_SHARD = 1, 2, 3, 4


@dataclass(frozen=True)
class Shape:
    """What entity number `i` looks like."""

    i: int

    @property
    def name(self) -> str:
        return f"e{self.i:05d}"

    @property
    def monthly(self) -> bool:
        """Range-partitioned by month (20%)."""
        return self.i % 5 == MONTHLY_WINDOW

    @property
    def hashed(self) -> bool:
        """Hash-sharded 64 ways (5%)."""
        return self.i % 20 == HASH_SHARD

    def change(self, version: str) -> int | None:
        """Which change version B makes to this entity, if any."""
        kind = self.i % CHANGE_CYCLE
        if version != "b" or kind not in (ADD_COLUMN, MONTHLY_WINDOW, ADD_INDEX, HASH_SHARD):
            return None
        return kind


def referenced(i: int) -> int | None:
    """An earlier entity whose primary key is its `id` alone (not range-partitioned), or None."""
    j = i - 1 - (i * 7) % 13
    while j >= 0 and Shape(j).monthly:
        j -= 1
    return j if j >= 0 else None


def entity(shape: Shape, version: str) -> dict[str, object]:
    """The spec of one entity, as plain data."""
    i = shape.i
    enum = "entity_status" if i % 2 == 0 else "entity_tier"
    columns: dict[str, object] = {
        "id": "bigint",
        "parent_id": "bigint?",
        "title": "text",
        "code": "varchar(32)",
        "amount": {"type": "numeric(12,2)", "default": 0},
        "created_at": {"type": "timestamptz", "default": {"sql": "now()"}},
        "active": {"type": "boolean", "default": True},
        "payload": {"type": "jsonb", "nullable": True, "default": {}},
        "token": "uuid?",
        "due_on": "date?",
        "status": {"type": enum, "default": ENUMS[enum][0]},
    }
    parent = referenced(i)
    if parent is not None:
        columns["parent_id"] = {
            "type": "bigint",
            "nullable": True,
            "references": {"table": Shape(parent).name, "on_delete": "set null"},
        }
    change = shape.change(version)
    if change == ADD_COLUMN:
        columns["note"] = "varchar(200)?"
    indexes: list[dict[str, object]] = [
        {"columns": ["parent_id"]},
        {"columns": ["created_at DESC"], "where": "active = true"},
        {"expression": "lower(code)"},
    ]
    if change == ADD_INDEX:
        indexes.append({"columns": ["due_on", "status"]})
    spec: dict[str, object] = {
        "comment": f"Synthetic entity {i}.",
        "columns": columns,
        "primary_key": ["id", "created_at"] if shape.monthly else ["id"],
        "indexes": indexes,
    }
    if shape.monthly:
        window_to = WINDOW_TO_B if change == MONTHLY_WINDOW else WINDOW_TO
        spec["partition"] = {
            "range": {
                "key": "created_at",
                "every": "month",
                "from": WINDOW_FROM,
                "to": window_to,
                "default": True,
            }
        }
    elif shape.hashed:
        modulus = HASH_MODULUS * 2 if change == HASH_SHARD else HASH_MODULUS
        spec["partition"] = {"hash": {"key": "id", "modulus": modulus}}
    return spec


def views(n: int) -> dict[str, dict[str, object]]:
    """A few views over the entities: plain ones, a join, and a materialized aggregate."""
    count = max(MIN_VIEWS, n // ENTITIES_PER_VIEW)
    step = max(1, n // count)
    found: dict[str, dict[str, object]] = {}
    for k in range(count):
        table = Shape(min(k * step, n - 1))
        kind = k % 3
        if kind == 0:
            found[f"v{k:04d}_active"] = {
                "query": f"SELECT id, title, status FROM {table.name} WHERE active = true"
            }
        elif kind == 1 and (parent := referenced(table.i)) is not None:
            found[f"v{k:04d}_with_parent"] = {
                "query": (
                    f"SELECT c.id, c.title, p.code AS parent_code\n"
                    f"FROM {table.name} c\nJOIN {Shape(parent).name} p ON p.id = c.parent_id"
                )
            }
        else:
            found[f"v{k:04d}_totals"] = {
                "materialized": True,
                "query": (
                    f"SELECT status, count(*) AS entities, sum(amount) AS total\n"
                    f"FROM {table.name}\nGROUP BY status"
                ),
                "unique": ["status"],
                "refresh": "concurrently",
            }
    return found


def dump(data: object) -> str:
    """YAML text of plain data: JSON flow style is YAML, and the C loader reads it fast and exactly.

    Block mappings at the top two levels keep the files readable; dates stay unquoted (they are YAML
    dates in the spec format).
    """
    if not isinstance(data, dict):
        return json.dumps(data)
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            for name, item in value.items():
                lines.append(f"  {name}: {_flow(item)}")
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


def _flow(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    for bound in (WINDOW_FROM, WINDOW_TO, WINDOW_TO_B):
        text = text.replace(f'"{bound}"', bound)
    return text


def write(n: int, out: Path, version: str = "a") -> list[Path]:
    """Write version `version` of the N-entity spec into `out` (emptied first); the files written."""
    if n < 1:
        raise ValueError("N must be at least 1")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written: list[Path] = []
    project = {
        "project": {"name": f"bench-{n}", "postgres": 15, "schema": "public"},
        "enums": ENUMS,
    }
    path = out / "project.yaml"
    path.write_text(dump(project), encoding="utf-8")
    written.append(path)
    for start in range(0, n, ENTITIES_PER_FILE):
        shapes = [Shape(i) for i in range(start, min(n, start + ENTITIES_PER_FILE))]
        path = out / f"entities_{start // ENTITIES_PER_FILE:04d}.yaml"
        path.write_text(dump({"entities": {s.name: entity(s, version) for s in shapes}}), encoding="utf-8")
        written.append(path)
    path = out / "views.yaml"
    path.write_text(dump({"views": views(n)}), encoding="utf-8")
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, help="number of entities")
    parser.add_argument("out_dir", type=Path, help="the spec folder to write (replaced if it exists)")
    parser.add_argument("--version", choices=["a", "b"], default="a", help="b: 5%% of the entities changed")
    args = parser.parse_args(argv)
    files = write(args.n, args.out_dir, args.version)
    print(f"wrote {len(files)} files, {args.n} entities (version {args.version}) to {args.out_dir}")


if __name__ == "__main__":
    main()
