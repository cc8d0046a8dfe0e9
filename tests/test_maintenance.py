"""Windows kept over time, maintained against a real PostgreSQL on fixed days (never the wall clock).

`schemagen partitions maintain` and the rendered `schemagen_maintain()` function run side by side on
two databases that receive the same rows: after every run both hold exactly the periods the policy
says, every row is in its period's partition or in the archive (none lost, none twice), nothing sits
in the DEFAULT partition that belongs to a period, and the two catalogs are the same.
"""

from __future__ import annotations

import hashlib
import random
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from schemagen.cli import cli
from schemagen.database import maintenance
from schemagen.database.runner import Settings
from schemagen.model import Model, Table, lifecycle
from schemagen.pipeline import compile_spec
from schemagen.plan.changes import CreatePeriod, ExpirePeriod
from schemagen.render.render import render_schema
from tests.catalog import assert_same_catalog

SPEC = """\
entities:
  users:
    columns:
      id: {type: bigint, primary_key: true}
  messages:
    columns:
      id: bigint
      author_id: {type: bigint, references: {table: users, on_delete: cascade}}
      content: text
      created_at: {type: timestamptz, default: {sql: now()}}
    primary_key: [id, created_at]
    indexes:
      - columns: [author_id, created_at DESC]
    partition:
      range:
        key: created_at
        every: month
        from: 2024-01-01
        default: true
        premake: 3
        retain: 13 months
        expire: archive
    archive: {after: 395 days, column: created_at}
  message_edits:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      message_id: bigint
      message_created_at: timestamptz
      note: text
    foreign_keys:
      - columns: [message_id, message_created_at]
        references: {table: messages, columns: [id, created_at]}
        on_delete: cascade
    indexes:
      - columns: [message_id, message_created_at]
"""

FIRST_DAY = date(2024, 1, 1)
USERS = 20


def spec_model(tmp_path: Path, text: str = SPEC) -> Model:
    root = tmp_path / "spec"
    root.mkdir(exist_ok=True)
    (root / "entities.yaml").write_text(textwrap.dedent(text))
    return compile_spec(root).model


