"""The `schemagen` command line. Exit codes: 0 success, 1 a check found something, 2 bad input.

Every diagnostic (a spec error, a hazard, a refusal, a failed migration) is printed through
`diagnostics.formats`, in the format `--format` names: text (one layout for every command), json, or
GitHub annotations.

Only click and the standard library are imported here at start-up: every stage (and through them
pglast, pydantic, jinja2, sqlglot, psycopg) is imported inside the command that needs it, so `--help`,
completion and a bad flag answer at once (`bench/startup.py` measures it).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from schemagen import __version__
from schemagen.site.command import docs

if TYPE_CHECKING:
    import psycopg
    from rich.progress import TaskID

    from schemagen.database import runner
    from schemagen.diagnostics import Diagnostic
    from schemagen.load.sources import BaseRevision
    from schemagen.migrate.history import MigrationFiles
    from schemagen.model import Model, PartitionScheme
    from schemagen.pipeline import Compiled

EXIT_OK, EXIT_FOUND, EXIT_INPUT = 0, 1, 2
#: The names of `diagnostics.formats.FORMATS` (a test keeps them equal), known without importing them.
FORMAT_NAMES = ("text", "json", "github")
#: How many diagnostics text shows before "… and N more", unless --show-all.
SHOWN_DIAGNOSTICS = 20
GENERATED = "generated"
T = TypeVar("T")

spec_dir_argument = click.argument(
    "spec_dir", required=False, default="spec", type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)
templates_option = click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="A folder of templates overriding built-in ones by name (default: SPEC_DIR/templates when present).",
)


class InputError(click.ClickException):
    """Bad input: printed without a traceback, exit 2."""

    exit_code = EXIT_INPUT

    def show(self, file: object = None) -> None:
        click.echo(self.format_message(), err=True)


def format_option(
    description: str = "How to print diagnostics: for people, for tools, or as GitHub annotations.",
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """`--format text|json|github`: the formats of `diagnostics.formats`."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMAT_NAMES),
        default="text",
        show_default=True,
        help=description,
    )


COLOR_META, SHOW_ALL_META = "schemagen.color", "schemagen.show_all"


def _remember(key: str) -> Callable[[click.Context, click.Parameter, object], None]:
    """A callback keeping an option's value in the context's meta, shared by the group and its
    commands (`schemagen --color never check` and `schemagen check --color never` alike)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: object) -> None:
        if value is not None and value is not False:
            ctx.meta[key] = value

    return callback


def display_options() -> list[click.Parameter]:
    """`--color` and `--show-all`: how text diagnostics look; every command that prints diagnostics
    takes them, and so does the group."""
    return [
        click.Option(
            ["--color"],
            type=click.Choice(["auto", "always", "never"]),
            default=None,
            expose_value=False,
            callback=_remember(COLOR_META),
            help="Colour text diagnostics: auto (when the stream is a terminal and NO_COLOR is not set), "
            "always, or never.",
        ),
        click.Option(
            ["--show-all"],
            is_flag=True,
            expose_value=False,
            callback=_remember(SHOW_ALL_META),
            help=f"Print every diagnostic (text shows the first {SHOWN_DIAGNOSTICS}, then how many more).",
        ),
    ]


#: Commands that may run for long against a database: the program keeps its garbage collector for
#: them (the others, which run for seconds, run without it; see `main`).
COLLECTING = frozenset({"migrate", "inspect", "drift", "partitions", "docs"})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schemagen")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Schema-as-code for PostgreSQL: validate a YAML spec and render its DDL."""
    if ctx.invoked_subcommand in COLLECTING and _as_program():
        gc.enable()


def _use_color(err: bool) -> bool:
    """Whether text on stderr (or stdout) is coloured: --color, else a terminal without NO_COLOR."""
    ctx = click.get_current_context(silent=True)
    mode = ctx.meta.get(COLOR_META, "auto") if ctx is not None else "auto"
    if mode != "auto":
        return bool(mode == "always")
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = sys.stderr if err else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def _emit(diagnostics: Sequence[Diagnostic], output_format: str, *, text_on_stdout: bool = False) -> None:
    """Diagnostics in the chosen format: text on stderr (on stdout for `check`, whose findings are its
    output), json and github on stdout."""
    from schemagen.diagnostics.formats import FORMATS
    from schemagen.diagnostics.formats import text as text_format

    if output_format != "text":
        rendered = FORMATS[output_format](diagnostics)
        if rendered:
            click.echo(rendered, nl=False)
        return
    err = not text_on_stdout
    color = _use_color(err)
    ctx = click.get_current_context(silent=True)
    show_all = bool(ctx is not None and ctx.meta.get(SHOW_ALL_META))
    rendered = text_format.render(diagnostics, None if show_all else SHOWN_DIAGNOSTICS, color=color)
    if rendered:
        click.echo(rendered, nl=False, err=err, color=color)


