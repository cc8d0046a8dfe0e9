"""Rendering a Model to schema.sql and ERD.md: the text, its order, and a real PostgreSQL's verdict."""

from __future__ import annotations

import doctest
import random
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pglast
import pytest
from model_factory import S, col, fk, kitchen_sink, pk, synthetic, table

from schemagen.model import (
    Archive,
    Enum,
    Model,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionScheme,
    Project,
    UniqueConstraint,
    View,
    ordering,
)
from schemagen.model.ordering import order_tables, order_views
from schemagen.postgres import identifiers
from schemagen.render import templating
from schemagen.render.render import render_all, render_erd, render_schema
from schemagen.render.templating import ident, literal, make_environment, mermaid_type, qname

if TYPE_CHECKING:
    from psycopg import Connection


@pytest.fixture(scope="module")
def sink() -> Model:
    return kitchen_sink()


@pytest.fixture(scope="module")
def sink_sql(sink: Model) -> str:
    return render_schema(sink)


@pytest.fixture
def sink_db(pg_database: Callable[..., Connection], sink_sql: str) -> Connection:
    """A database of the test's own holding the kitchen sink's schema.sql (a clone of its template)."""
    return pg_database(sink_sql)


def statements(text: str) -> list[str]:
    """Top-level statements as pglast splits them (dollar quotes and comments understood)."""
    return [s.strip() for s in pglast.split(text)]


def position(text: str, fragment: str) -> int:
    index = text.find(fragment)
    assert index >= 0, f"{fragment!r} not in the output"
    return index


def scalar(conn: Connection, query: str, *params: object) -> object:
    return conn.execute(query, params or None).fetchone()[0]


# --- filters -------------------------------------------------------------------------------------


def test_filter_doctests() -> None:
    for module in (templating, identifiers):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 3, module.__name__


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("users", "users"),
        ("position", '"position"'),
        ("User", '"User"'),
        ("user", '"user"'),  # reserved
        ("name", "name"),  # unreserved keyword
        ("left", '"left"'),  # type/function-name keyword
        ("between", '"between"'),  # column-name keyword
        ("9lives", '"9lives"'),
        ("a$b", '"a$b"'),  # quote_ident() quotes `$` too
        ("_ok_1", "_ok_1"),
        ('a"b', '"a""b"'),
        ("émoji", '"émoji"'),
    ],
)
def test_ident_follows_quote_ident(name: str, quoted: str) -> None:
    assert ident(name) == quoted


def test_ident_agrees_with_the_server(pg_conn: Connection) -> None:
    names = ["users", "position", "User", "user", "name", "left", "between", "9lives", "a$b", 'a"b', "type"]
    server = [scalar(pg_conn, "SELECT quote_ident(%s)", n) for n in names]
    assert [ident(n) for n in names] == server


def test_qname() -> None:
    assert qname("User", "app") == 'app."User"'
    assert qname("t", "public") == "public.t"


@pytest.mark.parametrize(
    ("value", "type_", "expected"),
    [
        (None, None, "NULL"),
        (True, "boolean", "true"),
        (False, None, "false"),
        (-3, "integer", "-3"),
        (0.1, None, "0.1"),
        (1e20, None, "1e+20"),
        ("it's", "text", "'it''s'"),
        ("back\\slash", "text", "'back\\slash'"),
        (date(2024, 1, 1), "date", "'2024-01-01'"),
        (datetime(2024, 1, 1, 12, 30, tzinfo=UTC), None, "'2024-01-01 12:30:00+00:00'"),
        ([], "text[]", "'{}'"),
        ([1, None, 3], "integer[]", "'{1,NULL,3}'"),
        ([[1, 2], [3, 4]], "integer[]", "'{{1,2},{3,4}}'"),
        (["", "null", "a,b", "{x}", " lead"], "text[]", '\'{"","null","a,b","{x}"," lead"}\''),
        (["it's", 'q"', "b\\s"], "text[]", '\'{it\'\'s,"q\\"","b\\\\s"}\''),
        ({"b": [1, None], "a": "x'y"}, "jsonb", '\'{"a": "x\'\'y", "b": [1, null]}\''),
        ([1, {"k": True}], "json", "'[1, {\"k\": true}]'"),
        (False, "jsonb", "'false'"),
        ('{"already": "json"}', "jsonb", '\'{"already": "json"}\''),
        ({"k": 1}, None, "'{\"k\": 1}'"),
    ],
)
def test_literal(value: object, type_: str | None, expected: str) -> None:
    assert literal(value, type_) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "nul\x00"])
