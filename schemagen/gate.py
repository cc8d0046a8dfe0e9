"""`schemagen check`: the CI gate. Reads the working tree, so it runs in any CI; the review of a pull
request's added migrations also reads the base revision's history, which the CLI takes from git.

It fails when generated/ is stale, when the spec has changes no migration covers, when a migration
file was edited, added, removed or reordered after it was generated, when the history lost files,
or when a pending change is destructive and the spec does not allow it (each hazard under its own
code, SG901–SG905 and SG907, at the spec line of what it changes). With a base revision it lists the
hazards of the migrations added since, and fails on the destructive ones the spec does not allow.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

from schemagen.diagnostics import Diagnostic, Severity, rules
from schemagen.diagnostics.places import SpecPlaces
from schemagen.load.loader import display_path
from schemagen.migrate import history, snapshot
from schemagen.model import Model
from schemagen.pipeline import Compiled, render_outputs, user_templates


def check(compiled: Compiled, generated: Path, templates: Path | None = None) -> list[Diagnostic]:
    """Every problem of the tree; empty when it is clean."""
    found = list(_stale(compiled, generated, templates))
    found += _history(compiled, generated)
    return found


def _stale(compiled: Compiled, generated: Path, templates: Path | None) -> Iterator[Diagnostic]:
    outputs = render_outputs(compiled.model, user_templates(compiled.root, templates), parse_all=False)
    for name, fresh in outputs.items():
        path = generated / name
        shown = display_path(path)
        if not path.exists():
            yield rules.STALE_OUTPUT(None, file=shown, detail=" (it does not exist)").with_file(shown)
            continue
        committed = path.read_text(encoding="utf-8", errors="replace")
        if committed == fresh:
            continue
        line = _first_difference(committed, fresh)
        yield rules.STALE_OUTPUT(None, file=shown, detail=f" from line {line}").with_file(shown, line)


def _first_difference(a: str, b: str) -> int:
    matcher = difflib.SequenceMatcher(None, a.splitlines(), b.splitlines(), autojunk=False)
    for tag, i1, _, _, _ in matcher.get_opcodes():
        if tag != "equal":
            return i1 + 1
    return 1


def _history(compiled: Compiled, generated: Path) -> list[Diagnostic]:
    folder = generated / history.MIGRATIONS_DIR
    from schemagen.migrate import checksums

    found = [
        rules.MIGRATION_CHANGED(None, problem=p.message).with_file(
            display_path(folder / p.file) if p.file else display_path(folder / checksums.SUM_FILE)
        )
        for p in checksums.verify(folder)
    ]
    model = compiled.model
    try:
        text, newest = history.snapshot_text_of(generated)  # read once, for both
        missing = history.missing_history_of(generated, newest)
        # in sync, the snapshot is the very text the spec's Model dumps to: its Model is not read
        in_sync = text is not None and snapshot.dump(model, newest) == text
        before = snapshot.load(text) if text is not None and not in_sync else None
    except history.HistoryError as error:
        return [*found, rules.MIGRATION_CHANGED(None, problem=str(error)).with_file(display_path(generated))]
    except snapshot.SnapshotError as error:
        problem = f"{generated / history.SNAPSHOT_FILE}: {error}"  # as history.read_snapshot_of says it
        return [*found, rules.MIGRATION_CHANGED(None, problem=problem).with_file(display_path(generated))]
    if missing is not None:
        found.append(rules.MIGRATION_CHANGED(None, problem=missing).with_file(display_path(folder)))
    if in_sync or (before is not None and snapshot.dump(before) == snapshot.dump(model)):
        return found
    # the planner is imported only now: a tree whose snapshot is the spec's has nothing to plan
    from schemagen.migrate.migration import build_migration
    from schemagen.plan import PlanError

    spec = display_path(compiled.root)
    try:
        migration = build_migration(before, model, "pending")
    except PlanError as error:
        return [*found, history.unplannable(error, spec, model)]
    if migration.empty:
        return found
    kinds = list(dict.fromkeys(op.comment for op in migration.up_operations))
    summary = "; ".join(kinds[:3]) + (f"; … and {len(kinds) - 3} more" if len(kinds) > 3 else "")
    # at the spec line of the first thing that changed (the spec folder when it is gone from the spec)
    first = SpecPlaces(model).of(migration.up_operations[0].target)
    found.append(rules.UNMIGRATED_CHANGE(None, summary=summary).with_file(spec).at(first))
    refusal = history.refused(migration, model.project.allow_destructive)
    if refusal is not None:
        found += refusal.diagnostics(model, spec)
    return found


def added_migrations(
    compiled: Compiled, generated: Path, base: Model | None, base_migrations: set[str]
) -> list[Diagnostic]:
    """The hazards of the migrations added since a base revision (whose newest migration's schema is
    `base`, and whose migration labels are `base_migrations`), each under its own code at the spec
    line of what it changes: an error when it loses data the spec does not allow losing (a migration
    written with `--allow-destructive`), a warning otherwise. Reviewers read them in the pull request."""
    files = history.migrations(generated)
    added = [f for f in files if f"{f.number:04d}_{f.name}" not in base_migrations]
    after = history.read_snapshot(generated)
    if not added or after is None:
        return []
    from schemagen.migrate.migration import build_migration
    from schemagen.plan.hazards import is_allowed

    model = compiled.model
    migration = build_migration(base, after, "pending")
    places = SpecPlaces(model)
    allowed = model.project.allow_destructive
    where = display_path(added[-1].up)
    found = []
    for operation in migration.up_operations:
        for hazard in operation.hazards:
            refused = hazard.destructive and not is_allowed(hazard, operation.target, allowed)
            diagnostic = Diagnostic(
                hazard.code,
                f"{hazard.message} (added since the base: {', '.join(f.up.name for f in added)})",
                where,
                severity=Severity.ERROR if refused else Severity.WARNING,
                hint=hazard.fix,
            )
            found.append(diagnostic.at(places.of(operation.target)))
    return found


MAX_REPLAY_DIAGNOSTICS = 20


def live_check(generated: Path, dsn: str | None) -> list[Diagnostic]:
    """Replay every up migration on an empty database and compare its catalog with schema.sql applied to
    another; then, with a few rows in every table, every down migration back to the empty database,
    each compared with the catalog of the version it returns to, and every up again: one SG705 per
    difference (the first 20, then a count), or one naming the migration file and line that fails.

    On a throwaway cluster, or on the server at `dsn`. Raises `DatabaseError` when no server can be
    used; meaningful only on a tree the static checks passed.
    """
    from schemagen.database import replay  # imports psycopg: only `check --live` pays for it

    folder = generated / history.MIGRATIONS_DIR
    try:
        files = history.migrations(generated)
        before = history.read_snapshot(generated)
    except history.HistoryError as error:
        return [rules.MIGRATION_CHANGED(None, problem=str(error)).with_file(display_path(folder))]
    if not files:
        return []
    schema = generated / "schema.sql"
    try:
        differences = replay.replay_differences(
            [f.up.read_text(encoding="utf-8") for f in files],
            schema.read_text(encoding="utf-8"),
            before.project.extensions if before is not None else (),
            dsn,
            names=[f.up.name for f in files],
            down_sqls=[f.down.read_text(encoding="utf-8") for f in files],
            down_names=[f.down.name for f in files],
        )
    except replay.ReplayError as error:
        migration = files[error.index] if error.index is not None else None
        where = (migration.down if error.down else migration.up) if migration is not None else schema
        failed = rules.HISTORY_DIFFERS(None, difference=error.message)
        return [failed.with_file(display_path(where), error.line)]
    shown = display_path(folder)
    found = [
        rules.HISTORY_DIFFERS(None, difference=line).with_file(shown)
        for line in differences[:MAX_REPLAY_DIAGNOSTICS]
    ]
    if len(differences) > MAX_REPLAY_DIAGNOSTICS:
        more = len(differences) - MAX_REPLAY_DIAGNOSTICS
        found.append(rules.HISTORY_DIFFERS(None, difference=f"… and {more} more").with_file(shown))
    return found