def _print_document(text: str) -> None:
    """A migration or its operations on stdout, exactly: `click.echo` takes out what looks like a
    terminal escape when stdout is not a terminal, which a migration's text must keep (a comment may
    hold one), and scanning a large migration for them was a fortieth of `diff`."""
    sys.stdout.write(text)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _compile(spec_dir: Path, output_format: str = "text") -> Compiled:
    """The spec's Model; on errors, every diagnostic printed and exit 2. Warnings are printed here in
    text and github; a json caller puts `compiled.warnings` in the one document it prints."""
    from schemagen.diagnostics import SpecError
    from schemagen.pipeline import compile_spec

    try:
        compiled = compile_spec(spec_dir)
    except SpecError as error:
        _emit(error.diagnostics, output_format)
        if output_format == "text":
            click.echo(f"{_plural(len(error.diagnostics), 'error')} in {spec_dir}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    if compiled.warnings and output_format != "json":
        _emit(compiled.warnings, output_format)
    return compiled


def _warnings_aside(compiled: Compiled, output_format: str) -> None:
    """Warnings of a json command whose stdout is not a diagnostics document: on stderr, as text."""
    if output_format == "json" and compiled.warnings:
        _emit(compiled.warnings, "text")


def _render(compiled: Compiled, templates: Path | None) -> dict[str, str]:
    from schemagen.pipeline import RenderError, render_outputs, user_templates

    try:
        return render_outputs(compiled.model, user_templates(compiled.root, templates), parse_all=False)
    except RenderError as error:
        raise InputError(str(error)) from None
    except Exception as error:  # a user's template override can fail in any way Jinja can
        if templates is None and user_templates(compiled.root) is None:
            raise
        raise InputError(f"a template failed to render: {type(error).__name__}: {error}") from None


def _rejected_at_spec_line(
    model: Model, statement: str | None, message: str, line: int | None
) -> Diagnostic | None:
    """SG008 at the spec line of the object whose statement the server rejected, when it is known."""
    from schemagen.diagnostics import rules
    from schemagen.diagnostics.places import SpecPlaces
    from schemagen.postgres.expressions import statement_subject

    subject = statement_subject(statement) if statement else None
    place = SpecPlaces(model).of(subject) if subject else None
    if subject is None or place is None:
        return None
    problem = message.split(": ", 1)[1] if message.startswith("line ") else message
    return rules.REJECTED_BY_POSTGRESQL(place, subject=subject, problem=problem, line=line or "?")


def beside(spec_dir: Path) -> Path:
    """`generated`, next to the spec folder (or next to a single spec file)."""
    return spec_dir.parent / GENERATED


def _write_outputs(compiled: Compiled, out: Path, templates: Path | None) -> dict[str, str]:
    """Render schema.sql and ERD.md into `out`; what was written, by file name."""
    outputs = _render(compiled, templates)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in outputs.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write to {out}: {error.strerror or error}") from None
    return outputs


@cli.command()
@spec_dir_argument
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write schema.sql and ERD.md (default: `generated` beside SPEC_DIR).",
)
@templates_option
def render(spec_dir: Path, out: Path | None, templates: Path | None) -> None:
    """Validate SPEC_DIR and write OUT/schema.sql and OUT/ERD.md (nothing when the spec is invalid)."""
    compiled = _compile(spec_dir)
    out = out if out is not None else beside(spec_dir)
    outputs = _write_outputs(compiled, out, templates)
    model = compiled.model
    click.echo(
        f"wrote {', '.join(str(out / name) for name in outputs)} "
        f"({len(model.tables)} tables, {len(model.views)} views)"
    )


@cli.command()
@spec_dir_argument
@click.option(
    "--live", is_flag=True, help="Also apply the DDL to a real PostgreSQL inside a rolled-back transaction."
)
@click.option("--dsn", default=None, help="The server for --live (default: a throwaway local cluster).")
@templates_option
@format_option()
def validate(spec_dir: Path, live: bool, dsn: str | None, templates: Path | None, output_format: str) -> None:
    """Run every static check on SPEC_DIR; with --live, let PostgreSQL have the final word."""
    from schemagen.pipeline import user_templates

    compiled = _compile(spec_dir, output_format)
    model = compiled.model
    if live or dsn or user_templates(compiled.root, templates) is not None:
        # The built-in templates' output is proven to parse by the test suite; a user's own may not be.
        outputs = _render(compiled, templates)
    if live or dsn:
        from schemagen.database import cluster
        from schemagen.database import live as live_db

        gc.enable()  # a database's time from here on: the collector is back (see `main`)

        try:
            live_db.live_check(outputs["schema.sql"], model.project.extensions, dsn)
        except live_db.LiveApplyError as error:
            rejected = _rejected_at_spec_line(model, error.statement, error.message, error.line)
            if rejected is None:
                raise InputError(f"PostgreSQL rejected the rendered schema.sql: {error.message}") from None
            _emit([rejected], output_format)
            raise SystemExit(EXIT_INPUT) from None
        except cluster.DatabaseError as error:
            raise InputError(error.message) from None
    partitions = sum(_count_children(t.partition) for t in model.tables)
    indexes = sum(len(t.indexes) for t in model.tables)
    checked = "valid, and PostgreSQL accepts its DDL" if (live or dsn) else "valid"
    if output_format == "json":
        _emit(compiled.warnings, output_format)
        return
    if output_format == "github":
        return
    click.echo(
        f"{spec_dir} is {checked}: {len(model.tables)} tables, {partitions} partitions, "
        f"{indexes} indexes, {len(model.views)} views, {len(model.enums)} enums"
    )


generated_option = click.option(
    "--generated",
    "generated",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The folder holding schema.sql, snapshot.json and migrations/ (default: `generated` beside "
    "SPEC_DIR, or in the current folder for commands without one).",
)


today_option = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    envvar="SCHEMAGEN_TODAY",
    help="The day the windows kept over time are judged on, YYYY-MM-DD (default: $SCHEMAGEN_TODAY, else "
    "today's date in UTC).",
)


def _today(value: datetime | None) -> date:
    return value.date() if value is not None else datetime.now(UTC).date()


