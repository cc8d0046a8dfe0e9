"""The names PostgreSQL itself gives the indexes it creates on partitions, so a migration can name
the ones it builds by hand exactly as a fresh `CREATE TABLE … PARTITION OF` would."""

from __future__ import annotations

NAMEDATALEN = 64


def _clip(name: str, limit: int) -> str:
    """The longest prefix of `name` of at most `limit` bytes that ends on a character boundary."""
    return name.encode()[:limit].decode(errors="ignore")


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's makeObjectName: `name1_name2_label`, the longer part cut first to fit 63 bytes."""
    name1_bytes = len(name1.encode())
    name2_bytes = len(name2.encode()) if name2 else 0
    overhead = (len(label) + 1 if label else 0) + (1 if name2 else 0)
    available = NAMEDATALEN - 1 - overhead
    if name1_bytes + name2_bytes <= available:  # it fits: nothing to cut (most names)
        return "_".join([name1, *((name2,) if name2 else ()), *((label,) if label else ())])
    while name1_bytes + name2_bytes > available:
        if name1_bytes > name2_bytes:
            name1_bytes -= 1
        else:
            name2_bytes -= 1
    parts = [_clip(name1, name1_bytes)]
    if name2:
        parts.append(_clip(name2, name2_bytes))
    if label:
        parts.append(label)
    return "_".join(parts)


def index_name_addition(columns: list[str]) -> str:
    """PostgreSQL's ChooseIndexNameAddition: column names joined by `_`, stopping past 63 bytes."""
    out = ""
    for name in columns:
        out = f"{out}_{name}" if out else name
        if len(out.encode()) >= NAMEDATALEN:
            break
    return _clip(out, NAMEDATALEN - 1)


def partition_index_name(relation: str, columns: list[str], label: str) -> str:
    """The name PostgreSQL picks for an index on `relation` (label `idx`, `key` or `pkey`)."""
    return make_object_name(relation, index_name_addition(columns), label)
