"""The committed migration history under `generated/`: the numbered files, the snapshot of the Model
as of the newest migration, and the chained checksums that prove nothing was edited since."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.places import SpecPlaces
from schemagen.migrate import checksums, snapshot
from schemagen.migrate.layout import MIGRATIONS_DIR
from schemagen.model import Model
from schemagen.records import dataclass

if TYPE_CHECKING:  # the planner is imported only when there is something to plan
    from schemagen.migrate.migration import Migration
    from schemagen.plan import Hazard, Operation, PlanError

SNAPSHOT_FILE = "snapshot.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$")


class HistoryError(Exception):
    """The history cannot be read or extended; the message says why and what to do (exit 2)."""


@dataclass(frozen=True)
class MigrationFiles:
    number: int
    name: str
    up: Path
    down: Path


@dataclass(frozen=True)
class Refused:
    """Destructive changes the spec does not allow."""

    hazards: list[tuple[Operation, Hazard]]

    def diagnostics(self, model: Model, spec: str) -> list[Diagnostic]:
        """One diagnostic per hazard, under the hazard's own code (SG901–SG905 and SG907) with its fix, at
        the spec line of what the operation changes; at `spec` (the folder) when the spec no longer
        declares it."""
        places = SpecPlaces(model)
        return [
            Diagnostic(hazard.code, hazard.message, spec, hint=hazard.fix).at(places.of(operation.target))
            for operation, hazard in self.hazards
        ]


def migrations(generated: Path) -> list[MigrationFiles]:
    """The migrations on disk, oldest first."""
    folder = generated / MIGRATIONS_DIR
    found: dict[int, dict[str, Path]] = {}
    names: dict[int, str] = {}
    for path in sorted(folder.glob("*.sql")) if folder.is_dir() else []:
        match = FILE.match(path.name)
        if match is None:
            raise HistoryError(f"{path}: not a migration file name (NNNN_name.up.sql / NNNN_name.down.sql)")
        number = int(match.group(1))
        if names.setdefault(number, match.group(2)) != match.group(2):
            raise HistoryError(f"{path}: two migrations are numbered {number:04d}")
        found.setdefault(number, {})[match.group(3)] = path
    result = []
    for number in sorted(found):
        pair = found[number]
        if set(pair) != {"up", "down"}:
            missing = "down" if "up" in pair else "up"
            raise HistoryError(f"migration {number:04d}_{names[number]} has no .{missing}.sql file")
        result.append(MigrationFiles(number, names[number], pair["up"], pair["down"]))
    return result


def read_snapshot(generated: Path) -> Model | None:
    """The Model as of the newest migration, or None before the first one."""
    return read_snapshot_of(generated)[0]


def read_snapshot_of(generated: Path) -> tuple[Model | None, str | None]:
    """The Model as of the newest migration and that migration's label (`0002_name`; None when the
    snapshot does not record it), or (None, None) before the first migration."""
    text, _ = snapshot_text_of(generated)
    if text is None:
        return None, None
    try:
        return snapshot.load_with_migration(text)
    except snapshot.SnapshotError as error:
        raise HistoryError(f"{generated / SNAPSHOT_FILE}: {error}") from None


def snapshot_text_of(generated: Path) -> tuple[str | None, str | None]:
    """The snapshot's text and its newest migration's label, its JSON checked but its Model not read
    (a tree in sync has the very text `snapshot.dump` writes of the spec's Model); (None, None) before
    the first migration. Raises HistoryError for a missing or unreadable file, or a text that is not
    a snapshot's JSON."""
    path = generated / SNAPSHOT_FILE
    if not path.exists():
        if migrations(generated):
            raise HistoryError(f"{path} is missing but migrations exist: restore it from version control")
        return None, None
    try:
        text = path.read_text(encoding="utf-8")
        return text, snapshot.migration_of(text)
    except snapshot.SnapshotError as error:
        raise HistoryError(f"{path}: {error}") from None
    except UnicodeDecodeError:
        raise HistoryError(f"{path} is not UTF-8 text: restore it from version control") from None
    except OSError as error:
        raise HistoryError(f"{path}: {error.strerror or error}") from None


def checksum_problems(generated: Path) -> list[str]:
    return [p.message for p in checksums.verify(generated / MIGRATIONS_DIR)]


def missing_history(generated: Path) -> str | None:
    """What is missing when the snapshot describes a schema the migration files no longer build: none
    of them left, or not the newest one it names."""
    _, newest = read_snapshot_of(generated)
    return missing_history_of(generated, newest)


def missing_history_of(generated: Path, newest: str | None) -> str | None:
    """`missing_history` for a snapshot already read, whose newest migration's label is `newest`."""
    files = migrations(generated)
    if not (generated / SNAPSHOT_FILE).exists():
        return None
    if not files:
        after = f"the schema after {newest}" if newest else "a schema that migrations built"
        return (
            f"{generated / MIGRATIONS_DIR} holds no migration, but {generated / SNAPSHOT_FILE} describes "
            f"{after}: restore the migration files from version control"
        )
    last = f"{files[-1].number:04d}_{files[-1].name}"
    if newest is not None and last != newest:
        return (
            f"the newest migration is {last}, but {generated / SNAPSHOT_FILE} describes the schema after "
            f"{newest}: restore the missing migration files from version control"
        )
    return None


def refused(migration: Migration, allowed: tuple[str, ...]) -> Refused | None:
    """The destructive changes of `migration` that `allowed` does not name, or None."""
    from schemagen.plan.hazards import is_allowed

    hazards = [
        (op, h)
        for op in migration.up_operations
        for h in op.hazards
        if h.destructive and not is_allowed(h, op.target, allowed)
    ]
    return Refused(hazards) if hazards else None


def unplannable(error: PlanError, spec: str, model: Model | None = None) -> Diagnostic:
    """SG706: the planner refuses the pending change (snapshot → spec), at the spec line of what it is
    about when `model` (the spec's) declares it, else at the spec folder `spec`."""
    rule = error.rule or rules.UNPLANNABLE
    found = rule(None, what="the pending change", problem=str(error)).with_file(spec)
    if model is None or error.target is None:
        return found
    return found.at(SpecPlaces(model).of(error.target))


def new_migration(
    model: Model, generated: Path, name: str, allow_destructive: bool = False
) -> tuple[MigrationFiles, Migration] | Refused | None:
    """Write the next migration (from the snapshot to `model`) and update the snapshot and checksums.

    None when there is nothing to migrate; `Refused` (nothing written) when the change is
    destructive and not allowed. Raises `PlanError` when the change cannot be planned (`unplannable`
    reports it) and `HistoryError` when the history cannot be extended.
    """
    if not NAME.match(name):
        raise HistoryError(f"migration name `{name}`: use lower-case letters, digits and underscores")
    problems = checksum_problems(generated)
    if problems:
        raise HistoryError(
            "the migration history was changed after it was generated:\n  " + "\n  ".join(problems)
        )
    before = read_snapshot(generated)
    existing = migrations(generated)
    number = existing[-1].number + 1 if existing else 1
    if before is not None and snapshot.dump(before) == snapshot.dump(model):
        return None
    from schemagen.migrate.migration import build_migration

    migration = build_migration(before, model, f"{number:04d}_{name}")
    if migration.empty:
        return None
    if not allow_destructive:
        refusal = refused(migration, model.project.allow_destructive)
        if refusal:
            return refusal
    # both files rendered before either is written: a template that fails leaves no half migration
    up_sql, down_sql = migration.up_sql, migration.down_sql
    folder = generated / MIGRATIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    files = MigrationFiles(
        number, name, folder / f"{number:04d}_{name}.up.sql", folder / f"{number:04d}_{name}.down.sql"
    )
    files.up.write_text(up_sql, encoding="utf-8")
    files.down.write_text(down_sql, encoding="utf-8")
    (generated / SNAPSHOT_FILE).write_text(snapshot.dump(model, f"{number:04d}_{name}"), encoding="utf-8")
    checksums.write(folder)
    return files, migration


def new_custom_migration(generated: Path, name: str, render: Callable[[str, str], str]) -> MigrationFiles:
    """Write the next migration as a pair of files for hand-written SQL (`render(label, direction)`
    gives each file's text), sign the history again and name it in the snapshot, whose schema it does
    not change."""
    if not NAME.match(name):
        raise HistoryError(f"migration name `{name}`: use lower-case letters, digits and underscores")
    if problems := checksum_problems(generated):
        raise HistoryError(
            "the migration history was changed after it was generated:\n  " + "\n  ".join(problems)
        )
    model, _ = read_snapshot_of(generated)
    if model is None:
        raise HistoryError(
            "there is no migration yet: the first one is planned, `schemagen migrate new NAME`"
        )
    existing = migrations(generated)
    number = existing[-1].number + 1 if existing else 1
    label = f"{number:04d}_{name}"
    folder = generated / MIGRATIONS_DIR
    files = MigrationFiles(number, name, folder / f"{label}.up.sql", folder / f"{label}.down.sql")
    files.up.write_text(render(label, "up"), encoding="utf-8")
    files.down.write_text(render(label, "down"), encoding="utf-8")
    (generated / SNAPSHOT_FILE).write_text(snapshot.dump(model, label), encoding="utf-8")
    checksums.write(folder)
    return files


def sign(generated: Path, base_labels: set[str] | None) -> list[str]:
    """Sign the migration files again after hand edits; the labels of the edited migrations.

    Refused (HistoryError) for an edited migration that `base_labels` holds (the base revision's
    history: it may have been applied), and for the generated ones: only hand-written migrations
    change after they are written. `base_labels` None: no base is known, every edit is taken."""
    folder = generated / MIGRATIONS_DIR
    problems = checksums.verify(folder)
    edited = sorted({_label_of(p.file) for p in problems if p.file and p.kind == "edited"})
    others = [p.message for p in problems if p.kind != "edited"]
    if others:
        raise HistoryError("the history has problems signing cannot fix:\n  " + "\n  ".join(others))
    for label in edited:
        if base_labels is not None and label in base_labels:
            raise HistoryError(
                f"{label} is in the base revision's history and may have run somewhere: restore it, and "
                "put the change in a new migration"
            )
        up = folder / f"{label}.up.sql"
        if not up.read_text(encoding="utf-8").splitlines()[0].endswith("written by hand"):
            raise HistoryError(f"{label} was generated by schemagen: restore it, or plan the change anew")
    if edited:
        checksums.write(folder)
    return edited


def _label_of(file: str) -> str:
    match = FILE.match(Path(file).name)
    return f"{match.group(1)}_{match.group(2)}" if match else file
