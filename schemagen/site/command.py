"""`schemagen docs`: the static schema site, from the spec or from a live database.

The command composes what the builder must not know about: compiling a spec, or inspecting a database
(`schemagen.database`, the one place that talks to PostgreSQL), then hands the Model to
`site.builder`. Errors are one line and exit 2, like every other command's bad input. The builder
(Jinja, Pygments, grandalf) is imported when the command runs, so the other commands start no slower.
"""

from __future__ import annotations

from collections.abc import Sized
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from schemagen.model import Model
    from schemagen.site.builder.migrations import MigrationRecord

EXIT_INPUT = 2
DEFAULT_OUT = "site"
GENERATED_DIR = "generated"


class DocsInputError(click.ClickException):
    """Bad input (a spec error, an unreachable database, an unwritable folder): one message, exit 2."""

    exit_code = EXIT_INPUT

    def show(self, file: object = None) -> None:
        click.echo(self.format_message(), err=True)


@click.command("docs")
@click.argument(
    "spec_dir", required=False, default="spec", type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="The folder to write the site into (new, empty, or an earlier site).",
)
@click.option(
    "--dsn",
    default=None,
    help="Document this database's schema, read through inspect, instead of SPEC_DIR.",
)
@click.option(
    "--generated",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The folder whose migrations/ get a page each (default: generated/ beside SPEC_DIR; "
    "with --dsn, none unless given).",
)
def docs(spec_dir: Path, out: Path, dsn: str | None, generated: Path | None) -> None:
    """Write a static HTML site of the schema to OUT: an index with search, a page per table, view,
    enum and migration, and ER diagrams. It needs no server: open OUT/index.html."""
    from schemagen.site.builder import SiteError, build_site, write_site

    if dsn is not None:
        model, spec_root = _inspected(dsn), None
    else:
        model, spec_root = _compiled(spec_dir), spec_dir
        if generated is None:
            generated = (spec_dir if spec_dir.is_dir() else spec_dir.parent).parent / GENERATED_DIR
    migrations = _migrations(generated) if generated is not None else []
    files = build_site(model, spec_root=spec_root, migrations=migrations)
    try:
        write_site(files, out)
    except SiteError as error:
        raise DocsInputError(str(error)) from None
    except OSError as error:
        raise DocsInputError(f"cannot write to {out}: {error.strerror or error}") from None
    click.echo(
        f"wrote {len(files)} files to {out} ({_count(model.tables, 'table')}, {_count(model.views, 'view')}, "
        f"{_count(migrations, 'migration')}): open {out / 'index.html'}"
    )


def _compiled(spec_dir: Path) -> Model:
    from schemagen.diagnostics import SpecError
    from schemagen.diagnostics.formats import text
    from schemagen.pipeline import compile_spec

    try:
        compiled = compile_spec(spec_dir)
    except SpecError as error:
        count = len(error.diagnostics)
        raise DocsInputError(
            f"{text.render(error.diagnostics)}{count} error{'s' * (count != 1)} in {spec_dir}"
        ) from None
    if compiled.warnings:
        click.echo(text.render(compiled.warnings), nl=False, err=True)
    return compiled.model


def _inspected(dsn: str) -> Model:
    from schemagen.database.cluster import DatabaseError
    from schemagen.database.inspect import inspect

    try:
        result = inspect(dsn)
    except DatabaseError as error:
        raise DocsInputError(error.message) from None
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    return result.model


def _migrations(generated: Path) -> list[MigrationRecord]:
    from schemagen.migrate.history import HistoryError
    from schemagen.site.builder import read_migrations

    try:
        return read_migrations(generated)
    except HistoryError as error:
        raise DocsInputError(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DocsInputError(f"cannot read the migrations under {generated}: {error}") from None


def _count(items: Sized, noun: str) -> str:
    n = len(items)
    return f"{n} {noun}{'s' * (n != 1)}"