def held(conn: psycopg.Connection, parent: str) -> list[str]:
    """The partitions of `parent`, by name."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY 1",
        (parent,),
    ).fetchall()
    return [row[0] for row in rows]


def digest(rows: list[tuple[object, ...]]) -> str:
    """A digest of rows, whatever time zone their timestamps come in."""
    plain = [tuple(_text(v) if isinstance(v, datetime) else v for v in row) for row in rows]
    return hashlib.sha256("\n".join(map(repr, sorted(plain))).encode()).hexdigest()


@dataclass
class Ledger:
    """Every message and edit written, and what the runs did."""

    messages: dict[int, tuple[int, datetime, str]] = field(default_factory=dict)
    edits: dict[int, int] = field(default_factory=dict)  # edit note number → message id
    created: int = 0
    expired: int = 0
    archived: int = 0
    from_default: int = 0
    runs: int = 0


class Simulation:
    """Two databases at the spec's schema.sql, fed the same rows; one maintained by the command, the
    other by the function."""

    def __init__(self, model: Model, command: psycopg.Connection, function: psycopg.Connection) -> None:
        self.model, self.command, self.function = model, command, function
        self.ledger = Ledger()
        self.random = random.Random(20240101)
        self.next_id = 1
        table = model.table("messages")
        assert table is not None
        self.table: Table = table
        for conn in (command, function):
            conn.execute(render_schema(model).encode(), prepare=False)
            conn.execute("INSERT INTO users SELECT generate_series(1, %s)", (USERS,))

    def write(self, today: date, count: int) -> None:
        """`count` messages around `today`: most in the weeks before, some months ahead (past what
        `premake` made: into the DEFAULT partition), and an edit of every tenth."""
        rows = []
        start = datetime(today.year, today.month, today.day, tzinfo=UTC)
        for _ in range(count):
            ahead = self.random.random() < 0.1
            offset = timedelta(days=self.random.uniform(120, 200) if ahead else self.random.uniform(-40, 3))
            moment = (start + offset).replace(microsecond=0)
            row = (self.next_id, 1 + self.next_id % USERS, moment, f"message {self.next_id}")
            self.ledger.messages[self.next_id] = (row[1], moment, row[3])
            rows.append(row)
            self.next_id += 1
        edits = [(f"edit of {r[0]}", r[0], r[2]) for r in rows if r[0] % 10 == 0]
        for conn in (self.command, self.function):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO messages (id, author_id, created_at, content) VALUES (%s, %s, %s, %s)", rows
                )
                cur.executemany(
                    "INSERT INTO message_edits (note, message_id, message_created_at) VALUES (%s, %s, %s)",
                    edits,
                )
        for note, message, _ in edits:
            self.ledger.edits[int(note.rsplit(" ", 1)[1])] = message

    def maintain(self, today: date) -> None:
        found = maintenance.maintain(self.command.info.dsn, self.model, today, batch=200)
        created = sum(isinstance(c, CreatePeriod) for c in found.due)
        self.ledger.created += created
        self.ledger.expired += len(found.due) - created
        self.ledger.archived += found.archived
        self.ledger.from_default += found.from_default
        self.ledger.runs += 1
        self.function.execute("SELECT * FROM schemagen_maintain(%s)", (today,)).fetchall()

    def check(self, today: date) -> None:
        """What the policy says holds on `today`, in both databases, with every row where it belongs."""
        expected = lifecycle.table_at(self.table, today)
        assert expected.partition is not None
        names = sorted(c.name for c in expected.partition.children)
        periods = {c.name: c.bound for c in expected.partition.children if not c.bound.is_default}
        first = min(b.range_from for b in periods.values())
        for conn in (self.command, self.function):
            assert held(conn, "messages") == names, today
            placed = conn.execute(
                "SELECT id, tableoid::regclass::text, created_at FROM messages ORDER BY id"
            ).fetchall()
            for message, partition, moment in placed:
                home = next(
                    (
                        name
                        for name, b in periods.items()
                        if str(b.range_from) <= _text(moment) < str(b.range_to)
                    ),
                    "messages_default",
                )
                assert partition == home, (today, message, moment)
            archived = conn.execute(
                "SELECT id, author_id, created_at, content FROM messages_archive"
            ).fetchall()
            for _, _, moment, _ in archived:
                assert _text(moment) < str(first), (today, moment)  # only expired periods' rows
            kept = conn.execute("SELECT id, author_id, created_at, content FROM messages").fetchall()
            assert not {r[0] for r in kept} & {r[0] for r in archived}
            everything = [(i, a, m, c) for i, a, m, c in [*kept, *archived]]
            written = [(i, a, m, c) for i, (a, m, c) in self.ledger.messages.items()]
            assert len(everything) == len(written)
            assert digest(everything) == digest(written)
            # an edit lives as long as its message stays in the table (archiving deletes, and cascades)
            edits = conn.execute("SELECT note FROM message_edits").fetchall()
            kept_ids = {r[0] for r in kept}
            assert sorted(int(n.rsplit(" ", 1)[1]) for (n,) in edits) == sorted(
                e for e, m in self.ledger.edits.items() if m in kept_ids
            )
        assert_same_catalog(self.command, self.function)
        sums = [
            conn.execute(
                "SELECT md5(string_agg(id || '|' || created_at || '|' || content, ',' ORDER BY id)) "
                "FROM (SELECT * FROM messages UNION ALL SELECT * FROM messages_archive) AS m"
            ).fetchone()
            for conn in (self.command, self.function)
        ]
        assert sums[0] == sums[1]


def _text(moment: datetime) -> str:
    """A timestamptz as the spec writes bounds (UTC, `+00`), to compare with them."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + "+00"


def maintenance_days() -> Iterator[date]:
    """Two years of runs, 2024-01-01 on: mostly every three to five weeks, with a four-month gap in
    which the cron job stopped (new rows pile up in the DEFAULT partition meanwhile)."""
    rng = random.Random(7)
    day = FIRST_DAY
    while day < date(2026, 1, 20):
        yield day
        gap = 125 if date(2024, 9, 1) <= day < date(2024, 10, 1) else rng.randint(20, 38)
        day += timedelta(days=gap)