@cli.group()
def migrate() -> None:
    """Plan, write and run migrations between versions of the spec."""


@migrate.command("new")
@click.argument("name")
@spec_dir_argument
@generated_option
@click.option("--allow-destructive", is_flag=True, help="Write the migration even if it drops data.")
@format_option(
    "json: print the planned operations (kind, target, locks, hazards) after writing, or the "
    "diagnostics of a refusal; github: a refusal as annotations at the spec lines it concerns."
)
def migrate_new(
    name: str, spec_dir: Path, generated: Path | None, allow_destructive: bool, output_format: str
) -> None:
    """Diff SPEC_DIR against generated/snapshot.json and write the next migration (up and down), then
    render schema.sql and ERD.md again, so generated/ is whole for `check` at once."""
    from schemagen.load.loader import display_path
    from schemagen.migrate import history
    from schemagen.plan import PlanError

    compiled = _compile(spec_dir, output_format)
    generated = generated if generated is not None else beside(spec_dir)
    spec = display_path(compiled.root)
    warnings = compiled.warnings if output_format == "json" else []
    try:
        result = history.new_migration(compiled.model, generated, name, allow_destructive)
    except history.HistoryError as error:
        raise InputError(str(error)) from None
    except PlanError as error:
        # like a destructive change: the spec asks for something no migration should do as is
        _emit([*warnings, history.unplannable(error, spec, compiled.model)], output_format)
        raise SystemExit(EXIT_FOUND) from None
    if isinstance(result, history.Refused):
        refusals = result.diagnostics(compiled.model, spec)
        _emit([*warnings, *refusals], output_format)
        if output_format == "text":
            them = "it" if len(refusals) == 1 else "them"
            click.echo(
                f"refused: {_plural(len(refusals), 'destructive change')} not allowed, nothing written; "
                f"allow {them} in the spec (`project.allow_destructive`) or pass --allow-destructive",
                err=True,
            )
        raise SystemExit(EXIT_FOUND)
    _warnings_aside(compiled, output_format)
    if result is None:
        click.echo("no changes: the spec matches the newest migration; nothing written")
        return
    files, migration = result
    _write_outputs(compiled, generated, None)
    if output_format == "json":
        from schemagen.plan import serialize as operations

        _print_document(operations.render(migration.up_operations))
        return
    hazards = sum(len(op.hazards) for op in migration.up_operations)
    click.echo(
        f"wrote {files.up} and {files.down}: {len(migration.up_operations)} operations, {hazards} hazards;"
        f" {generated / 'schema.sql'} and {generated / 'ERD.md'} rendered again"
    )


@migrate.command("custom")
@click.argument("name")
@spec_dir_argument
@generated_option
def migrate_custom(name: str, spec_dir: Path, generated: Path | None) -> None:
    """Write the next migration as two files for SQL written by hand (a backfill between two schema
    changes, say); edit them, then run `schemagen migrate sign`."""
    from schemagen.migrate import history
    from schemagen.render.templating import make_environment

    generated = generated if generated is not None else beside(spec_dir)
    template = make_environment().get_template("postgres/custom_migration.sql.j2")
    try:
        files = history.new_custom_migration(
            generated, name, lambda label, direction: template.render(label=label, direction=direction)
        )
    except history.HistoryError as error:
        raise InputError(str(error)) from None
    click.echo(f"wrote {files.up} and {files.down}: write the SQL, then run `schemagen migrate sign`")


@migrate.command("sign")
@spec_dir_argument
@generated_option
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="Refuse to sign migrations this git revision already has (default: the merge base with the "
    "main branch, in a git work tree).",
)
def migrate_sign(spec_dir: Path, generated: Path | None, base: str | None) -> None:
    """Record the hand-written migrations again in checksums.sum after editing them. Only migrations
    written by `migrate custom` and not yet on the base revision may change."""
    from schemagen.migrate import history

    generated = generated if generated is not None else beside(spec_dir)
    labels = _base_history(generated, base)[1]
    try:
        signed = history.sign(generated, labels)
    except history.HistoryError as error:
        click.echo(f"refused: {error}", err=True)
        raise SystemExit(EXIT_FOUND) from None
    click.echo(f"signed {', '.join(signed)}" if signed else "nothing to sign: no migration was edited")


def _required_dsn(ctx: click.Context, _: click.Parameter, value: str | None) -> str:
    """The --dsn given, or $SCHEMAGEN_DSN; neither is a usage error that names both."""
    if not value:
        raise click.UsageError(
            "no database given: pass --dsn (a libpq conninfo string or postgresql:// URL) or set "
            "$SCHEMAGEN_DSN",
            ctx=ctx,
        )
    return value


dsn_required_option = click.option(
    "--dsn",
    envvar="SCHEMAGEN_DSN",
    callback=_required_dsn,
    help="The database: a libpq conninfo string or postgresql:// URL (default: $SCHEMAGEN_DSN).",
)
lock_timeout_option = click.option(
    "--lock-timeout",
    default="5s",
    show_default=True,
    help="PostgreSQL's lock_timeout for every step (wins over the files' own): a step waiting longer "
    "for a busy table gives up instead of queueing the application's queries behind it.",
)
retries_option = click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="How many times a step that hit the lock timeout is tried again, after a short pause.",
)


def _refusal(refused: runner.Refused) -> list[Diagnostic]:
    """The runner's refusal (the history on disk and in the database disagree): one SG708 per problem."""
    from schemagen.diagnostics import rules

    return [rules.MIGRATION_REFUSED(None, problem=problem) for problem in refused.problems]


