"""Distributed migrations on a real Citus cluster, through the command line, with rows: each scenario's
up migration gives the catalog (the Citus catalog included) that schema.sql of the new version gives
a fresh database, keeps every row, and its down migration gives back the catalog and the rows before."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.database.citus_cluster import CitusCluster
from schemagen.database.live import connect
from schemagen.postgres.expressions import split_statements
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.conftest import database_name

PROJECT = "project: {name: guilds, postgres: 15, extensions: [citus]%s}\n"

PLAIN = """\
entities:
  plans:
    columns: {id: {type: bigint, primary_key: true}, name: text}
  guilds:
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
      name: text
  channels:
    columns:
      guild_id: {type: bigint, references: guilds}
      id: bigint
      name: text
    primary_key: [guild_id, id]
  members:
    columns:
      guild_id: {type: bigint, references: guilds}
      user_id: bigint
      nick: text?
    primary_key: [guild_id, user_id]
"""

DISTRIBUTED = """\
entities:
  plans:
    columns: {id: {type: bigint, primary_key: true}, name: text}
    distribute: reference
  guilds:
    columns:
      id: {type: bigint, primary_key: true}
      plan_id: {type: bigint, references: plans}
      name: text
    distribute: {by: id}
  channels:
    columns:
      guild_id: {type: bigint, references: guilds}
      id: bigint
      name: text
    primary_key: [guild_id, id]
    distribute: {by: guild_id, colocate_with: guilds}
  members:
    columns:
      guild_id: {type: bigint, references: guilds}
      user_id: bigint
      nick: text?
    primary_key: [guild_id, user_id]
    distribute: {by: guild_id, colocate_with: guilds}
"""

ROWS = """\
INSERT INTO plans SELECT i, 'plan ' || i FROM generate_series(1, 5) i;
INSERT INTO guilds SELECT i, 1 + i % 5, 'guild ' || i FROM generate_series(1, 300) i;
INSERT INTO channels SELECT 1 + i % 300, i, 'channel ' || i FROM generate_series(1, 3000) i;
INSERT INTO members SELECT 1 + i % 300, i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'nick ' || i END
FROM generate_series(1, 3000) i;
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout + result.stderr


class Project:
    """A spec folder whose versions each become a migration, as a team's history does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec = root / "spec"
        self.spec.mkdir()
        self.versions: list[str] = []

    def version(
        self,
        name: str,
        spec: str,
        *,
        shard_count: int | None = None,
        concurrently: bool = False,
        distributed_schemas: tuple[str, ...] = (),
    ) -> str:
        """Write `spec` as the spec, render it and write its migration; the migration's text."""
        settings = (
            ([f"shard_count: {shard_count}"] if shard_count else [])
            + (["distribute_concurrently: true"] if concurrently else [])
            + ([f"distributed_schemas: [{', '.join(distributed_schemas)}]"] if distributed_schemas else [])
        )
        citus = f", citus: {{{', '.join(settings)}}}" if settings else ""
        (self.spec / "spec.yaml").write_text(PROJECT % citus + textwrap.dedent(spec))
        code, out = run("render", str(self.spec))
        assert code == 0, out
        code, out = run("migrate", "new", name, str(self.spec))
        assert code == 0, out
        self.versions.append(name)
        ups = sorted((self.root / "generated" / "migrations").glob(f"*_{name}.up.sql"))
        return ups[-1].read_text()

    def down_sql(self, name: str) -> str:
        (down,) = (self.root / "generated" / "migrations").glob(f"*_{name}.down.sql")
        return down.read_text()

    @property
    def schema_sql(self) -> str:
        return (self.root / "generated" / "schema.sql").read_text()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


