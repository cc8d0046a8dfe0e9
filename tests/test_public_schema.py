"""The public schema as a database has it after being created again (`DROP SCHEMA public CASCADE;
CREATE SCHEMA public`, as some tools and test setups do): no USAGE for PUBLIC, the creator as owner, no
comment. Inspect writes what the spec can say of it (`owner`, `public_usage: false`, a comment of its
own) and warns about the one thing it cannot (no comment at all): nothing is lost silently."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from catalog import assert_catalog_equal, snapshot

from schemagen.database.inspect import inspect
from schemagen.render.render import render_schema

RECREATED = """
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
CREATE TABLE public.notes (id bigint PRIMARY KEY, body text);
"""


def public_acl(conn: psycopg.Connection) -> tuple[str, object]:
    row = conn.execute(
        "SELECT pg_get_userbyid(nspowner), coalesce(nspacl, acldefault('n', nspowner))::text[] "
        "FROM pg_namespace WHERE nspname = 'public'"
    ).fetchone()
    assert row is not None
    return row[0], sorted(row[1])


@pytest.mark.parametrize("comment", [None, "tables of the application"])
def test_a_public_schema_created_again_is_adopted_with_its_privileges_and_comment(
    pg_conn: psycopg.Connection, pg_database: Callable[..., psycopg.Connection], comment: str | None
) -> None:
    pg_conn.execute(RECREATED)
    if comment is not None:
        pg_conn.execute(f"COMMENT ON SCHEMA public IS '{comment}'")
    found = inspect(pg_conn)
    (public,) = [s for s in found.model.project.schemas if s.name == "public"]
    assert public.access is not None and public.access.revoked_from_public
    assert public.comment == comment
    warned = [w for w in found.warnings if "schema `public` has no comment" in w]
    assert len(warned) == (1 if comment is None else 0), found.warnings
    built = pg_database(render_schema(found.model))
    assert public_acl(built) == public_acl(pg_conn)
    if comment is not None:
        assert_catalog_equal(snapshot(built), snapshot(pg_conn))
    else:  # all but the comment, which the warning names
        ours, theirs = snapshot(built), snapshot(pg_conn)
        assert ours["schemas"]["public"]["comment"] == "standard public schema"
        assert theirs["schemas"]["public"]["comment"] is None