def _failure(failed: runner.MigrationFailed) -> Diagnostic:
    """A failed statement as SG709, at the migration file's line, saying what was kept and what to do."""
    from schemagen.diagnostics import rules
    from schemagen.load.loader import display_path

    name = failed.path.name.split(".", 1)[0]
    if failed.transactional:
        after = f"{name} was rolled back, nothing of it is applied: fix the cause and run the command again"
    else:
        after = (
            f"{name} stopped after step {failed.done}/{failed.total} (recorded in the database): "
            f"fix the cause and run the command again; it resumes at step {failed.done + 1}"
        )
    return rules.MIGRATION_FAILED(None, reason=failed.reason, after=after).with_file(
        display_path(failed.path), failed.line
    )


def _run_migrations(
    action: Callable[[], T],
    output_format: str,
    refusal: Callable[[runner.Refused], list[Diagnostic]] = _refusal,
) -> T:
    """Run `action`, printing the runner's refusals and failures as diagnostics, mapped to exit codes:
    refusals and failing statements 1 (a missing privilege 2), bad input and unusable databases 2."""
    from schemagen.database import runner
    from schemagen.database.cluster import DatabaseError
    from schemagen.migrate import history

    try:
        return action()
    except runner.Refused as refused:
        _emit(refusal(refused), output_format)
        raise SystemExit(EXIT_FOUND) from None
    except runner.MigrationFailed as failed:
        _emit([_failure(failed)], output_format)
        raise SystemExit(EXIT_INPUT if failed.missing_privilege else EXIT_FOUND) from None
    except history.HistoryError as error:
        raise InputError(str(error)) from None
    except DatabaseError as error:
        raise InputError(error.message) from None


run_format_option = format_option(
    "How to print a refusal or a failed migration: for people, for tools (on success, an empty "
    "diagnostics document; the summary goes to stderr), or as GitHub annotations."
)


def _runner_settings(lock_timeout: str, retries: int) -> runner.Settings:
    from schemagen.database.runner import Settings

    return Settings(lock_timeout=lock_timeout, retries=retries)


def _progress(line: str) -> None:
    click.echo(line, err=True)


class TerminalProgress:
    """A run's progress on a terminal (rich): a bar over the steps of a step-by-step migration (a
    pulsing one for a migration in one transaction), the step running now and the time so far; the
    runner's lines (rows moved, retries) printed above it. Off a terminal the lines alone are printed,
    exactly as before."""

    def __init__(self, color: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True, no_color=not color, highlight=False, soft_wrap=True)
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[steps]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"),
            console=self.console,
            transient=True,
        )
        self.task: TaskID | None = None
        self.total: int | None = None

    def report(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False)

    def begin(self, label: str, total: int | None, done: int) -> None:
        self.bar.start()
        self.total = total
        steps = f"{done}/{total}" if total is not None else "one transaction"
        self.task = self.bar.add_task(label, total=total, completed=done, current="", steps=steps)

    def step(self, number: int, what: str) -> None:
        if self.task is not None:
            short = what if len(what) <= 60 else what[:59] + "…"
            steps = f"{number - 1}/{self.total}"
            # drawn now, not at the next tick of rich's refresh: a step can be over before one comes
            self.bar.update(
                self.task, completed=number - 1, current=f"step {number}: {short}", steps=steps, refresh=True
            )

    def end(self) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
        self.bar.stop()


def _reporting(output_format: str) -> tuple[Callable[[str], None], runner.Progress | None]:
    """Where a run's lines go, and its progress bar: on a terminal (text only), through rich;
    otherwise the plain lines on stderr."""
    if output_format != "text" or not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        return _progress, None
    terminal = TerminalProgress(color=_use_color(err=True))
    return terminal.report, terminal


@migrate.command("apply")
@dsn_required_option
@generated_option
@click.option(
    "--to", type=click.IntRange(min=1), default=None, help="Stop after migration N (default: the newest)."
)
@lock_timeout_option
@retries_option
@run_format_option
def migrate_apply(
    dsn: str, generated: Path | None, to: int | None, lock_timeout: str, retries: int, output_format: str
) -> None:
    """Apply the pending migrations to the database, oldest first, under an advisory lock; a migration
    that stopped part-way resumes where it stopped."""
    from schemagen.database import runner

    generated = generated if generated is not None else Path(GENERATED)

    settings = _runner_settings(lock_timeout, retries)
    report, progress = _reporting(output_format)
    outcome = _run_migrations(
        lambda: runner.apply(dsn, generated, to, settings, report, progress), output_format
    )
    _report_run(outcome, "applied", "nothing to apply", output_format)


@migrate.command("status")
@dsn_required_option
@generated_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table and a summary line; json: one document (`migrations`, `current`, `problems`).",
)
def migrate_status(dsn: str, generated: Path | None, output_format: str) -> None:
    """List every migration on disk and in the database: applied when, pending, part-way, or changed.
    Exit 1 when a migration is part-way, changed after it ran, or missing on disk."""
    from schemagen.database import runner

    generated = generated if generated is not None else Path(GENERATED)

    result = _run_migrations(lambda: runner.status(dsn, generated), "text")
    if output_format == "json":
        click.echo(_status_document(result), nl=False)
        if result.problems:
            raise SystemExit(EXIT_FOUND)
        return
    rows = [("version", "name", "applied", "checksum")]
    for line in result.lines:
        applied = line.state
        if line.state == "applied" and line.applied_at is not None:
            applied = line.applied_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        rows.append((f"{line.version:04d}", line.name, applied, line.checksum))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[3]]).rstrip())
    pending = sum(line.state == "pending" for line in result.lines)
    part_way = sum(line.state.startswith("partial") for line in result.lines)
    current = result.current
    at = f"the database is at {current.version:04d}_{current.name}" if current else "no migration is applied"
    click.echo(f"{at}; {pending} pending" + (f", {part_way} part-way" if part_way else ""))
    if result.problems:
        click.echo("\n".join(result.problems), err=True)
        raise SystemExit(EXIT_FOUND)


