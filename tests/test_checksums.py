"""checksums.sum: the chained digests of the migration files, and what `verify` says when they differ."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemagen.migrate.checksums import SUM_FILE, ChecksumProblem, compute, verify, write

MIGRATIONS = {
    "0001_initial.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    "0001_initial.down.sql": "DROP TABLE users;\n",
    "0002_add_index.up.sql": "CREATE INDEX users_id_idx ON users (id);\n",
    "0002_add_index.down.sql": "DROP INDEX users_id_idx;\n",
    "0003_add_name.up.sql": "ALTER TABLE users ADD COLUMN name text;\n",
    "0003_add_name.down.sql": "ALTER TABLE users DROP COLUMN name;\n",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    directory.mkdir()
    for name, text in MIGRATIONS.items():
        (directory / name).write_text(text)
    write(directory)
    return directory


def kinds(problems: list[ChecksumProblem]) -> list[tuple[str, str | None]]:
    return [(p.kind, p.file) for p in problems]


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


# --- the format ----------------------------------------------------------------------------------


def test_the_format_is_the_documented_chain(folder: Path) -> None:
    text = (folder / SUM_FILE).read_text()
    assert text == compute(folder)
    header, *lines = text.splitlines(keepends=True)
    names = sorted(MIGRATIONS)
    assert [line.split(" ")[0] for line in lines] == names
    assert names[:2] == ["0001_initial.down.sql", "0001_initial.up.sql"]
    running = hashlib.sha256()
    for name, line in zip(names, lines, strict=True):
        running.update(name.encode() + b"\0" + MIGRATIONS[name].encode())
        assert line == f"{name} h1:{b64(running.digest())}\n"
    assert header == f"h1:{b64(hashlib.sha256(''.join(lines).encode()).digest())}\n"


def test_an_empty_folder_has_a_header_only(tmp_path: Path) -> None:
    assert compute(tmp_path) == f"h1:{b64(hashlib.sha256(b'').digest())}\n"
    assert compute(tmp_path / "absent") == compute(tmp_path)


def test_only_sql_files_count(folder: Path) -> None:
    (folder / "README.md").write_text("notes")
    (folder / "nested.sql").mkdir()
    (folder / "nested.sql" / "9999_x.up.sql").write_text("SELECT 1;")
    assert compute(folder) == (folder / SUM_FILE).read_text()
    assert verify(folder) == []


def test_write_returns_the_path_and_is_repeatable(folder: Path) -> None:
    path = write(folder)
    assert path == folder / SUM_FILE
    assert path.read_text() == compute(folder)
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".sql")) == [SUM_FILE]


def test_write_creates_the_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "new" / "migrations")
    assert path.read_text() == compute(tmp_path)
    assert verify(path.parent) == []


# --- verify --------------------------------------------------------------------------------------


def test_untouched_migrations_verify(folder: Path) -> None:
    assert verify(folder) == []


def test_an_edited_file_is_named(folder: Path) -> None:
    (folder / "0002_add_index.up.sql").write_text("CREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n")
    problems = verify(folder)
    assert problems == [
        ChecksumProblem(
            "0002_add_index.up.sql",
            "0002_add_index.up.sql was edited after it was written: restore it from version control (a "
            "migration written by hand with `schemagen migrate custom`, and not yet merged, is signed "
            "again with `schemagen migrate sign`)",
            "edited",
        )
    ]


def test_only_the_first_edit_is_reported(folder: Path) -> None:
    # every later digest depends on the first edited file, so later files cannot be judged
    for name in ("0001_initial.up.sql", "0003_add_name.up.sql"):
        (folder / name).write_text("-- changed\n")
    assert kinds(verify(folder)) == [("edited", "0001_initial.up.sql")]


def test_a_byte_of_whitespace_is_an_edit(folder: Path) -> None:
    path = folder / "0003_add_name.down.sql"
    path.write_bytes(path.read_bytes() + b"\n")
    assert kinds(verify(folder)) == [("edited", "0003_add_name.down.sql")]


def test_an_added_file_is_named(folder: Path) -> None:
    (folder / "0004_by_hand.up.sql").write_text("SELECT 1;\n")
    problems = verify(folder)
    assert kinds(problems) == [("added", "0004_by_hand.up.sql")]
    assert "schemagen migrate new" in problems[0].message


def test_a_file_added_between_others_is_named_alone(folder: Path) -> None:
    (folder / "0002_5_squeezed.up.sql").write_text("SELECT 1;\n")
    assert kinds(verify(folder)) == [("added", "0002_5_squeezed.up.sql")]


def test_a_removed_file_is_named(folder: Path) -> None:
    (folder / "0003_add_name.up.sql").unlink()
    problems = verify(folder)
    assert kinds(problems) == [("removed", "0003_add_name.up.sql")]
    assert "restore it" in problems[0].message


def test_removing_every_migration_names_each(folder: Path) -> None:
    for name in MIGRATIONS:
        (folder / name).unlink()
    assert kinds(verify(folder)) == [("removed", name) for name in sorted(MIGRATIONS)]


def test_renamed_files_are_named_with_their_new_names(folder: Path) -> None:
    for suffix in ("down", "up"):
        (folder / f"0002_add_index.{suffix}.sql").rename(folder / f"0004_add_index.{suffix}.sql")
    problems = verify(folder)
    assert kinds(problems) == [("renamed", "0002_add_index.down.sql"), ("renamed", "0002_add_index.up.sql")]
    assert "0004_add_index.up.sql" in problems[1].message


def test_swapped_contents_are_reported_as_reordered(folder: Path) -> None:
    first, second = folder / "0001_initial.up.sql", folder / "0002_add_index.up.sql"
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    problems = verify(folder)
    assert kinds(problems) == [("reordered", "0001_initial.up.sql")]
    assert "0002_add_index.up.sql" in problems[0].message


def test_a_renumbered_migration_is_caught(folder: Path) -> None:
    # 0002 and 0003 trade numbers: names and contents both move
    for suffix in ("down", "up"):
        (folder / f"0002_add_index.{suffix}.sql").rename(folder / f"tmp.{suffix}")
        (folder / f"0003_add_name.{suffix}.sql").rename(folder / f"0002_add_name.{suffix}.sql")
        (folder / f"tmp.{suffix}").rename(folder / f"0003_add_index.{suffix}.sql")
    assert kinds(verify(folder)) == [
        ("renamed", "0002_add_index.down.sql"),
        ("renamed", "0002_add_index.up.sql"),
        ("renamed", "0003_add_name.down.sql"),
        ("renamed", "0003_add_name.up.sql"),
    ]


def test_a_missing_sum_file_is_reported(folder: Path) -> None:
    (folder / SUM_FILE).unlink()
    problems = verify(folder)
    assert kinds(problems) == [("sum_missing", SUM_FILE)]
    assert "6 migration files" in problems[0].message


def test_no_migrations_and_no_sum_is_fine(tmp_path: Path) -> None:
    assert verify(tmp_path) == []
    assert verify(tmp_path / "does-not-exist") == []


def test_a_sum_of_nothing_over_nothing_is_fine(tmp_path: Path) -> None:
    write(tmp_path)
    assert verify(tmp_path) == []


def test_a_tampered_header_is_reported(folder: Path) -> None:
    path = folder / SUM_FILE
    _, rest = path.read_text().split("\n", 1)
    path.write_text(f"h1:{b64(hashlib.sha256(b'other').digest())}\n{rest}")
    assert kinds(verify(folder)) == [("sum_edited", SUM_FILE)]


def test_a_tampered_line_is_reported_as_an_edit_of_the_sum_file(folder: Path) -> None:
    path = folder / SUM_FILE
    lines = path.read_text().splitlines(keepends=True)
    name = lines[3].split(" ")[0]
    lines[3] = f"{name} h1:{b64(hashlib.sha256(b'forged').digest())}\n"
    path.write_text("".join(lines))
    problems = verify(folder)
    assert kinds(problems) == [("sum_edited", SUM_FILE)]
    assert "edited by hand" in problems[0].message


def test_a_sum_file_with_lines_out_of_order_is_malformed(folder: Path) -> None:
    path = folder / SUM_FILE
    _, *lines = path.read_text().splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    body = "".join(lines)
    path.write_text(f"h1:{b64(hashlib.sha256(body.encode()).digest())}\n{body}")
    assert kinds(verify(folder)) == [("sum_malformed", SUM_FILE)]


def test_a_sum_file_with_crlf_line_ends_still_verifies(folder: Path) -> None:
    path = folder / SUM_FILE
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert verify(folder) == []


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n",
        b"garbage\n",
        b"h1:not-base64!\n",
        b"h1:" + base64.b64encode(b"short") + b"\n",
        b"h1:" + base64.b64encode(bytes(32)) + b"\n0001_initial.up.sql\n",
        b"h1:" + base64.b64encode(bytes(32)) + b"\n0001_initial.up.sql h1:\n",
        b"h1:" + base64.b64encode(bytes(32)) + b"\n\n",
        b"h1:" + base64.b64encode(bytes(32)) + b"\n h1:" + base64.b64encode(bytes(32)) + b"\n",
        b"\xff\xfe\x00binary\x00",
    ],
    ids=range(10),
)
def test_a_malformed_sum_file_is_reported(folder: Path, content: bytes) -> None:
    (folder / SUM_FILE).write_bytes(content)
    assert kinds(verify(folder)) == [("sum_malformed", SUM_FILE)]


def test_a_sum_file_that_is_a_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / SUM_FILE).mkdir()
    (tmp_path / "0001_x.up.sql").write_text("SELECT 1;")
    problems = verify(tmp_path)
    assert [p.file for p in problems] == [SUM_FILE]


def test_a_migrations_path_that_is_a_file_does_not_raise(tmp_path: Path) -> None:
    path = tmp_path / "migrations"
    path.write_text("not a folder")
    assert isinstance(verify(path), list)


def test_every_message_is_one_line(folder: Path) -> None:
    (folder / "0001_initial.up.sql").write_text("changed")
    (folder / "0003_add_name.up.sql").unlink()
    (folder / "0009_odd\nname.sql").write_text("SELECT 1;")
    problems = verify(folder)
    assert len(problems) == 3
    assert all(p.message and "\n" not in p.message for p in problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_sum_file_content_gives_problems_not_exceptions(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "0001_a.up.sql").write_text("SELECT 1;")
    (tmp_path / SUM_FILE).write_bytes(content)
    problems = verify(tmp_path)
    assert problems and all(isinstance(p, ChecksumProblem) for p in problems)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_damage_to_a_good_sum_file_is_caught(tmp_path: Path, data: st.DataObject) -> None:
    (tmp_path / "0001_a.up.sql").write_text("SELECT 1;")
    (tmp_path / "0001_a.down.sql").write_text("SELECT 2;")
    good = compute(tmp_path).encode()
    start = data.draw(st.integers(0, len(good) - 1))
    end = data.draw(st.integers(start + 1, len(good)))
    damaged = good[:start] + data.draw(st.binary(max_size=4)) + good[end:]
    (tmp_path / SUM_FILE).write_bytes(damaged)
    if damaged.replace(b"\r\n", b"\n").removesuffix(b"\r") in (good, good[:-1]):
        assert verify(tmp_path) == []  # only a line end changed, not what the file says
    else:
        assert verify(tmp_path)