def test_literal_rejects_values_with_no_plain_literal(value: object) -> None:
    with pytest.raises(ValueError):
        literal(value)


def test_literal_needs_a_type_for_a_list() -> None:
    with pytest.raises(TypeError):
        literal([1, 2])


def test_literals_round_trip_through_the_server(pg_conn: Connection) -> None:
    cases = [
        (["", "null", "a,b", "{x}", " lead", "it's", 'q"', "b\\s", None], "text[]"),
        ([[1, 2], [3, None]], "integer[]"),
        ({"b": [1, None], "a": "x'y", "u": "é"}, "jsonb"),
        ("it's \\ fine", "text"),
    ]
    for value, type_ in cases:
        # the literal is SQL text by construction; this is the thing under test
        got = scalar(pg_conn, f"SELECT {literal(value, type_)}::{type_}")
        assert got == value


def test_mermaid_type_is_one_word() -> None:
    assert mermaid_type("character varying(32)") == "character_varying(32)"
    assert mermaid_type("numeric(10,2)") == "numeric(10-2)"
    assert mermaid_type("timestamp with time zone") == "timestamp_with_time_zone"
    assert mermaid_type('app."Mood"') == "app_Mood"


# --- ordering ------------------------------------------------------------------------------------


def names(tables: list) -> list[str]:
    return [t.name for t in tables]


def test_order_tables_dependencies_first_ties_by_name() -> None:
    a = table("a", (col("id"), col("c_id")), foreign_keys=(fk("a_c_fkey", ("c_id",), "c"),))
    b = table("b", (col("id"),))
    c = table("c", (col("id"), col("b_id")), foreign_keys=(fk("c_b_fkey", ("b_id",), "b"),))
    d = table("d", (col("id"),))
    order, deferred = order_tables([d, c, b, a])
    assert names(order) == ["b", "c", "a", "d"]
    assert deferred == set()


def test_order_tables_self_reference_stays_inline() -> None:
    parent = fk("tree_parent_fkey", ("parent_id",), "tree")
    t = table("tree", (col("id"), col("parent_id")), foreign_keys=(parent,))
    assert order_tables([t]) == ([t], set())


def test_order_tables_breaks_a_cycle_at_the_smallest_name() -> None:
    x = table("x", (col("id"), col("y_id")), foreign_keys=(fk("x_y_fkey", ("y_id",), "y"),))
    y = table("y", (col("id"), col("z_id")), foreign_keys=(fk("y_z_fkey", ("z_id",), "z"),))
    z = table("z", (col("id"), col("x_id")), foreign_keys=(fk("z_x_fkey", ("x_id",), "x"),))
    w = table("w", (col("id"), col("x_id")), foreign_keys=(fk("w_x_fkey", ("x_id",), "x"),))
    order, deferred = order_tables([z, y, x, w])
    assert names(order) == ["x", "w", "z", "y"]
    assert deferred == {("x", "x_y_fkey")}


def reference_order(graph: dict[str, set[str]]) -> tuple[list[str], set[tuple[str, str]]]:
    """The documented rule, written the slow and obvious way."""
    emitted: list[str] = []
    deferred = set()

    def on_cycle(node: str, remaining: set[str]) -> bool:
        seen, todo = set(), [t for t in graph[node] if t in remaining]
        while todo:
            n = todo.pop()
            if n == node:
                return True
            if n not in seen:
                seen.add(n)
                todo.extend(t for t in graph[n] if t in remaining)
        return False

    while len(emitted) < len(graph):
        remaining = set(graph) - set(emitted)
        ready = [n for n in remaining if not (graph[n] & remaining)]
        if ready:
            node = min(ready)
        else:
            node = min(n for n in remaining if on_cycle(n, remaining))
            deferred |= {(node, f"{node}_{t}_fkey") for t in graph[node] if t in remaining}
        emitted.append(node)
    return emitted, deferred


def test_order_tables_matches_the_rule_on_random_graphs() -> None:
    rng = random.Random(20240101)
    for _ in range(300):
        nodes = [f"t{i:02d}" for i in range(rng.randint(1, 12))]
        graph = {n: {t for t in nodes if t != n and rng.random() < 0.2} for n in nodes}
        tables = [
            table(
                n,
                (col("id"), col("r")),
                foreign_keys=tuple(fk(f"{n}_{t}_fkey", ("r",), t) for t in sorted(refs)),
            )
            for n, refs in graph.items()
        ]
        rng.shuffle(tables)
        order, deferred = order_tables(tables)
        assert (names(order), deferred) == reference_order(graph)