#: The shape of `migrate status --format json`; fields are only ever added.
STATUS_VERSION = 1


def _status_document(result: runner.Status) -> str:
    """`migrate status` for tools: every migration with its state, the current one, and the problems
    that make the command exit 1."""
    import json

    def state(line: runner.StatusLine) -> str:
        return "part-way" if line.in_progress is not None else line.state

    migrations = [
        {
            "version": line.version,
            "name": line.name,
            "state": state(line),  # applied, pending or part-way
            "applied_at": line.applied_at.astimezone(UTC).isoformat() if line.applied_at else None,
            "checksum": {"ok": "ok", "MISMATCH": "mismatch", "missing on disk": "missing"}.get(
                line.checksum
            ),  # ok, mismatch (edited after it ran), missing (on disk), or null when pending
            "direction": line.in_progress,  # of a part-way migration: up or down
            "steps_done": line.steps_done,
            "steps_total": line.steps_total,
            "problem": line.problem,
        }
        for line in result.lines
    ]
    current = result.current
    document = {
        "version": STATUS_VERSION,
        "current": {"version": current.version, "name": current.name} if current else None,
        "summary": {
            "applied": sum(m["state"] == "applied" for m in migrations),
            "pending": sum(m["state"] == "pending" for m in migrations),
            "part_way": sum(m["state"] == "part-way" for m in migrations),
        },
        "migrations": migrations,
        "problems": result.problems,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@migrate.command("down")
@dsn_required_option
@generated_option
@click.option(
    "--to",
    type=click.IntRange(min=0),
    required=True,
    help="The migration to go back to (0: before the first one).",
)
@lock_timeout_option
@retries_option
@run_format_option
def migrate_down(
    dsn: str, generated: Path | None, to: int, lock_timeout: str, retries: int, output_format: str
) -> None:
    """Run the down files of the applied migrations newer than N, newest first, under an advisory lock."""
    from schemagen.database import runner

    generated = generated if generated is not None else Path(GENERATED)

    settings = _runner_settings(lock_timeout, retries)
    report, progress = _reporting(output_format)
    outcome = _run_migrations(
        lambda: runner.down(dsn, generated, to, settings, report, progress), output_format
    )
    _report_run(outcome, "reverted", "nothing to revert", output_format)


@migrate.command("baseline")
@dsn_required_option
@generated_option
@click.option(
    "--to",
    type=click.IntRange(min=1),
    default=None,
    help="Record migrations up to N (default: the newest). The database must have N's schema.",
)
@today_option
@run_format_option
def migrate_baseline(
    dsn: str, generated: Path | None, to: int | None, today: datetime | None, output_format: str
) -> None:
    """Record the migrations up to N as applied, running none, on an existing database that already has
    that schema (adopting a database schemagen did not create). Refused, with the differences, unless
    inspect + plan prove the database equals the schema of migration N."""
    from schemagen import drift
    from schemagen.database import runner
    from schemagen.database.cluster import DatabaseError

    generated = generated if generated is not None else Path(GENERATED)
    from schemagen.migrate import history

    try:
        model, target = drift.expected_model(generated, to)
    except history.HistoryError as error:
        raise InputError(str(error)) from None
    except DatabaseError as error:
        raise InputError(error.message) from None
    differences: list[Diagnostic] = []

    def prove(conn: psycopg.Connection) -> list[str]:
        differences[:] = drift.baseline_differences(conn, model, _label(target), _today(today))
        return [d.message for d in differences]

    outcome = _run_migrations(
        lambda: runner.baseline(dsn, generated, target.number, prove, runner.Settings(), _progress),
        output_format,
        refusal=lambda refused: differences or _refusal(refused),
    )
    _summary(
        f"recorded {_plural(len(outcome.ran), 'migration')} as applied without running them "
        f"(the database has the schema of {_label(target)}): the database is at {outcome.version:04d}",
        output_format,
    )


def _label(files: MigrationFiles) -> str:
    return f"{files.number:04d}_{files.name}"


def _summary(line: str, output_format: str) -> None:
    """A run's one-line summary: on stdout, except in json, whose stdout is the (empty) document."""
    if output_format == "json":
        _emit([], output_format)
    click.echo(line, err=output_format == "json")


def _report_run(outcome: runner.Outcome, done: str, nothing: str, output_format: str) -> None:
    """One line saying which migrations ran and where the database is now."""
    at = f"the database is at {outcome.version:04d}" if outcome.version else "no migration is applied"
    if not outcome.ran:
        _summary(f"{nothing}: {at}", output_format)
        return
    names = ", ".join(_label(m) for m in outcome.ran)
    _summary(f"{done} {_plural(len(outcome.ran), 'migration')} ({names}): {at}", output_format)


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--down", is_flag=True, help="Print the down migration (TARGET back to SOURCE) instead.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["sql", "json"]),
    default="sql",
    show_default=True,
    help="sql: the migration file; json: the planned operations (kind, target, locks, hazards).",
)
def diff(source: str, target: str, down: bool, output_format: str) -> None:
    """Print the migration from SOURCE to TARGET; each a spec folder or git:REV[:PATH]."""
    from schemagen.load import sources
    from schemagen.migrate.migration import build_migration, build_up
    from schemagen.plan import PlanError

    title = f"{source} → {target}"
    try:
        with sources.checkout(source) as source_dir, sources.checkout(target) as target_dir:
            before, after = _compile(source_dir), _compile(target_dir)
            if down:  # its header names what the up drops, so both directions are planned
                migration = build_migration(before.model, after.model, title)
                operations_, text = list(migration.down_operations), migration.down_sql
            else:
                operations_, text = build_up(before.model, after.model, title)
    except sources.SourceError as error:
        raise InputError(str(error)) from None
    except PlanError as error:
        raise InputError(str(error)) from None
    if output_format == "json":
        from schemagen.plan import serialize as operations

        _print_document(operations.render(operations_))
        return
    _print_document(text)


