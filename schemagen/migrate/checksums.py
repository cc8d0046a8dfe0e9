"""Chained checksums of the migration files: `generated/migrations/checksums.sum`.

The design is Atlas's `atlas.sum`. The file reads

    h1:<header>
    0001_initial.down.sql h1:<digest>
    0001_initial.up.sql h1:<digest>
    0002_add_index.down.sql h1:<digest>
    ...

- The files are every `*.sql` file in the folder, sorted by name (string order, so
  `0001_x.down.sql` comes before `0001_x.up.sql`).
- One SHA-256 hasher is fed, file after file in that order, the file's name in UTF-8, a NUL byte and
  the file's bytes. A file's `<digest>` is the hasher's digest right after that file, in padded
  standard base64. A line therefore vouches for its file and every file before it: editing,
  inserting, removing or reordering a migration changes its line and every later one.
- `<header>` is the base64 SHA-256 of the lines after it, exactly as written (`<name> h1:<digest>`
  and a newline each), so an edit to the sum file itself is caught too.
- The file ends with a newline. With no migrations it is the header line alone.

`verify` says what went wrong and what to do about it, file by file: a migration edited, added,
removed, renamed or reordered after it was generated, and a sum file missing, edited or malformed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from itertools import pairwise
from pathlib import Path
from typing import Literal

from schemagen.records import dataclass

SUM_FILE = "checksums.sum"

ProblemKind = Literal[
    "edited",
    "reordered",
    "renamed",
    "removed",
    "added",
    "unreadable",
    "sum_missing",
    "sum_edited",
    "sum_malformed",
]

_PREFIX = "h1:"
_DIGEST_BYTES = 32


@dataclass(frozen=True, slots=True)
class ChecksumProblem:
    """One thing wrong with the migration folder; `file` is the file to act on, when there is one."""

    file: str | None
    message: str
    kind: ProblemKind


def compute(directory: Path) -> str:
    """The text of the sum file for the migrations in `directory` (none when it does not exist).

    Raises OSError for a file it cannot read and ValueError for a file name with a line break."""
    state = hashlib.sha256()
    lines = []
    for name in _migration_files(directory):
        if "\n" in name or "\r" in name:
            raise ValueError(f"a migration file name cannot hold a line break: {name!r}")
        _feed(state, name, (directory / name).read_bytes())
        lines.append(f"{name} {_PREFIX}{_b64(state.digest())}\n")
    return _with_header("".join(lines))


def write(directory: Path) -> Path:
    """Write `directory/checksums.sum` for its migrations, replacing the old one in a single step."""
    text = compute(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SUM_FILE
    partial = directory / f".{SUM_FILE}.partial"
    partial.write_bytes(_encode(text))
    os.replace(partial, path)
    return path


def verify(directory: Path) -> list[ChecksumProblem]:
    """Problems with the migrations in `directory` against its sum file; [] when all is well.

    Never raises: a missing folder holds no migrations, which is fine when there is no sum file."""
    try:
        names = _migration_files(directory)
    except OSError as error:
        return [ChecksumProblem(None, f"{directory} could not be read: {_reason(error)}", "unreadable")]
    try:
        raw = (directory / SUM_FILE).read_bytes()
    except FileNotFoundError:
        if not names:
            return []
        count = "1 migration file exists" if len(names) == 1 else f"{len(names)} migration files exist"
        return [
            _sum_problem(
                f"{SUM_FILE} is missing but {count}: restore it from version control "
                "(without it, edits to the migrations go unnoticed)",
                "sum_missing",
            )
        ]
    except OSError as error:
        return [_sum_problem(f"{SUM_FILE} could not be read: {_reason(error)}", "unreadable")]
    entries = _parse(raw)
    if isinstance(entries, ChecksumProblem):
        return [entries]
    return _Walk(directory, names).run(entries)


# --- the sum file --------------------------------------------------------------------------------


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _encode(text: str) -> bytes:
    # surrogateescape: a file name that is not UTF-8 is written back as the bytes it had
    return text.encode("utf-8", "surrogateescape")


def _feed(state: hashlib._Hash, name: str, data: bytes) -> None:
    state.update(_encode(name) + b"\0")
    state.update(data)


def _with_header(body: str) -> str:
    return f"{_PREFIX}{_b64(hashlib.sha256(_encode(body)).digest())}\n{body}"


def _migration_files(directory: Path) -> list[str]:
    try:
        return sorted(p.name for p in directory.iterdir() if p.name.endswith(".sql") and p.is_file())
    except FileNotFoundError:
        return []


def _digest(text: str) -> bytes | None:
    """The digest of an `h1:<base64>` field, or None when it is not one (in its canonical spelling)."""
    if not text.startswith(_PREFIX):
        return None
    encoded = text[len(_PREFIX) :]
    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == _DIGEST_BYTES and _b64(digest) == encoded else None


def _parse(raw: bytes) -> list[tuple[str, bytes]] | ChecksumProblem:
    """The (name, digest) lines of a sum file, or the problem that stops it from being read."""
    restore = "restore it from version control"
    text = raw.decode("utf-8", "surrogateescape")
    if not text.strip():
        return _sum_problem(f"{SUM_FILE} is empty: {restore}", "sum_malformed")
    # A checkout that turned newlines into CRLF has not changed what the file says.
    lines = [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]
    if _digest(lines[0]) is None:
        return _sum_problem(
            f"{SUM_FILE} is malformed: line 1 is not `h1:<base64 sha256>`; {restore}", "sum_malformed"
        )
    entries: list[tuple[str, bytes]] = []
    for number, line in enumerate(lines[1:], start=2):
        name, _, field = line.rpartition(" ")
        digest = _digest(field)
        if not name or digest is None:
            return _sum_problem(
                f"{SUM_FILE} is malformed: line {number} is not `<file> h1:<base64 sha256>`; {restore}",
                "sum_malformed",
            )
        entries.append((name, digest))
    body = "".join(f"{name} {_PREFIX}{_b64(digest)}\n" for name, digest in entries)
    if _with_header(body).split("\n", 1)[0] != lines[0]:
        return _sum_problem(
            f"{SUM_FILE} was edited by hand: its first line does not match the lines below it; {restore}",
            "sum_edited",
        )
    for (before, _), (name, _) in pairwise(entries):
        if name <= before:
            issue = "twice" if name == before else f"after {_show(before)}, out of order"
            return _sum_problem(
                f"{SUM_FILE} is malformed: it lists {_show(name)} {issue}; {restore}", "sum_malformed"
            )
    return entries


def _sum_problem(message: str, kind: ProblemKind) -> ChecksumProblem:
    return ChecksumProblem(SUM_FILE, message, kind)


def _show(name: str) -> str:
    # Messages are one line, whatever a file is called.
    return name if name.isprintable() else repr(name)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


# --- comparing ------------------------------------------------------------------------------------


class _Walk:
    """Replays the chain over the files the sum lists, in its order, with the bytes on disk.

    While the replayed digests match, each listed file can be checked on its own. The first file
    that breaks the chain is the one reported: every later digest depends on the bytes it had, so
    later files can be checked only for being there. Files the sum does not list stay out of the
    chain, so a file added by hand is named without casting doubt on the rest."""

    def __init__(self, directory: Path, names: list[str]) -> None:
        self.directory = directory
        self.names = names
        self.contents: dict[str, bytes | None] = {}
        self.problems: list[ChecksumProblem] = []

    def read(self, name: str) -> bytes | None:
        if name not in self.contents:
            try:
                self.contents[name] = (self.directory / name).read_bytes()
            except OSError as error:
                self.contents[name] = None
                self.problems.append(
                    ChecksumProblem(name, f"{_show(name)} could not be read: {_reason(error)}", "unreadable")
                )
        return self.contents[name]

    def holder(self, state: hashlib._Hash, name: str, digest: bytes, candidates: list[str]) -> str | None:
        """The candidate whose bytes, under `name`, give the digest the sum recorded for `name`."""
        for candidate in candidates:
            data = self.read(candidate)
            if data is None:
                continue
            trial = state.copy()
            _feed(trial, name, data)
            if trial.digest() == digest:
                return candidate
        return None

    def run(self, entries: list[tuple[str, bytes]]) -> list[ChecksumProblem]:
        present = set(self.names)
        listed = {name for name, _ in entries}
        unlisted = [name for name in self.names if name not in listed]
        state = hashlib.sha256()
        intact = True  # the replayed chain still matches, so the next file can be checked
        for name, digest in entries:
            if name not in present:
                target = self.holder(state, name, digest, unlisted) if intact else None
                if target is None:
                    self.report(name, f"is listed in {SUM_FILE} but missing: restore it", "removed")
                    intact = False
                    continue
                unlisted.remove(target)
                self.report(
                    name,
                    f"was renamed to {_show(target)}: rename it back (a migration keeps its name and "
                    "place once generated)",
                    "renamed",
                )
                _feed(state, name, self.read(target) or b"")
                continue
            if not intact:
                continue
            data = self.read(name)
            if data is None:
                intact = False
                continue
            trial = state.copy()
            _feed(trial, name, data)
            if trial.digest() == digest:
                state = trial
                continue
            intact = False
            others = [other for other in self.names if other != name]
            source = self.holder(state, name, digest, others)
            if source is None:
                self.report(
                    name,
                    "was edited after it was written: restore it from version control (a migration "
                    "written by hand with `schemagen migrate custom`, and not yet merged, is signed again "
                    "with `schemagen migrate sign`)",
                    "edited",
                )
            else:
                self.report(
                    name,
                    f"no longer holds the SQL it was generated with, which is now in {_show(source)}: "
                    "the migrations were reordered; restore the original order",
                    "reordered",
                )
        for name in unlisted:
            self.report(
                name,
                f"is not listed in {SUM_FILE}: it was not made by `schemagen migrate new`; delete it, "
                "or create the change as a new migration",
                "added",
            )
        return self.problems

    def report(self, name: str, what: str, kind: ProblemKind) -> None:
        self.problems.append(ChecksumProblem(name, f"{_show(name)} {what}", kind))