def test_order_tables_ignores_references_outside_the_model() -> None:
    t = table("t", (col("id"), col("o_id")), foreign_keys=(fk("t_o_fkey", ("o_id",), "elsewhere"),))
    assert order_tables([t]) == ([t], set())


def test_order_views_by_dependency_then_name() -> None:
    v = [
        View("c", S, "SELECT 1", depends_on=("a", "users")),
        View("a", S, "SELECT 1", depends_on=("b",)),
        View("b", S, "SELECT 1", depends_on=("users",)),
        View("d", S, "SELECT 1", depends_on=("public.b",)),
    ]
    assert [x.name for x in order_views(v)] == ["b", "a", "c", "d"]


def test_order_views_rejects_a_cycle() -> None:
    v = [View("a", S, "SELECT 1", depends_on=("b",)), View("b", S, "SELECT 1", depends_on=("a",))]
    with pytest.raises(ValueError, match="a, b"):
        ordering.order_views(v)


# --- schema.sql text -----------------------------------------------------------------------------


def test_header_is_fixed(sink_sql: str) -> None:
    assert sink_sql.startswith(
        "-- discord-bot: the whole schema, for an empty database.\n"
        "-- Generated by schemagen from the spec; do not edit.\n\n"
    )
    assert sink_sql.endswith(";\n") and not sink_sql.endswith("\n\n")


def test_rendering_is_byte_identical(sink: Model, sink_sql: str) -> None:
    assert render_schema(sink) == sink_sql
    assert render_schema(kitchen_sink()) == sink_sql
    assert render_all(sink) == render_all(kitchen_sink())


def test_output_parses(sink_sql: str, sink: Model) -> None:
    parsed = pglast.parse_sql(sink_sql)
    assert len(parsed) == len(statements(sink_sql))


def test_columns(sink_sql: str) -> None:
    for fragment in [
        "id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,",
        "id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,",
        'username character varying(32) COLLATE "C" NOT NULL,',
        "handle text GENERATED ALWAYS AS (lower(username)) STORED NOT NULL,",
        "bot boolean DEFAULT false NOT NULL,",
        "karma integer DEFAULT -3 NOT NULL,",
        "ratio double precision DEFAULT 0.25 NOT NULL,",
        "nickname text DEFAULT 'o''brien',",
        "born date DEFAULT '2000-01-01',",
        """tags text[] DEFAULT '{a,"b c","q\\"","back\\\\slash",NULL,""}' NOT NULL,""",
        "empty_tags text[] DEFAULT '{}' NOT NULL,",
        """preferences jsonb DEFAULT '{"n": [1, 2], "quote": "it''s", "theme": "dark"}' NOT NULL,""",
        "mood mood DEFAULT 'it''s complicated' NOT NULL,",
        "created_at timestamp with time zone DEFAULT now() NOT NULL,",
        # DEFAULT takes a restricted expression: anything but a call or a name is parenthesised
        "local_created timestamp without time zone DEFAULT (now() AT TIME ZONE 'utc') NOT NULL,",
        '"position" integer,',
    ]:
        assert fragment in sink_sql


def test_constraints(sink_sql: str) -> None:
    for fragment in [
        "CONSTRAINT users_pkey PRIMARY KEY (id),",
        "CONSTRAINT guild_members_pkey PRIMARY KEY (guild_id, user_id),",
        "CONSTRAINT users_username_key UNIQUE NULLS NOT DISTINCT (username),",
        "CONSTRAINT users_karma_check CHECK (karma > -1000)\n);",
        "CONSTRAINT guild_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) "
        "ON DELETE CASCADE ON UPDATE RESTRICT\n);",
        "CONSTRAINT channels_guild_id_fkey FOREIGN KEY (guild_id) REFERENCES public.guilds (id) "
        "ON DELETE SET NULL,",
        "CONSTRAINT channels_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.channels (id)\n);",
        'CONSTRAINT "User_pkey" PRIMARY KEY (id)',
    ]:
        assert fragment in sink_sql


def test_quoted_names(sink_sql: str) -> None:
    assert 'CREATE TABLE public."User" (\n    id bigint' in sink_sql
    assert '"position" integer NOT NULL,\n    "select" text,' in sink_sql
    assert "COMMENT ON TABLE public.\"User\" IS 'Quoted names.';" in sink_sql