@pytest.fixture
def fresh_dsn(citus_cluster: CitusCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second database on the cluster, for schema.sql of the version a migration reaches."""
    name = database_name(request.node.nodeid + "::fresh")
    dsn = citus_cluster.create_database(name)
    yield dsn
    citus_cluster.drop_database(name)


def apply(dsn: str, *args: str) -> str:
    code, out = run("migrate", "apply", "--dsn", dsn, *args)
    assert code == 0, out
    return out


def down(dsn: str, to: int) -> str:
    code, out = run("migrate", "down", "--dsn", dsn, "--to", str(to))
    assert code == 0, out
    return out


def execute(dsn: str, script: str) -> None:
    with connect(dsn, autocommit=True) as conn:
        for statement in split_statements(script):
            conn.execute(statement.text.encode(), prepare=False)


CITUS_CALLS = (
    "SELECT create_",
    "SELECT alter_distributed_table",
    "SELECT undistribute_table",
    "SELECT truncate_",
    "SELECT citus_schema_",
)


def run_citus_calls_again(dsn: str, migration: str, schemas: tuple[str, ...] = ("public",)) -> None:
    """Each call of Citus's functions in a migration, run again where it already ran: what a resume
    does after the runner was killed between the call's commit and its progress record. Each must
    find its work done and leave everything as it is."""
    calls = [s.text for s in split_statements(migration) if s.text.lstrip().startswith(CITUS_CALLS)]
    assert calls
    before = state(dsn, schemas)
    execute(dsn, ";\n".join(calls) + ";")
    assert state(dsn, schemas) == before


def state(dsn: str, schemas: tuple[str, ...] = ("public",)) -> tuple[Catalog, dict[str, str]]:
    """The catalog (with where Citus keeps each table) and a digest of the rows of every table and
    materialized view."""
    with connect(dsn, autocommit=True) as conn:
        catalog = snapshot(conn, schemas)
        digests = {}
        for name, relation in catalog["relations"].items():
            if relation["kind"] in ("table", "partitioned table", "materialized view") and not relation.get(
                "partition_of"
            ):
                row = conn.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {name} t"
                ).fetchone()
                assert row is not None
                digests[name] = f"{row[0]} rows, {row[1]}"
    return catalog, digests


def fresh_catalog(dsn: str, schema_sql: str, schemas: tuple[str, ...] = ("public",)) -> Catalog:
    execute(dsn, schema_sql)
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, schemas)


def distribution(catalog: Catalog) -> dict[str, tuple[object, ...]]:
    return {
        name: (
            entry["kind"],
            entry["distribution_column"],
            entry["shard_count"],
            tuple(entry["colocated_with"]),
        )
        for name, entry in catalog.get("distribution", {}).items()
    }


def test_plain_tables_with_rows_become_distributed_and_back(
    project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    project.version("initial", PLAIN)
    up = project.version("distributed", DISTRIBUTED, shard_count=4)
    assert "create_reference_table('public.plans')" in up
    assert "create_distributed_table('public.guilds', 'id', shard_count => 4" in up
    assert "create_distributed_table('public.members', 'guild_id', colocate_with" in up
    apply(citus_dsn, "--to", "1")
    execute(citus_dsn, ROWS)
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert distribution(after[0]) == {
        "channels": ("hash", "guild_id", 4, ("guilds", "members")),
        "guilds": ("hash", "id", 4, ("channels", "members")),
        "members": ("hash", "guild_id", 4, ("channels", "guilds")),
        "plans": ("reference", None, None, ()),
    }
    assert after[1] == before[1]
    run_citus_calls_again(citus_dsn, up)

    down(citus_dsn, 1)
    assert state(citus_dsn) == before
    run_citus_calls_again(citus_dsn, project.down_sql("distributed"))


def shard_counts(dsn: str) -> dict[str, tuple[int, int]]:
    """Per hash-distributed table, as the `citus_tables` view reports it: its shard count, and how
    many shards `pg_dist_shard` lists for it."""
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT t.table_name::text, t.shard_count,"
            " (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = t.table_name)::int"
            " FROM citus_tables t JOIN pg_dist_partition p ON p.logicalrelid = t.table_name"
            " WHERE t.citus_table_type = 'distributed' AND p.partmethod = 'h' ORDER BY 1"
        ).fetchall()
    return {name: (count, shards) for name, count, shards in rows}


@pytest.mark.parametrize("counts", [(4, 8), (32, 64)], ids=["4-to-8", "32-to-64"])
def test_a_shard_count_change_moves_a_colocation_group_with_its_keys_and_rows(
    counts: tuple[int, int], project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    old, new = counts
    project.version("initial", DISTRIBUTED, shard_count=old)
    up = project.version("more_shards", DISTRIBUTED, shard_count=new)
    assert (
        f"alter_distributed_table('public.guilds', shard_count => {new}, cascade_to_colocated => true)" in up
    )
    assert "DROP CONSTRAINT" not in up  # the group moves together: its keys stay
    apply(citus_dsn, "--to", "1")
    execute(citus_dsn, ROWS)
    before = state(citus_dsn)
    group = ("channels", "guilds", "members")
    assert shard_counts(citus_dsn) == dict.fromkeys(group, (old, old))
    keys = {
        name: set(relation["constraints"])
        for name, relation in before[0]["relations"].items()
        if name in group
    }
    assert keys["channels"] >= {"channels_guild_id_fkey"} and keys["members"] >= {"members_guild_id_fkey"}

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert {d[2] for name, d in distribution(after[0]).items() if name != "plans"} == {new}
    assert shard_counts(citus_dsn) == dict.fromkeys(group, (new, new))
    assert {n: set(r["constraints"]) for n, r in after[0]["relations"].items() if n in group} == keys
    assert after[1] == before[1]
    run_citus_calls_again(citus_dsn, up)

    down(citus_dsn, 1)
    assert state(citus_dsn) == before
    assert shard_counts(citus_dsn) == dict.fromkeys(group, (old, old))
    run_citus_calls_again(citus_dsn, project.down_sql("more_shards"))


def test_a_hash_distributed_table_becomes_a_reference_table_and_back(
    project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    countries = """\
      countries:
        comment: A country guilds say they are in.
        columns: {code: {type: text, primary_key: true}, name: {type: text, comment: In English.}}
        distribute: %s
    """
    spec = DISTRIBUTED + textwrap.indent(textwrap.dedent(countries % "{by: code}"), "  ")
    project.version("initial", spec, shard_count=4)
    reference = DISTRIBUTED + textwrap.indent(textwrap.dedent(countries % "reference"), "  ")
    up = project.version("countries_everywhere", reference, shard_count=4)
    assert up.index("undistribute_table('public.countries')") < up.index(
        "create_reference_table('public.countries')"
    )
    apply(citus_dsn, "--to", "1")
    execute(
        citus_dsn,
        ROWS + "INSERT INTO countries SELECT 'c' || i, 'country ' || i FROM generate_series(1, 250) i;",
    )
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert distribution(after[0])["countries"] == ("reference", None, None, ())
    assert after[1] == before[1]

    down(citus_dsn, 1)
    assert state(citus_dsn) == before


def test_a_distributed_partitioned_table_gains_a_month(
    project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    events = """\
      events:
        columns:
          guild_id: {type: bigint, references: guilds}
          id: bigint
          at: timestamptz
          body: text
        primary_key: [guild_id, id, at]
        partition:
          range: {key: at, every: month, from: 2025-01-01, to: %s}
        distribute: {by: guild_id, colocate_with: guilds}
    """
    spec = DISTRIBUTED + textwrap.indent(textwrap.dedent(events % "2025-04-01"), "  ")
    project.version("initial", spec, shard_count=4)
    spec = DISTRIBUTED + textwrap.indent(textwrap.dedent(events % "2025-05-01"), "  ")
    project.version("april", spec, shard_count=4)
    apply(citus_dsn, "--to", "1")
    execute(
        citus_dsn,
        ROWS
        + "INSERT INTO events SELECT 1 + i % 300, i, timestamptz '2025-01-01' + i * interval '1 hour', 'e' || i"
        " FROM generate_series(1, 2000) i;",
    )
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert "events_2025_04" in after[0]["relations"]
    with connect(citus_dsn, autocommit=True) as conn:
        # the new month is a distributed table of the group, like the months before it
        groups = conn.execute(
            "SELECT logicalrelid::regclass::text, colocationid FROM pg_dist_partition"
            " WHERE logicalrelid::regclass::text IN ('events_2025_03', 'events_2025_04', 'guilds')"
        ).fetchall()
        assert len(groups) == 3 and len({g for _, g in groups}) == 1, groups
        conn.execute("INSERT INTO events VALUES (7, 1, '2025-04-15', 'april')")
        conn.execute("DELETE FROM events WHERE at >= '2025-04-01'")
    assert after[1] == before[1]

    down(citus_dsn, 1)
    assert state(citus_dsn) == before


def test_a_shard_count_change_moves_a_partitioned_table_with_its_keys_views_and_comments(
    project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    """alter_distributed_table converts a partitioned table partition by partition: it cannot detach
    one whose rows a key references, nor add the table's own keys to partitions that have them, and it
    creates the materialized views over it again empty; it loses the comments of every table it
    rebuilds and of the views over them."""
    events = """\
      events:
        comment: Something that happened in a guild.
        columns:
          guild_id: {type: bigint, references: guilds}
          id: bigint
          at: timestamptz
        primary_key: [guild_id, id, at]
        partition:
          range: {key: at, every: month, from: 2025-01-01, to: 2025-04-01}
        distribute: {by: guild_id, colocate_with: guilds}
      event_notes:
        columns:
          guild_id: bigint
          event_id: bigint
          event_at: timestamptz
          note: {type: text, comment: What a moderator wrote about the event.}
        primary_key: [guild_id, event_id, event_at]
        foreign_keys:
          - columns: [guild_id, event_id, event_at]
            references: {table: events, columns: [guild_id, id, at]}
            on_delete: cascade
        distribute: {by: guild_id, colocate_with: guilds}
    """
    views = """\
    views:
      events_per_guild:
        comment: How many events each guild had.
        materialized: true
        query: SELECT guild_id, count(*) AS events FROM events GROUP BY guild_id
      guild_names:
        comment: The name of every guild.
        query: SELECT id, name FROM guilds
    """
    spec = DISTRIBUTED + textwrap.indent(textwrap.dedent(events), "  ") + textwrap.dedent(views)
    project.version("initial", spec, shard_count=4)
    up = project.version("more_shards", spec, shard_count=8)
    assert up.index("DROP CONSTRAINT IF EXISTS event_notes_guild_id_event_id_event_at_fkey") < up.index(
        "alter_distributed_table('public.guilds', shard_count => 8, cascade_to_colocated => true)"
    )
    assert "DROP CONSTRAINT IF EXISTS events_guild_id_fkey" in up
    assert "channels_guild_id_fkey" not in up  # the keys of unpartitioned tables stay
    apply(citus_dsn, "--to", "1")
    execute(
        citus_dsn,
        ROWS + "INSERT INTO events SELECT 1 + i % 300, i, timestamptz '2025-01-01' + i * interval '1 hour'"
        " FROM generate_series(1, 2000) i;"
        + "INSERT INTO event_notes SELECT guild_id, id, at, 'note' FROM events WHERE id % 3 = 0;"
        + "REFRESH MATERIALIZED VIEW events_per_guild;",
    )
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert {d[2] for name, d in distribution(after[0]).items() if name != "plans"} == {8}
    assert after[1] == before[1] and after[1]["events_per_guild"].startswith("300 rows")

    down(citus_dsn, 1)
    assert state(citus_dsn) == before


def test_colocation_and_distribution_column_change_in_place(
    project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    audit = """\
      audit:
        columns: {id: bigint, guild_id: bigint, what: text}
        primary_key: %s
        distribute: %s
    """
    own = textwrap.dedent(audit % ("[id]", "{by: id}"))
    project.version("initial", DISTRIBUTED + textwrap.indent(own, "  "), shard_count=4)
    joined = textwrap.dedent(audit % ("[guild_id, id]", "{by: guild_id, colocate_with: guilds}"))
    up = project.version("audit_by_guild", DISTRIBUTED + textwrap.indent(joined, "  "), shard_count=4)
    assert (
        "alter_distributed_table('public.audit', distribution_column => 'guild_id', colocate_with => 'public.guilds')"
        in up
    )
    apply(citus_dsn, "--to", "1")
    execute(
        citus_dsn, ROWS + "INSERT INTO audit SELECT i, 1 + i % 300, 'w' || i FROM generate_series(1, 1000) i;"
    )
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    assert distribution(after[0])["audit"] == ("hash", "guild_id", 4, ("channels", "guilds", "members"))
    assert after[1] == before[1]

    down(citus_dsn, 1)
    assert state(citus_dsn) == before


def test_writes_wait_and_then_land_exactly_once_while_tables_are_distributed(
    project: Project, citus_dsn: str
) -> None:
    """An application inserting into and updating `members` while the migration distributes the
    group: its writes wait while each table's rows are copied, and then every one of them lands, once
    (create_distributed_table_concurrently, which would not make them wait, let such UPDATEs match no
    row: docs/migrations.md)."""
    project.version("initial", PLAIN)
    up = project.version("distributed", DISTRIBUTED, shard_count=4)
    assert "create_distributed_table('public.members'" in up
    assert "SG922" in up  # the header says writes wait
    apply(citus_dsn, "--to", "1")
    # 100,000 members: the members line is the one that starts with FROM
    execute(
        citus_dsn, ROWS.replace("\nFROM generate_series(1, 3000) i;", "\nFROM generate_series(1, 100000) i;")
    )
    written: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            with psycopg.connect(citus_dsn, autocommit=True) as conn:
                for n in range(1, 100_000):
                    if stop.is_set():
                        break
                    new_id = 1_000_000 + n
                    conn.execute("INSERT INTO members VALUES (%s, %s, 'live')", (1 + new_id % 300, new_id))
                    # an existing row: ROWS puts member i in guild 1 + i % 300
                    cur = conn.execute(
                        "UPDATE members SET nick = 'moved' WHERE guild_id = %s AND user_id = %s",
                        (1 + n % 300, n),
                    )
                    assert cur.rowcount == 1, f"the update of member {n} matched {cur.rowcount} rows"
                    written.append(new_id)
        except BaseException as exc:  # whatever the writer saw fails the test
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        apply(citus_dsn)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert len(written) > 100, "the writer wrote too little to prove anything"
    with connect(citus_dsn, autocommit=True) as conn:
        live = conn.execute("SELECT user_id FROM members WHERE nick = 'live' ORDER BY user_id").fetchall()
        moved = conn.execute(
            "SELECT count(*) FROM members WHERE nick = 'moved' AND user_id <= %s", (len(written),)
        ).fetchone()
        kind = conn.execute(
            "SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'members'::regclass"
        ).fetchone()
    assert [row[0] for row in live] == written
    assert moved is not None and moved[0] == len(written)
    assert kind == ("h",)


def test_inserts_keep_flowing_while_tables_are_distributed_concurrently(
    project: Project, citus_dsn: str
) -> None:
    """With `citus: {distribute_concurrently: true}`: an application inserting into `members` while the
    migration distributes the group is never blocked for the copy nor failed, and every row lands once."""
    project.version("initial", PLAIN)
    up = project.version("distributed", DISTRIBUTED, shard_count=4, concurrently=True)
    assert "create_distributed_table_concurrently('public.members'" in up
    assert "CALL citus_cleanup_orphaned_resources();" in up
    apply(citus_dsn, "--to", "1")
    execute(
        citus_dsn, ROWS.replace("\nFROM generate_series(1, 3000) i;", "\nFROM generate_series(1, 100000) i;")
    )
    written: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            with psycopg.connect(citus_dsn, autocommit=True) as conn:
                for n in range(1, 1_000_000):
                    if stop.is_set():
                        break
                    new_id = 1_000_000 + n
                    conn.execute("INSERT INTO members VALUES (%s, %s, 'live')", (1 + new_id % 300, new_id))
                    written.append(new_id)
        except BaseException as exc:  # whatever the writer saw fails the test
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        apply(citus_dsn)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert len(written) > 100, "the writer wrote too little to prove anything"
    with connect(citus_dsn, autocommit=True) as conn:
        live = conn.execute("SELECT user_id FROM members WHERE nick = 'live' ORDER BY user_id").fetchall()
        old = conn.execute("SELECT count(*) FROM members WHERE user_id <= 100000").fetchone()
        kind = conn.execute(
            "SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'members'::regclass"
        ).fetchone()
    assert [row[0] for row in live] == written
    assert old == (100000,)
    assert kind == ("h",)


def test_the_usual_changes_run_on_distributed_tables_as_written(
    project: Project, citus_dsn: str, fresh_dsn: str
) -> None:
    """A column with a default, a column renamed, an index built concurrently, a check and a unique
    constraint added NOT VALID or through an index, a NOT NULL, on tables of a colocation group with
    rows: Citus runs each statement of the migration as written, both ways."""
    project.version("initial", DISTRIBUTED, shard_count=4)
    changed = (
        DISTRIBUTED.replace(
            "      nick: text?\n",
            '      nick: {type: text, nullable: true, check: "length(nick) < 40"}\n'
            "      role: {type: text, default: member}\n",
        )
        .replace(
            "    primary_key: [guild_id, user_id]\n    distribute: {by: guild_id, colocate_with: guilds}\n",
            "    primary_key: [guild_id, user_id]\n    indexes:\n      - columns: [guild_id, nick]\n"
            "    distribute: {by: guild_id, colocate_with: guilds}\n",
        )
        .replace(
            "      name: text\n    primary_key: [guild_id, id]",
            "      title: {type: text, renamed_from: name}\n"
            "    primary_key: [guild_id, id]\n    unique: [[guild_id, title]]",
        )
    )
    assert changed.count("role:") == 1 and "title:" in changed and "[guild_id, nick]" in changed
    up = project.version("usual", changed, shard_count=4)
    assert "CREATE INDEX CONCURRENTLY" in up and "NOT VALID" in up and "RENAME COLUMN name TO title" in up
    apply(citus_dsn, "--to", "1")
    execute(citus_dsn, ROWS)
    before = state(citus_dsn)

    apply(citus_dsn)
    after = state(citus_dsn)
    assert_catalog_equal(after[0], fresh_catalog(fresh_dsn, project.schema_sql))
    with connect(citus_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM members WHERE role = 'member'").fetchone() == (3000,)
        assert conn.execute("SELECT count(DISTINCT title) FROM channels").fetchone() == (3000,)

    down(citus_dsn, 1)
    assert state(citus_dsn) == before