@cli.command()
@spec_dir_argument
@generated_option
@templates_option
@format_option()
@click.option(
    "--live",
    is_flag=True,
    help="Also replay the migrations on an empty database and prove it equals schema.sql applied to another.",
)
@click.option("--dsn", default=None, help="The server for --live (default: a throwaway local cluster).")
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="List the hazards of the migrations added since this git revision, failing on destructive ones "
    "the spec does not allow (default: the merge base with the main branch, in a git work tree).",
)
def check(
    spec_dir: Path,
    generated: Path | None,
    templates: Path | None,
    output_format: str,
    live: bool,
    dsn: str | None,
    base: str | None,
) -> None:
    """The CI gate: exit 1 when generated/ is stale, a change has no migration, a migration was edited,
    or a pending change is destructive and not allowed; it lists the hazards of the migrations a pull
    request adds (since --base); with --live, also when replaying the migrations does not give
    schema.sql's database."""
    from schemagen.load import sources
    from schemagen.migrate.layout import MIGRATIONS_DIR

    live = live or dsn is not None
    generated = generated if generated is not None else beside(spec_dir)
    # git answers on a thread while the tree is hashed and the spec compiled
    base_revision = sources.BaseRevision(base, generated, MIGRATIONS_DIR)
    run_key = None
    if not live and output_format == "text" and _as_program():
        # a tree found clean before, byte for byte, is clean again (see schemagen/gate_cache.py)
        from schemagen import gate_cache

        key = gate_cache.key(spec_dir, generated, templates, base)
        if key is not None and (base is None or base_revision.commit is not None):
            run_key = gate_cache.with_base(key, base_revision.commit)
        if run_key is not None and gate_cache.is_clean(spec_dir, generated, run_key):
            click.echo(_in_sync(spec_dir, generated, live))
            return
    base_revision.ask_for_names()
    from schemagen import gate
    from schemagen.diagnostics import Severity
    from schemagen.pipeline import RenderError

    compiled = _compile(spec_dir, output_format)
    try:
        found = gate.check(compiled, generated, templates)
    except RenderError as error:
        raise InputError(str(error)) from None
    if not found:
        found = _added_since(compiled, generated, base_revision)
    # On a stale tree the replay would compare the wrong files; the static findings come first.
    if live and not found:
        from schemagen.database.cluster import DatabaseError

        gc.enable()  # a database's time from here on: the collector is back (see `main`)
        try:
            found = gate.live_check(generated, dsn)
        except DatabaseError as error:
            raise InputError(error.message) from None
    errors = [d for d in found if d.severity is Severity.ERROR]
    if errors or (found and output_format != "text"):
        _emit(
            [*(compiled.warnings if output_format == "json" else []), *found],
            output_format,
            text_on_stdout=True,
        )
        if output_format == "text":
            click.echo(f"{_plural(len(errors), 'problem')} found by schemagen check")
        if errors:
            raise SystemExit(EXIT_FOUND)
        return
    if found:  # hazards of the added migrations, for the reviewer
        _emit(found, output_format, text_on_stdout=True)
    if output_format == "json":
        _emit(compiled.warnings, output_format)
    elif output_format == "text":
        click.echo(_in_sync(spec_dir, generated, live))
        if run_key is not None and not found and not compiled.warnings:
            from schemagen import gate_cache

            gate_cache.remember_clean(spec_dir, generated, run_key)


def _in_sync(spec_dir: Path, generated: Path, live: bool) -> str:
    replayed = ", and the migrations replay to schema.sql, down to empty and up again" if live else ""
    return (
        f"{spec_dir} and {generated} are in sync: nothing stale, every change migrated, "
        f"history intact{replayed}"
    )


@cli.command()
@click.option(
    "--dsn",
    envvar="SCHEMAGEN_DSN",
    callback=_required_dsn,
    help="The database to read: a libpq conninfo string or postgresql:// URL (default: $SCHEMAGEN_DSN).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default="spec",
    show_default=True,
    help="The spec folder to write (refused when it already holds spec files).",
)
@click.option("--schema", "schemas", multiple=True, help="A schema to read (default: every user schema).")
def inspect(dsn: str, out: Path, schemas: tuple[str, ...]) -> None:
    """Read a live database's catalog into a spec that renders back to the same catalog."""
    import gc

    if gc.isenabled():  # what the run makes is freed by reference counts: a collection only costs time
        gc.disable()
        if not _as_program():  # the program ends with os._exit: enabling it would collect once more
            click.get_current_context().call_on_close(gc.enable)
    from schemagen.database.cluster import DatabaseError
    from schemagen.database.inspect import inspect as inspect_database

    try:
        result = inspect_database(dsn, schemas or None)  # imports the spec writer while the server works
        from schemagen.build.writer import write_spec

        paths = write_spec(result.model, out, written=result.spec)
    except DatabaseError as error:
        raise InputError(error.message) from None
    except (ValueError, FileExistsError) as error:
        raise InputError(str(error)) from None
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    click.echo(
        f"wrote {', '.join(str(p) for p in paths)}: {len(result.model.tables)} tables, "
        f"{len(result.model.views)} views, {len(result.warnings)} warnings"
    )