def test_comments(sink_sql: str) -> None:
    for fragment in [
        "COMMENT ON TABLE public.users IS 'A Discord account the bot has seen; it''s \"users\".';",
        "COMMENT ON COLUMN public.users.username IS 'Shown as \"name\"; it''s unique.';",
        "COMMENT ON TYPE public.mood IS 'How a user feels.';",
        "COMMENT ON VIEW public.active_users IS 'Humans only.';",
        "COMMENT ON MATERIALIZED VIEW public.daily_message_stats IS 'Messages per channel and day.';",
    ]:
        assert fragment in sink_sql


def test_enum(sink_sql: str) -> None:
    expected = "CREATE TYPE public.mood AS ENUM (\n    'happy',\n    'it''s complicated',\n    'sad'\n);"
    assert expected in sink_sql


def test_statement_order(sink_sql: str) -> None:
    order = [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        "CREATE TYPE public.mood",
        'CREATE TABLE public."User"',
        "CREATE TABLE public.users",
        "CREATE TABLE public.guilds (",
        "CREATE TABLE public.guilds_p0 PARTITION OF",
        "CREATE TABLE public.channels",
        "CREATE TABLE public.guild_members",
        "CREATE TABLE public.messages (",
        "CREATE TABLE public.messages_default",
        "CREATE TABLE public.authors",
        "CREATE TABLE public.books",
        "CREATE INDEX users_bot_idx",
        "CREATE INDEX messages_channel_id_created_at_idx",
        "ALTER TABLE public.authors ADD CONSTRAINT authors_favourite_book_id_fkey",
        "CREATE VIEW public.active_users",
        "CREATE VIEW public.active_user_names",
        "CREATE MATERIALIZED VIEW public.daily_message_stats",
        "CREATE UNIQUE INDEX daily_message_stats_day_channel_id_key",
        "CREATE FUNCTION public.archive_messages",
        "CREATE FUNCTION public.refresh_daily_message_stats",
    ]
    positions = [position(sink_sql, f) for f in order]
    assert positions == sorted(positions)
    # a table's comments follow its partitions, before the next table
    assert (
        position(sink_sql, "CREATE TABLE public.users (")
        < position(sink_sql, "COMMENT ON TABLE public.users")
        < position(sink_sql, "CREATE TABLE public.guilds (")
    )


def test_foreign_key_cycle_is_one_alter_table(sink_sql: str) -> None:
    assert sink_sql.count("ALTER TABLE") == 1
    assert (
        "ALTER TABLE public.authors ADD CONSTRAINT authors_favourite_book_id_fkey "
        "FOREIGN KEY (favourite_book_id) REFERENCES public.books (id) DEFERRABLE INITIALLY DEFERRED;"
    ) in sink_sql
    authors = sink_sql[position(sink_sql, "CREATE TABLE public.authors") :]
    assert "favourite_book_id_fkey" not in authors[: authors.index(");")]
    inline = "CONSTRAINT books_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.authors (id)\n"
    assert inline in sink_sql


def test_partitions(sink_sql: str) -> None:
    for fragment in [
        ") PARTITION BY RANGE (created_at);\n"
        "CREATE TABLE public.messages_2024_01 PARTITION OF public.messages "
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');",
        "CREATE TABLE public.messages_default PARTITION OF public.messages DEFAULT;",
        "CREATE TABLE public.regional_eu PARTITION OF public.regional FOR VALUES IN ('de', 'fr', 'it''s');",
        "CREATE TABLE public.regional_other PARTITION OF public.regional DEFAULT;",
        ") PARTITION BY HASH (id);\nCREATE TABLE public.guilds_p0 PARTITION OF public.guilds "
        "FOR VALUES WITH (MODULUS 4, REMAINDER 0);",
        "CREATE TABLE public.guilds_p3 PARTITION OF public.guilds FOR VALUES WITH (MODULUS 4, REMAINDER 3);",
        ") PARTITION BY RANGE ((lower(name)));",
        "FOR VALUES FROM (MINVALUE) TO ('n');",
        "FOR VALUES FROM ('n') TO (MAXVALUE);",
        # two levels: each month is hashed again, and its children follow it at once
        "CREATE TABLE public.events_2024_01 PARTITION OF public.events "
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00') PARTITION BY HASH (id);\n"
        "CREATE TABLE public.events_2024_01_p0 PARTITION OF public.events_2024_01 "
        "FOR VALUES WITH (MODULUS 2, REMAINDER 0);\n"
        "CREATE TABLE public.events_2024_01_p1 PARTITION OF public.events_2024_01 "
        "FOR VALUES WITH (MODULUS 2, REMAINDER 1);\n"
        "CREATE TABLE public.events_2024_02 PARTITION OF public.events",
    ]:
        assert fragment in sink_sql


