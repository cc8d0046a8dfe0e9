"""Migrations of windows kept over time: moving `from:` forward expires the periods it leaves as
`expire:` says (never into the DEFAULT partition), moving it back brings them back; the result equals
a fresh schema.sql of the other version, and rows are where the policy says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from migrations import create, migrate, model_of

from schemagen.migrate.migration import build_migration
from schemagen.plan import PlanError
from tests.catalog import assert_same_catalog
from tests.test_maintenance import SPEC, held

WINDOW = "        from: 2024-01-01\n"
FIXED = SPEC.replace(WINDOW, WINDOW + "        to: 2024-07-01\n")
MOVED = FIXED.replace(WINDOW, "        from: 2024-03-01\n")


def spec(how: str, moved: bool) -> dict[str, str]:
    return {"entities.yaml": (MOVED if moved else FIXED).replace("expire: archive", f"expire: {how}")}


def seed(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO users VALUES (1)")
    conn.execute(
        "INSERT INTO messages (id, author_id, created_at, content) "
        "SELECT g, 1, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 day', 'm' || g FROM generate_series(0, 180) g"
    )
    conn.execute(
        "INSERT INTO message_edits (note, message_id, message_created_at) SELECT 'e', id, created_at FROM messages"
    )


@pytest.mark.parametrize("how", ["archive", "drop", "detach"])
def test_moving_from_forward_expires_and_back_brings_back(
    how: str, tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    before, after = model_of(tmp_path, "a", spec(how, False)), model_of(tmp_path, "b", spec(how, True))
    migration = build_migration(before, after, "0002_move_from")
    kinds = [op.kind for op in migration.up_operations]
    assert kinds.count("expire_period") == 2 and "move_partitions" not in kinds
    codes = [h.code for op in migration.up_operations for h in op.hazards]
    assert ("SG904" in codes) == (how == "drop")
    conn, fresh_b, fresh_a = pg_database(), pg_database(), pg_database()
    create(conn, before)
    create(fresh_b, after)
    create(fresh_a, before)
    if how == "detach":  # nothing may reference rows of a period that is only detached
        conn.execute("INSERT INTO users VALUES (1)")
        conn.execute(
            "INSERT INTO messages (id, author_id, created_at, content) "
            "SELECT g, 1, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 day', 'm' || g FROM generate_series(0, 180) g"
        )
    else:
        seed(conn)
    migrate(conn, before, after)
    assert_same_catalog(conn, fresh_b)
    assert "messages_2024_01" not in held(conn, "messages")
    assert conn.execute("SELECT count(*) FROM messages_default").fetchone() == (0,)
    kept = conn.execute("SELECT count(*) FROM messages").fetchone()
    assert kept == (181 - 60,)  # 2024-03-01 on
    archived = conn.execute("SELECT count(*) FROM messages_archive").fetchone()
    assert archived == ((60,) if how == "archive" else (0,))
    if how == "detach":
        assert conn.execute("SELECT count(*) FROM messages_2024_01").fetchone() == (31,)
    else:
        # the edits of the rows that left went with them (ON DELETE CASCADE), the others stayed
        assert conn.execute("SELECT count(*) FROM message_edits").fetchone() == kept
    # down: the periods come back (a detached one with its rows), and the catalog is A's again
    from migrations import apply_sql

    apply_sql(conn, migration.down_sql)
    assert_same_catalog(conn, fresh_a)
    back = conn.execute("SELECT count(*) FROM messages").fetchone()
    assert back == ((181,) if how == "detach" else kept)


def test_adding_premake_makes_the_missing_periods_and_never_shrinks_the_window(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    plain = FIXED.replace("        premake: 3\n        retain: 13 months\n        expire: archive\n", "")
    before = model_of(tmp_path, "a", {"entities.yaml": plain})
    longer = FIXED.replace("to: 2024-07-01", "to: 2024-09-01")
    after = model_of(tmp_path, "b", {"entities.yaml": longer})
    migration = build_migration(before, after, "0002_premake")
    assert (
        "CREATE TABLE IF NOT EXISTS public.messages_2024_07 PARTITION OF public.messages" in migration.up_sql
    )
    assert "CREATE FUNCTION public.schemagen_maintain(today date DEFAULT CURRENT_DATE)" in migration.up_sql
    conn, fresh = pg_database(), pg_database()
    create(conn, before)
    create(fresh, after)
    conn.execute(  # maintenance made July already
        "CREATE TABLE messages_2024_07 PARTITION OF messages "
        "FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2024-08-01 00:00:00+00')"
    )
    migrate(conn, before, after)
    assert_same_catalog(conn, fresh)
    shorter = FIXED.replace("        to: 2024-07-01\n", "")  # premake 3 from 2024-01: to 2024-05
    with pytest.raises(PlanError, match="only grows at its end"):
        build_migration(after, model_of(tmp_path, "c", {"entities.yaml": shorter}), "0003_shrink")