@cli.command("drift")
@spec_dir_argument
@dsn_required_option
@today_option
@format_option(
    "text: the migration that would bring the database to the spec; json: its operations; "
    "github: one annotation per operation, at the spec line it concerns."
)
def drift_command(spec_dir: Path, dsn: str, today: datetime | None, output_format: str) -> None:
    """Compare a live database with the spec: plan from what the database has to what the spec says,
    with the migration planner. Exit 1 when they differ (the plan is printed), 0 when in sync."""
    from schemagen import drift
    from schemagen.database.cluster import DatabaseError
    from schemagen.load.loader import display_path
    from schemagen.plan import PlanError

    compiled = _compile(spec_dir, output_format)
    try:
        found = drift.drift(dsn, compiled.model, _today(today))
    except DatabaseError as error:
        raise InputError(error.message) from None
    except PlanError as error:
        warnings = compiled.warnings if output_format == "json" else []
        _emit([*warnings, drift.unplannable(error, display_path(compiled.root))], output_format)
        raise SystemExit(EXIT_FOUND) from None
    _warnings_aside(compiled, output_format)
    for line in found.warnings:
        click.echo(f"warning: {line}", err=True)
    operations = found.operations
    if output_format == "json":
        from schemagen.plan import serialize as operations_format

        _print_document(operations_format.render(operations))
    elif output_format == "github":
        _emit(drift.diagnostics(found, compiled.model), "github")
    elif operations:
        _print_document(found.sql)
    if output_format == "text":
        for behind in found.behind:
            click.echo(f"{behind.table}: {behind.problem}", err=True)
    if found.in_sync:
        if output_format == "text":
            click.echo(f"the database is in sync with {spec_dir}")
        return
    count = len(operations)
    click.echo(
        f"drift: the database differs from {spec_dir} by {count} operation{'s' * (count != 1)}", err=True
    )
    raise SystemExit(EXIT_FOUND)


@cli.group()
def partitions() -> None:
    """Windows kept over time (`premake`, `retain`, `expire`): create and expire their periods."""


@partitions.command("maintain")
@spec_dir_argument
@dsn_required_option
@today_option
@click.option(
    "--dry-run", is_flag=True, help="Print what is due and the SQL that would do it; change nothing."
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Rows moved per transaction (out of a DEFAULT partition, into an archive).",
)
@lock_timeout_option
@retries_option
@format_option("How to print a failure: for people, for tools, or as GitHub annotations.")
def partitions_maintain(
    spec_dir: Path,
    dsn: str,
    today: datetime | None,
    dry_run: bool,
    batch_rows: int,
    lock_timeout: str,
    retries: int,
    output_format: str,
) -> None:
    """Create the periods the windows of SPEC_DIR kept with `premake` need by today, and expire those
    older than `retain`, in the database: each new period made a table of its own and attached, rows in
    batches, every step under the lock timeout and retried. Exit 1 when a kept table is missing from
    the database or a step fails."""
    from schemagen.database import maintenance
    from schemagen.database.cluster import DatabaseError
    from schemagen.diagnostics import rules

    compiled = _compile(spec_dir, output_format)
    day = _today(today)
    settings = _runner_settings(lock_timeout, retries)
    try:
        found = maintenance.maintain(
            dsn, compiled.model, day, dry_run=dry_run, batch=batch_rows, settings=settings, report=_progress
        )
    except DatabaseError as error:
        raise InputError(error.message) from None
    except maintenance.MaintenanceFailed as failed:
        _emit(
            [rules.MAINTENANCE_FAILED(None, operation=failed.operation, reason=failed.reason)], output_format
        )
        raise SystemExit(EXIT_FOUND) from None
    for name in found.missing:
        click.echo(
            f"warning: {name} is not a partitioned table of the database: apply the migrations first",
            err=True,
        )
    if dry_run:
        _print_document(found.sql)
    counts = maintenance.summary(found)
    if not found.due:
        click.echo(f"nothing due on {day}")
    else:
        did = "due" if dry_run else "done"
        archived = f", {found.archived} rows archived" if found.archived else ""
        moved = f", {found.from_default} rows moved out of DEFAULT" if found.from_default else ""
        click.echo(
            f"{did} on {day}: {_plural(counts['created'], 'period')} created, {counts['expired']} expired"
            f"{archived}{moved}"
        )
    if found.missing:
        raise SystemExit(EXIT_FOUND)


@cli.command("json-schema")
@click.option(
    "--path",
    "print_path",
    is_flag=True,
    help="Print where the package's copy of the schema is, for `# yaml-language-server: $schema=PATH`.",
)
def json_schema(print_path: bool) -> None:
    """Print the JSON Schema of a spec file (for editors: yaml-language-server)."""
    if print_path:
        from schemagen.scaffold import packaged_schema

        click.echo(str(packaged_schema()))
        return
    from schemagen.parse.spec import json_schema as spec_json_schema

    click.echo(spec_json_schema(), nl=False)