def test_indexes(sink_sql: str) -> None:
    for fragment in [
        "CREATE INDEX users_created_at_idx ON public.users (created_at DESC NULLS LAST);",
        "CREATE INDEX users_username_trgm_idx ON public.users USING gin (username gin_trgm_ops);",
        "CREATE UNIQUE INDEX users_lower_username_idx ON public.users ((lower(username)));",
        "CREATE INDEX users_bot_idx ON public.users (id) INCLUDE (username) WHERE bot;",
        "CREATE UNIQUE INDEX users_nickname_key ON public.users (nickname) NULLS NOT DISTINCT;",
        "CREATE INDEX users_created_brin ON public.users USING brin (created_at);",
        "CREATE INDEX messages_channel_id_created_at_idx ON public.messages (channel_id, created_at DESC);",
    ]:
        assert fragment in sink_sql
    assert "USING btree" not in sink_sql
    users_indexes = re.findall(r"^CREATE (?:UNIQUE )?INDEX (users_\w+)", sink_sql, re.MULTILINE)
    assert users_indexes == sorted(users_indexes)


def test_views(sink_sql: str) -> None:
    assert "CREATE VIEW public.active_users AS\nSELECT id, username FROM users WHERE NOT bot;\n" in sink_sql
    # a trailing line comment must not swallow the semicolon
    swallowed = "CREATE VIEW public.active_user_names AS\nSELECT username FROM active_users -- humans\n;\n"
    assert swallowed in sink_sql
    assert (
        "CREATE MATERIALIZED VIEW public.daily_message_stats AS\n"
        "SELECT date_trunc('day', created_at) AS day, channel_id, count(*) AS n\n"
        "FROM messages GROUP BY 1, 2\nWITH DATA;"
    ) in sink_sql


def test_functions_text(sink_sql: str) -> None:
    assert (
        "CREATE FUNCTION public.archive_messages(older_than timestamp with time zone "
        "DEFAULT now() - '365 days'::interval)\nRETURNS bigint\nLANGUAGE sql\nAS $$"
    ) in sink_sql
    assert "RETURNING id, channel_id, author_id, content, created_at" in sink_sql
    assert "INSERT INTO public.messages_archive (id, channel_id, author_id, content, created_at)" in sink_sql
    body = sink_sql[position(sink_sql, "CREATE FUNCTION public.archive_messages") :].split("$$")[1]
    assert "RETURNING *" not in body and "SELECT *" not in body
    assert "COMMENT ON FUNCTION public.archive_messages(timestamp with time zone) IS 'Moves" in sink_sql
    assert "REFRESH MATERIALIZED VIEW CONCURRENTLY public.daily_message_stats;" in sink_sql
    assert "CURRENT_DATE" not in sink_sql.upper()
    # now() only ever as a default, never evaluated while the schema is created
    assert len(re.findall(r"now\(\)", sink_sql)) == len(re.findall(r"DEFAULT \(?now\(\)", sink_sql))


def test_blocking_refresh_and_dollar_quote_collision(pg_conn: Connection) -> None:
    view = View(
        "mv$$", S, "SELECT 1 AS one", materialized=True, refresh="blocking", refresh_function="refresh_mv"
    )
    sql = render_schema(Model(Project("p"), views=(view,)))
    assert 'REFRESH MATERIALIZED VIEW public."mv$$";' in sql
    assert "AS $body$\nBEGIN" in sql  # the body holds `$$`, so another tag
    pg_conn.execute(sql)
    pg_conn.execute("SELECT refresh_mv()")


def test_other_schemas_are_created() -> None:
    model = Model(
        Project("p"),
        enums=(Enum("mood", "app", ("a",)),),
        tables=(table("t", (col("id"),), schema="audit"), table("u", (col("id"),))),
        views=(View("v", "reporting", "SELECT 1"),),
    )
    sql = render_schema(model)
    assert (
        "CREATE SCHEMA IF NOT EXISTS app;\nCREATE SCHEMA IF NOT EXISTS audit;\n"
        "CREATE SCHEMA IF NOT EXISTS reporting;\n"
    ) in sql
    assert "public;" not in sql
    assert position(sql, "CREATE SCHEMA") < position(sql, "CREATE TYPE app.mood")
    assert "CREATE TABLE audit.t (" in sql


def test_empty_model() -> None:
    assert render_schema(Model(Project("empty"))) == (
        "-- empty: the whole schema, for an empty database.\n"
        "-- Generated by schemagen from the spec; do not edit.\n"
    )


