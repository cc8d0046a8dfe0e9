"""The committed migrations as the site shows them: each file's header read back into its parts.

A migration file starts with a header of `--` lines (`templates/postgres/migration.sql.j2`): what it
does, its hazards (`SGnnn message (fix: …)`), the locks it takes, what its down cannot restore, and
`schemagen:no-transaction` when it must run statement by statement. The files are the record (they may
be older than the planner that reads them today), so the site reads their text rather than planning
again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from schemagen.migrate.header import is_transactional
from schemagen.migrate.history import migrations

# Header section titles, as the migration template writes them, and the field each one fills.
_SECTIONS = {
    "What it does:": "does",
    "Hazards:": "hazards",
    "Locks:": "locks",
    "Cannot be restored by this migration:": "cannot_restore",
}
_HAZARD = re.compile(r"^(?P<code>SG\d{3}) (?P<message>.*?)(?: \(fix: (?P<fix>.*)\))?$")
_NOTHING = frozenset({"none", "nothing"})


@dataclass(frozen=True, slots=True)
class Hazard:
    code: str
    message: str
    fix: str | None


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One direction of a migration: its text and what its header says."""

    path: Path
    text: str
    does: tuple[str, ...]
    hazards: tuple[Hazard, ...]
    locks: tuple[str, ...]
    cannot_restore: tuple[str, ...]
    transactional: bool


@dataclass(frozen=True, slots=True)
class MigrationRecord:
    number: int
    name: str
    up: MigrationFile
    down: MigrationFile

    @property
    def label(self) -> str:
        return f"{self.number:04d}_{self.name}"


def read_migrations(generated: Path) -> list[MigrationRecord]:
    """The migrations under `generated/migrations/`, oldest first; none when the folder is absent.

    Raises `HistoryError` for a misnamed or unpaired file, and `OSError`/`UnicodeDecodeError` for one
    that cannot be read.
    """
    return [
        MigrationRecord(files.number, files.name, read_file(files.up), read_file(files.down))
        for files in migrations(generated)
    ]


def read_file(path: Path) -> MigrationFile:
    text = path.read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {field: [] for field in _SECTIONS.values()}
    current: str | None = None
    for line in text.split("\n\n", 1)[0].splitlines():
        if not line.startswith("--"):
            break
        body = line[2:].strip()
        if body in _SECTIONS:
            current = _SECTIONS[body]
        elif current is not None and line.startswith("--   ") and body not in _NOTHING:
            sections[current].append(body)
        elif not line.startswith("--   "):
            current = None
    return MigrationFile(
        path=path,
        text=text,
        does=tuple(sections["does"]),
        hazards=tuple(_hazard(line) for line in sections["hazards"]),
        locks=tuple(sections["locks"]),
        cannot_restore=tuple(sections["cannot_restore"]),
        transactional=is_transactional(text),
    )


def _hazard(line: str) -> Hazard:
    match = _HAZARD.match(line)
    if match is None:
        return Hazard("", line, None)
    return Hazard(match["code"], match["message"], match["fix"])