@cli.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
def init(directory: Path) -> None:
    """Start a project in DIRECTORY (default: here): spec/ with the project's settings and an example
    entity, generated/ rendered from it, a pre-commit config and a GitHub Actions workflow running
    `schemagen check`. Each spec file's first line points yaml-language-server at the JSON Schema the
    package ships. Nothing that exists is overwritten."""
    from schemagen import scaffold
    from schemagen.diagnostics import SpecError

    try:
        made = scaffold.init(directory)
    except scaffold.ScaffoldError as error:
        raise InputError(f"init: {error}") from None
    except SpecError as error:  # a bug: the scaffold is valid, and a test says so
        raise InputError(f"init: the example spec does not validate:\n{error}") from None
    for path in made.written:
        click.echo(f"wrote {path}")
    spec = directory / scaffold.SPEC_DIR
    click.echo(
        f"\nnext: edit {spec} (the example entities are a start), run `schemagen render {spec}`, then "
        f"`schemagen migrate new initial {spec}`; `schemagen check {spec}` (the pre-commit hook and the CI "
        "workflow) passes once the first migration is written. Editors with yaml-language-server "
        f"validate the spec against {made.schema}."
    )


def _count_children(scheme: PartitionScheme | None) -> int:
    if scheme is None:
        return 0
    return sum(1 + _count_children(child.sub) for child in scheme.children)


def _base_history(
    generated: Path, base: str | None, base_revision: BaseRevision | None = None
) -> tuple[Model | None, set[str] | None]:
    """The schema and the migration labels of `generated` at the base revision (`base`, else the merge
    base with the main branch; `base_revision` when git was already asked); (None, None) when there
    is no base to read."""
    from schemagen.load import sources
    from schemagen.migrate import history, snapshot

    if base_revision is None:
        base_revision = sources.BaseRevision(base, generated, history.MIGRATIONS_DIR)
    rev, path = base_revision.rev, base_revision.path
    if rev is None or path is None:
        if base is not None:
            raise InputError(f"--base {base}: {generated} is not in a git work tree")
        return None, None
    try:
        with sources.checkout(f"git:{rev}:{path}") as old:
            if not old.exists():
                return None, set()
            return history.read_snapshot(old), {f"{m.number:04d}_{m.name}" for m in history.migrations(old)}
    except sources.SourceError as error:
        if base is not None:
            raise InputError(str(error)) from None
        return None, set()  # no generated folder at the base yet: everything is new
    except (history.HistoryError, snapshot.SnapshotError) as error:
        raise InputError(f"the history at {rev}: {error}") from None


def _nothing_added(generated: Path, base_revision: BaseRevision) -> bool:
    """Whether the base revision's history already has every migration of `generated`, told from the
    file names alone (one git command): then there is nothing to review, and the base's history is not
    extracted and read. False when that cannot be told this way."""
    from schemagen.migrate import history

    try:
        labels = {f"{m.number:04d}_{m.name}" for m in history.migrations(generated)}
    except history.HistoryError:
        return False
    if not labels:
        return True
    names = base_revision.names
    if names is None:
        return False
    at_base = set()
    for name in names:
        match = history.FILE.match(name)
        if match is not None and match.group(3) == "up":
            at_base.add(f"{int(match.group(1)):04d}_{match.group(2)}")
    return labels <= at_base


def _added_since(compiled: Compiled, generated: Path, base_revision: BaseRevision) -> list[Diagnostic]:
    """The review of the migrations a pull request adds: those not in the base revision's history."""
    from schemagen import gate

    if _nothing_added(generated, base_revision):
        return []
    before, labels = _base_history(generated, base_revision.base, base_revision)
    if labels is None:
        return []
    return gate.added_migrations(compiled, generated, before, labels)


def _with_display_options(group: click.Group) -> None:
    group.params.extend(display_options())
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _with_display_options(command)
        else:
            command.params.extend(display_options())


_with_display_options(cli)
cli.add_command(docs)


#: The root context's `obj` when the process is the `schemagen` program (not a caller of `main(argv)`).
_PROGRAM = object()


def _as_program() -> bool:
    """Whether this run is the `schemagen` program itself, which may answer from `check`'s cache."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.find_root().obj is _PROGRAM


def main(argv: list[str] | None = None) -> None:
    """Entry point. Any unexpected error still ends in one line on stderr and exit 2, never a traceback.

    Run as the program (no `argv`), the process ends with `os._exit` once output is flushed and the
    exit handlers have run (a throwaway cluster stops in one): tearing down the interpreter, freeing a
    large spec's Model object by object, was a tenth of a render. The cyclic garbage collector is off
    meanwhile, but for the commands that may run for long against a database (`COLLECTING`, and
    `--live`): its passes over the imports and a spec's objects, which make few cycles, were a tenth
    of a short command."""
    if argv is None:
        gc.disable()
    try:
        cli.main(
            args=argv, prog_name="schemagen", standalone_mode=True, obj=_PROGRAM if argv is None else None
        )
    except SystemExit as done:
        if argv is not None:
            raise
        _exit_now(done.code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # last resort: the tests make sure bad input never gets here
        click.echo(f"schemagen: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_INPUT)


def _exit_now(code: object) -> NoReturn:
    """Exit with `code` as SystemExit would, without the interpreter's teardown."""
    if code is None:
        status = EXIT_OK
    elif isinstance(code, int):
        status = code
    else:
        click.echo(code, err=True)
        status = 1
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can be said
        status = status or 1
    os._exit(status)


if __name__ == "__main__":
    main()