def test_project_name_cannot_escape_the_header_comment() -> None:
    sql = render_schema(Model(Project("x\nDROP TABLE users;")))
    assert pglast.parse_sql(sql) == ()


# --- user templates ------------------------------------------------------------------------------


def test_user_template_overrides_a_builtin(tmp_path: Path, sink: Model, sink_sql: str) -> None:
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "index.sql.j2").write_text(
        "{% macro create_index(index, schema) %}\n"
        "CREATE INDEX IF NOT EXISTS {{ index.name | ident }} ON {{ index.table | qname(schema) }}"
        " ({{ index.elements | map(attribute='column') | select | map('ident') | join(', ') }});\n"
        "{% endmacro %}\n"
    )
    env = make_environment(tmp_path)
    assert env is make_environment(tmp_path)  # cached per folder
    assert make_environment() is not env
    sql = render_schema(sink, env)
    assert "CREATE INDEX IF NOT EXISTS users_created_at_idx ON public.users (created_at);" in sql
    assert "CREATE INDEX users_created_at_idx" not in sql
    # everything else is still the built-in templates
    assert sql.split("CREATE INDEX", 1)[0] == sink_sql.split("CREATE INDEX", 1)[0]
    assert render_schema(sink) == sink_sql


def test_compiled_templates_are_kept_between_runs_and_compiled_again_when_edited(
    tmp_path: Path, sink: Model, sink_sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemagen.render import templating

    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE", raising=False)
    monkeypatch.setattr(templating, "_ENVIRONMENTS", {})  # a fresh process, as far as Jinja knows
    assert render_schema(sink, make_environment()) == sink_sql
    (folder,) = (cache / "schemagen").iterdir()
    assert folder.name.startswith("templates-") and len(list(folder.iterdir())) > 3

    ours = tmp_path / "templates"
    (ours / "postgres").mkdir(parents=True)
    index = ours / "postgres" / "index.sql.j2"
    builtin = (templating.builtin_templates_dir() or Path("templates")) / "postgres" / "index.sql.j2"
    index.write_text(builtin.read_text())
    monkeypatch.setattr(templating, "_ENVIRONMENTS", {})
    assert render_schema(sink, make_environment(ours)) == sink_sql
    index.write_text(builtin.read_text().replace("INDEX {{ index.name", "INDEX /* ours */ {{ index.name"))
    monkeypatch.setattr(templating, "_ENVIRONMENTS", {})  # the same name and file, another source
    assert "CREATE INDEX /* ours */ users_created_at_idx" in render_schema(sink, make_environment(ours))

    for folder in (cache / "schemagen").iterdir():  # a cache that cannot be written is no cache
        for item in folder.iterdir():
            item.unlink()
        folder.chmod(0o500)
    monkeypatch.setattr(templating, "_ENVIRONMENTS", {})
    try:
        assert render_schema(sink, make_environment()) == sink_sql
    finally:
        for folder in (cache / "schemagen").iterdir():
            folder.chmod(0o700)
    monkeypatch.setenv("SCHEMAGEN_NO_CACHE", "1")
    monkeypatch.setattr(templating, "_ENVIRONMENTS", {})
    assert make_environment().bytecode_cache is None


# --- ERD -----------------------------------------------------------------------------------------


def test_erd(sink: Model) -> None:
    erd = render_erd(sink)
    assert erd.startswith("# discord-bot: entity-relationship diagram\n\n")
    block = erd.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.startswith("erDiagram\n")
    members = '    "guild_members" {\n        bigint guild_id PK, FK\n        bigint user_id PK, FK\n    }\n'
    assert members in block
    assert "        character_varying(32) username UK\n" in block
    assert "        timestamp_with_time_zone created_at PK\n" in block
    assert '    "users" ||--o{ "guild_members" : "user_id"\n' in block
    assert '    "guilds" |o--o{ "channels" : "guild_id"\n' in block
    assert '    "channels" |o--o{ "channels" : "parent_id"\n' in block
    assert '    "by_name"\n' in block  # no key columns: a bare entity
    assert "messages_2024_01" not in block  # partition children are not entities
    assert "| daily_message_stats | yes | messages |" in erd
    assert "| active_user_names | no | active_users |" in erd
    # every attribute line is `type name [KEYS]`, words Mermaid's lexer accepts
    word = r"[A-Za-z_][\w()\[\]-]*"
    for line in block.splitlines():
        if line.startswith("        "):
            assert re.fullmatch(rf"        {word} {word}( (PK|FK|UK)(, (PK|FK|UK))*)?", line)
    assert render_erd(sink) == erd


# --- a real PostgreSQL ---------------------------------------------------------------------------


def test_schema_applies(sink_db: Connection) -> None:
    def count(query: str) -> int:
        return scalar(sink_db, query)

    relations = "SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
    # partitions: guilds 4, messages 3 + default, regional 3, by_name 2, events 2 months × 2 hashes + 2
    assert (
        count(
            "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE c.relkind IN ('r', 'p')"
        )
        == 4 + 4 + 3 + 2 + 6
    )
    assert count(f"{relations} AND c.relkind = 'm'") == 1
    assert count(f"{relations} AND c.relkind = 'v'") == 2
    assert (
        scalar(sink_db, "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'guilds_p3'")
        == "FOR VALUES WITH (modulus 4, remainder 3)"
    )
    assert (
        scalar(sink_db, "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'regional_eu'")
        == "FOR VALUES IN ('de', 'fr', 'it''s')"
    )
    assert scalar(sink_db, "SELECT pg_get_partkeydef('public.by_name'::regclass)") == "RANGE (lower(name))"
    assert scalar(sink_db, "SELECT pg_get_partkeydef('public.events_2024_01'::regclass)") == "HASH (id)"
    # the deferred foreign key exists and is deferrable
    assert sink_db.execute(
        "SELECT condeferrable, condeferred FROM pg_constraint "
        "WHERE conname = 'authors_favourite_book_id_fkey'"
    ).fetchone() == (True, True)
    assert (
        scalar(
            sink_db,
            "SELECT indnullsnotdistinct FROM pg_index"
            " WHERE indexrelid = 'public.users_nickname_key'::regclass",
        )
        is True
    )
    assert scalar(sink_db, "SELECT obj_description('public.users'::regclass, 'pg_class')") == (
        'A Discord account the bot has seen; it\'s "users".'
    )
    # defaults land as the values they were written as
    sink_db.execute("INSERT INTO public.users (username) VALUES ('ann')")
    row = sink_db.execute(
        "SELECT tags, empty_tags, preferences, mood::text, born, handle FROM public.users"
    ).fetchone()
    assert row == (
        ["a", "b c", 'q"', "back\\slash", None, ""],
        [],
        {"n": [1, 2], "quote": "it's", "theme": "dark"},
        "it's complicated",
        date(2000, 1, 1),
        "ann",
    )


def test_range_bounds_do_not_depend_on_the_session_time_zone(pg_conn: Connection, sink_sql: str) -> None:
    pg_conn.execute("SET TimeZone = 'Pacific/Auckland'")
    pg_conn.execute(sink_sql)
    pg_conn.execute("SET TimeZone = 'UTC'")
    assert (
        scalar(
            pg_conn, "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'messages_2024_01'"
        )
        == "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
    )


def test_archive_function_moves_rows(sink_db: Connection) -> None:
    sink_db.execute("SET TimeZone = 'UTC'")
    sink_db.execute("INSERT INTO public.users (username) VALUES ('ann')")
    user_id = scalar(sink_db, "SELECT id FROM public.users")
    sink_db.execute("INSERT INTO public.channels (id) VALUES (1)")
    start = datetime(2024, 1, 15, tzinfo=UTC)
    for i in range(6):  # two per month, January to March
        sink_db.execute(
            "INSERT INTO public.messages (id, channel_id, author_id, content, created_at) "
            "VALUES (%s, 1, %s, %s, %s)",
            (i, user_id, f"m{i}", start + timedelta(days=15 * i)),
        )
    moved = scalar(sink_db, "SELECT public.archive_messages('2024-02-20 00:00:00+00')")
    assert moved == 3
    assert scalar(sink_db, "SELECT count(*) FROM public.messages") == 3
    assert scalar(sink_db, "SELECT count(*) FROM public.messages_archive") == 3
    assert scalar(sink_db, "SELECT min(content) FROM public.messages_archive") == "m0"
    # the default cutoff is a year before now: everything here is older
    assert scalar(sink_db, "SELECT public.archive_messages()") == 3
    assert scalar(sink_db, "SELECT count(*) FROM public.messages_archive") == 6


def test_archive_function_when_the_table_has_a_column_named_like_the_parameter(pg_conn: Connection) -> None:
    columns = (
        col("id", identity="always"),
        col("older_than", "date"),
        col("doubled", "bigint", generated="id * 2"),
    )
    source = table("jobs", columns, archive=Archive("older_than", "30 days", "jobs_archive", "archive_jobs"))
    target = table("jobs_archive", columns, archive_of="jobs")
    sql = render_schema(Model(Project("p"), tables=(source, target)))
    assert "OVERRIDING SYSTEM VALUE" in sql
    assert "RETURNING id, older_than\n" in sql  # generated columns are not copied
    pg_conn.execute(sql)
    pg_conn.execute("INSERT INTO jobs (older_than) VALUES ('2020-01-01'), ('2020-06-01'), (current_date)")
    assert scalar(pg_conn, "SELECT archive_jobs('2020-03-01')") == 1
    assert scalar(pg_conn, "SELECT archive_jobs()") == 1
    assert pg_conn.execute("SELECT id, doubled FROM jobs_archive ORDER BY id").fetchall() == [(1, 2), (2, 4)]


def test_refresh_function_runs(sink_db: Connection) -> None:
    sink_db.execute("INSERT INTO public.users (username) VALUES ('ann')")
    sink_db.execute("INSERT INTO public.channels (id) VALUES (1)")
    sink_db.execute(
        "INSERT INTO public.messages (id, channel_id, author_id, created_at) "
        "SELECT g, 1, (SELECT id FROM public.users), '2024-01-05 10:00:00+00' FROM generate_series(1, 3) g"
    )
    assert scalar(sink_db, "SELECT count(*) FROM public.daily_message_stats") == 0
    sink_db.execute("SELECT public.refresh_daily_message_stats()")
    assert scalar(sink_db, "SELECT sum(n) FROM public.daily_message_stats") == 3


def test_quoted_and_schema_qualified_model_applies(pg_conn: Connection) -> None:
    user = table(
        "User",
        (col("id"), col("position", "integer"), col("order", "text", nullable=True, comment="it's")),
        schema="App",
        primary_key=pk("User", "id"),
        comment="Quoted.",
    )
    ref = table(
        "select",
        (col("id"), col("user_id")),
        schema="App",
        foreign_keys=(replace(fk("select_user_fkey", ("user_id",), "User"), ref_schema="App"),),
    )
    sql = render_schema(Model(Project("p"), tables=(user, ref)))
    assert 'CREATE SCHEMA IF NOT EXISTS "App";' in sql
    assert 'REFERENCES "App"."User" (id)' in sql
    pg_conn.execute(sql)
    assert scalar(pg_conn, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'App'") == 2


def test_synthetic_model_renders_parses_and_applies(pg_conn: Connection) -> None:
    model = synthetic(25)
    sql = render_schema(model)
    assert sql == render_schema(synthetic(25))
    pglast.parse_sql(sql)
    pg_conn.execute(sql)
    # three tables partitioned by month (36 months and a default), three hash-sharded 64 ways
    assert (
        scalar(
            pg_conn,
            "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'r'",
        )
        == 3 * 37 + 3 * 64
    )


def test_multi_column_range_partitions_apply(pg_conn: Connection) -> None:
    scheme = PartitionScheme(
        kind="range",
        key=(PartitionKey(column="year"), PartitionKey(column="month")),
        children=(
            PartitionChild("ym_2024_h1", PartitionBound(range_from=[2024, "MINVALUE"], range_to=[2024, 7])),
            PartitionChild("ym_2024_h2", PartitionBound(range_from=[2024, 7], range_to=[2025, "MINVALUE"])),
        ),
    )
    sql = render_schema(
        Model(
            Project("p"),
            tables=(
                table(
                    "ym",
                    (col("year", "integer"), col("month", "integer")),
                    primary_key=None,
                    partition=scheme,
                ),
            ),
        )
    )
    assert "PARTITION OF public.ym FOR VALUES FROM (2024, MINVALUE) TO (2024, 7);" in sql
    pg_conn.execute(sql)
    pg_conn.execute("INSERT INTO ym VALUES (2024, 1), (2024, 12)")
    assert scalar(pg_conn, "SELECT count(*) FROM ym_2024_h2") == 1


def test_erd_names_mermaid_cannot_read_bare() -> None:
    one = table(
        "one",
        (col("pk", "numeric(10,2)"), col("to", "character varying(8)")),
        primary_key=pk("one", "pk"),
        uniques=(UniqueConstraint("one_to_key", ("to",)),),
    )
    erd = render_erd(Model(Project("p"), tables=(one,)))
    assert '    "one" {\n        numeric(10-2) pk_ PK\n        character_varying(8) to UK\n    }\n' in erd
    assert "## Views" not in erd