def test_two_years_of_maintenance_command_and_function_agree(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection], capsys: pytest.CaptureFixture[str]
) -> None:
    model = spec_model(tmp_path)
    sim = Simulation(model, pg_database(), pg_database())
    days = list(maintenance_days())
    assert len(days) > 20 and days[-1] >= date(2025, 12, 1)
    for day in days:
        sim.write(day, 150)
        sim.maintain(day)
        sim.check(day)
    ledger = sim.ledger
    assert ledger.created >= 24 and ledger.expired > 10 and ledger.archived > 1000 and ledger.from_default > 0
    with capsys.disabled():
        print(
            f"\ntwo years, {ledger.runs} runs: {ledger.created} periods created, {ledger.expired} expired, "
            f"{ledger.archived} rows archived, {ledger.from_default} moved out of DEFAULT, "
            f"{len(ledger.messages)} rows written, 0 lost"
        )


def test_the_command_prints_what_is_due_and_runs_it(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    model = spec_model(tmp_path)
    conn = pg_database()
    conn.execute(render_schema(model).encode(), prepare=False)
    dsn = conn.info.dsn
    runner = CliRunner()
    spec = str(tmp_path / "spec")
    dry = runner.invoke(
        cli, ["partitions", "maintain", spec, "--dsn", dsn, "--today", "2024-06-10", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "create period messages_2024_05 of messages" in dry.output
    assert "ATTACH PARTITION public.messages_2024_09" in dry.output
    assert "due on 2024-06-10: 5 periods created, 0 expired" in dry.output
    assert held(conn, "messages")[-1] == "messages_default" and "messages_2024_05" not in held(
        conn, "messages"
    )
    run = runner.invoke(cli, ["partitions", "maintain", spec, "--dsn", dsn, "--today", "2024-06-10"])
    assert run.exit_code == 0, run.output
    assert "done on 2024-06-10: 5 periods created, 0 expired" in run.output
    assert "messages_2024_09" in held(conn, "messages")
    again = runner.invoke(cli, ["partitions", "maintain", spec, "--dsn", dsn, "--today", "2024-06-10"])
    assert again.exit_code == 0 and "nothing due on 2024-06-10" in again.output
    # a kept table the database lacks: exit 1, and the others are still maintained
    conn.execute("DROP TABLE message_edits, messages, messages_archive")
    missing = runner.invoke(cli, ["partitions", "maintain", spec, "--dsn", dsn, "--today", "2024-06-10"])
    assert missing.exit_code == 1
    assert "messages is not a partitioned table of the database" in missing.output


WRITER_SPEC = SPEC.replace("premake: 3", "premake: 1")


def test_rows_in_default_move_out_in_batches_while_a_writer_inserts(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection], capsys: pytest.CaptureFixture[str]
) -> None:
    """Maintenance did not run for months: 20,000 rows of the coming periods sit in the DEFAULT
    partition, and edits reference some. They move out 1,000 per transaction while a writer keeps
    inserting into those periods and others; the writer never fails, only waits, and no edit is lost
    (the foreign key to messages is dropped while rows move out of DEFAULT, and added back)."""
    model = spec_model(tmp_path, WRITER_SPEC)
    conn = pg_database()
    conn.execute(render_schema(model).encode(), prepare=False)
    conn.execute("INSERT INTO users SELECT generate_series(1, %s)", (USERS,))
    conn.execute(
        "INSERT INTO messages (id, author_id, created_at, content) "
        "SELECT g, 1 + g % 20, timestamptz '2024-03-01 00:00:00+00' + g * interval '5 minutes', 'old ' || g "
        "FROM generate_series(1, 20000) AS g"
    )
    conn.execute(
        "INSERT INTO message_edits (note, message_id, message_created_at) "
        "SELECT 'edit ' || id, id, created_at FROM messages WHERE id % 50 = 0"
    )
    assert conn.execute("SELECT count(*) FROM messages_default").fetchone() == (20000,)

    stop = threading.Event()
    waits: list[float] = []
    errors: list[BaseException] = []
    written: list[int] = []

    def writer() -> None:
        with psycopg.connect(conn.info.dsn, autocommit=True) as own:
            n = 100_000
            while not stop.is_set():
                n += 1
                moment = datetime(2024, 3, 1, tzinfo=UTC) + timedelta(minutes=(n * 37) % 100_000)
                started = time.monotonic()
                try:
                    own.execute(
                        "INSERT INTO messages (id, author_id, created_at, content) VALUES (%s, 1, %s, 'new')",
                        (n, moment),
                    )
                except psycopg.Error as exc:  # the promise: the application never fails, it can only wait
                    errors.append(exc)
                    return
                waits.append(time.monotonic() - started)
                written.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.3)
        reports: list[str] = []
        found = maintenance.maintain(
            conn.info.dsn,
            model,
            date(2024, 4, 15),
            batch=1000,
            settings=Settings(lock_timeout="2s", retries=10),
            report=reports.append,
        )
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert len(written) > 50
    assert found.from_default >= 20000
    assert found.batches >= 20  # 1,000 rows a transaction
    assert any("with the rows of messages_default that belong to it" in r for r in reports)
    # every row where it belongs, none lost, and nothing of a held period left in DEFAULT
    total = conn.execute("SELECT count(*) FROM messages").fetchone()
    assert total == (20000 + len(written),)
    assert conn.execute(
        "SELECT count(*) FROM messages_default WHERE created_at < '2024-06-01 00:00:00+00'"
    ).fetchone() == (0,)
    misplaced = conn.execute(
        "SELECT count(*) FROM messages WHERE tableoid::regclass::text <> "
        "'messages_' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY_MM') AND created_at < '2024-06-01+00'"
    ).fetchone()
    assert misplaced == (0,)
    assert conn.execute("SELECT count(*) FROM message_edits").fetchone() == (400,)
    assert conn.execute(
        "SELECT convalidated FROM pg_constraint WHERE conname = 'message_edits_message_id_message_created_at_fkey' "
        "AND conrelid = 'message_edits'::regclass"
    ).fetchone() == (True,)
    with capsys.disabled():
        print(
            f"\nDEFAULT drained: {found.from_default} rows moved in batches of 1000 while a writer inserted "
            f"{len(written)} rows; its longest wait {max(waits):.3f} s, no error"
        )


def test_expire_detach_leaves_the_period_a_table_that_drift_leaves_out(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    text = SPEC.replace("expire: archive", "expire: detach")
    model = spec_model(tmp_path, text)
    conn = pg_database()
    conn.execute(render_schema(model).encode(), prepare=False)
    conn.execute("INSERT INTO users VALUES (1)")
    conn.execute(
        "INSERT INTO messages (id, author_id, created_at, content) VALUES (1, 1, '2024-01-05+00', 'old')"
    )
    found = maintenance.maintain(conn.info.dsn, model, date(2025, 3, 1))
    assert [c.child for c in found.due if isinstance(c, ExpirePeriod)] == ["messages_2024_01"]
    assert "messages_2024_01" not in held(conn, "messages")
    assert conn.execute("SELECT count(*) FROM messages_2024_01").fetchone() == (1,)
    spec = str(tmp_path / "spec")
    result = CliRunner().invoke(cli, ["drift", spec, "--dsn", conn.info.dsn, "--today", "2025-03-01"])
    assert result.exit_code == 0, result.output
    assert "is an expired period maintenance detached" in result.output


def test_drift_counts_maintained_periods_in_sync_and_reports_missing_ones(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    model = spec_model(tmp_path)
    conn = pg_database()
    conn.execute(render_schema(model).encode(), prepare=False)
    spec, dsn = str(tmp_path / "spec"), conn.info.dsn
    runner = CliRunner()
    maintenance.maintain(dsn, model, date(2025, 2, 10))
    for day in ("2025-02-10", "2025-02-28"):  # made ahead, not yet expired: in sync
        result = runner.invoke(cli, ["drift", spec, "--dsn", dsn, "--today", day])
        assert result.exit_code == 0, result.output
    behind = runner.invoke(cli, ["drift", spec, "--dsn", dsn, "--today", "2025-06-02"])
    assert behind.exit_code == 1
    assert (
        "messages: messages_2025_06, messages_2025_07, messages_2025_08, messages_2025_09 missing (`premake` "
        "makes them ahead of time): maintenance has not run since 2025-03-01"
    ) in behind.output
    github = runner.invoke(cli, ["drift", spec, "--dsn", dsn, "--today", "2025-06-02", "--format", "github"])
    assert "SG712" in github.output
    # inspect reads the policy back from the maintenance function it finds
    out = tmp_path / "inspected"
    inspected = runner.invoke(cli, ["inspect", "--dsn", dsn, "-o", str(out)])
    assert inspected.exit_code == 0, inspected.output
    text = (out / "entities.yaml").read_text()
    assert "premake: 3" in text and "retain: 13 months" in text and "expire: archive" in text
    assert "from: 2024-01-01" in text and "to: 2025-06-01" in text


def test_inspect_reads_pg_partmans_policy(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    """A table pg_partman maintains (its children named `orders_p2024_01`, its settings in
    partman.part_config, as pg_partman 4 keeps them) is written as a window kept over time."""
    conn = pg_database()
    conn.execute(
        """
        CREATE TABLE orders (id bigint, placed_at timestamptz NOT NULL, PRIMARY KEY (id, placed_at))
            PARTITION BY RANGE (placed_at);
        CREATE TABLE orders_p2024_01 PARTITION OF orders
            FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
        CREATE TABLE orders_p2024_02 PARTITION OF orders
            FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
        CREATE SCHEMA partman;
        CREATE TABLE partman.part_config (
            parent_table text PRIMARY KEY, partition_interval text, premake int, retention text,
            retention_keep_table boolean
        );
        INSERT INTO partman.part_config VALUES ('public.orders', '1 mon', 4, '6 months', false);
        """
    )
    out = tmp_path / "inspected"
    result = CliRunner().invoke(
        cli, ["inspect", "--dsn", conn.info.dsn, "-o", str(out), "--schema", "public"]
    )
    assert result.exit_code == 0, result.output
    assert "maintained by pg_partman" in result.output
    model = compile_spec(out).model
    orders = model.table("orders")
    assert orders is not None and orders.partition is not None and orders.partition.window is not None
    window = orders.partition.window
    assert (window.premake, window.retain, window.expire) == (4, "6 months", "drop")
    # its partitions keep their names (`names:`); the periods schemagen makes get the naming template's
    assert [c.name for c in orders.partition.children] == ["orders_p2024_01", "orders_p2024_02"]
    assert window.child_name == "orders_{suffix}"


def test_the_example_is_kept_by_the_command_and_the_function(
    repo_root: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    """The example's messages (premake 3, retain 13 months, expire archive), built by its migrations,
    with edits and reactions referencing them: the command and the function, on two copies, at the
    day the tests take as today and at a later one, leave the same catalog and rows, and drift is in
    sync after."""
    from schemagen.database.seed import seed
    from tests.conftest import REPO_ROOT

    model = compile_spec(repo_root / "spec").model
    command, function = pg_database(), pg_database()
    for conn in (command, function):
        for path in sorted((REPO_ROOT / "generated" / "migrations").glob("*.up.sql")):
            from migrations import apply_sql

            apply_sql(conn, path.read_text())
        seed(conn)
        channel, author = conn.execute(
            "SELECT (SELECT min(id) FROM channels), (SELECT min(id) FROM users)"
        ).fetchone() or (0, 0)
        conn.execute(
            "INSERT INTO messages (id, channel_id, author_id, content, created_at) "
            "SELECT 1000 + g, %s, %s, 'message ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 day' "
            "FROM generate_series(0, 1200) AS g",
            (channel, author),
        )
        conn.execute(
            "INSERT INTO message_edits (message_id, message_created_at, edited_by) "
            "SELECT id, created_at, author_id FROM messages WHERE id % 7 = 0",
        )
    before = command.execute(  # the seed wrote a few rows into the archive too
        "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM messages_archive)"
    ).fetchone()
    runner = CliRunner()
    for day in (date(2026, 6, 1), date(2027, 3, 1)):
        result = runner.invoke(
            cli,
            [
                "partitions",
                "maintain",
                str(repo_root / "spec"),
                "--dsn",
                command.info.dsn,
                "--today",
                str(day),
            ],
        )
        assert result.exit_code == 0, result.output
        function.execute("SELECT * FROM schemagen_maintain(%s)", (day,)).fetchall()
        assert_same_catalog(command, function)
        expected = lifecycle.table_at(model.table("messages"), day)  # type: ignore[arg-type]
        assert expected.partition is not None
        assert held(command, "messages") == sorted(c.name for c in expected.partition.children)
        drift = runner.invoke(
            cli, ["drift", str(repo_root / "spec"), "--dsn", command.info.dsn, "--today", str(day)]
        )
        assert drift.exit_code == 0, drift.output
        for conn in (command, function):
            kept = conn.execute("SELECT count(*) FROM messages").fetchone()
            archived = conn.execute("SELECT count(*) FROM messages_archive").fetchone()
            assert kept is not None and archived is not None and before is not None
            assert kept[0] + archived[0] == before[0]
    assert held(command, "messages")[0] == "messages_2026_02"  # 2027-03-01 less 13 months, by month


@pytest.mark.parametrize(
    ("every", "key_type", "retain", "expire", "days"),
    [
        ("day", "date", "10 days", "drop", ["2024-01-01", "2024-01-09", "2024-02-03"]),
        ("week", "timestamp", "3 weeks", "detach", ["2024-01-01", "2024-02-14", "2024-03-20"]),
        ("quarter", "timestamptz", "1 year", "archive", ["2024-01-01", "2024-11-30", "2025-09-01"]),
        ("year", "date", "2 years", "drop", ["2024-01-01", "2026-07-01", "2028-01-01"]),
    ],
)
def test_every_period_and_key_type_the_command_and_the_function_agree(
    every: str,
    key_type: str,
    retain: str,
    expire: str,
    days: list[str],
    tmp_path: Path,
    pg_database: Callable[..., psycopg.Connection],
) -> None:
    text = f"""\
    entities:
      readings:
        columns:
          id: bigint
          at: {key_type}
          value: {{type: integer, nullable: true}}
          doubled: {{type: integer, nullable: true, generated: value * 2}}
        primary_key: [id, at]
        partition:
          range: {{key: at, every: {every}, from: 2024-01-01, default: true, premake: 2, retain: {retain},
                  expire: {expire}}}
        archive: {{after: 1 year, column: at}}
        storage: {{fillfactor: 90}}
    """
    model = spec_model(tmp_path, text)
    command, function = pg_database(), pg_database()
    for conn in (command, function):
        conn.execute(render_schema(model).encode(), prepare=False)
    for n, day in enumerate(days):
        for conn in (command, function):
            conn.execute(
                "INSERT INTO readings (id, at, value) SELECT %s * 1000 + g, %s::date - g, g FROM generate_series(0, 400) g",
                (n, day),
            )
        maintenance.maintain(command.info.dsn, model, date.fromisoformat(day), batch=50)
        function.execute("SELECT * FROM schemagen_maintain(%s)", (day,)).fetchall()
        assert_same_catalog(command, function)
        rows = [
            conn.execute(
                "SELECT md5(string_agg(id || '|' || at || '|' || tableoid::regclass, ',' ORDER BY id)) FROM readings"
            ).fetchone()
            for conn in (command, function)
        ]
        assert rows[0] == rows[1]
        expected = lifecycle.table_at(model.table("readings"), date.fromisoformat(day))  # type: ignore[arg-type]
        assert expected.partition is not None
        periods = sorted(c.name for c in expected.partition.children)
        assert held(command, "readings") == periods
