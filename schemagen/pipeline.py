"""The stages in order: load → parse → build → check, and render with the SQL parse check."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen.build import build
from schemagen.check import checks
from schemagen.diagnostics import Diagnostic, SpecError, has_errors, sort_diagnostics
from schemagen.load import loader
from schemagen.model import Model
from schemagen.parse import fast
from schemagen.records import dataclass

if TYPE_CHECKING:
    from schemagen.postgres.expressions import SqlProblem

USER_TEMPLATES_DIR = "templates"


@dataclass(frozen=True)
class Compiled:
    """A valid spec's Model, with its warnings."""

    model: Model
    warnings: list[Diagnostic]
    root: Path


@contextmanager
def without_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: the stages allocate many small objects that live as long
    as the run and make few cycles, and the collector's passes over them were half of loading.

    Paused, the collector still counts what is made: enabled again, its next pass would walk every
    object the stages made (a tenth of a load+validate at N = 1,000). What outlives the stages is moved
    to the oldest generation first, as passes would have moved it, without walking it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:  # (a program's own frozen objects stay frozen)
                gc.freeze()  # everything tracked, to the permanent generation...
                gc.unfreeze()  # ...and back, into the oldest one
            gc.enable()


def compile_spec(root: Path, *, locations_later: bool = True) -> Compiled:
    """Load, parse, build and check the spec under `root`; raises SpecError listing every error.

    Where each object was written is looked up when first read (`loader.load`'s `locations_later`):
    a valid spec's are never read by the commands that only validate, render or plan it."""
    with without_gc():
        raw = loader.load(root, locations_later=locations_later)
        # a valid spec is read without pydantic; an invalid or unusual one by pydantic, which says why
        shape = fast.parse(raw)
        if shape is None:
            from schemagen.parse import spec

            shape = spec.parse(raw)
        model, diagnostics = build.build(shape, raw)
        raw.built()
        diagnostics += checks.check(model)
    diagnostics = sort_diagnostics(diagnostics)
    if has_errors(diagnostics):
        raise SpecError(diagnostics)
    return Compiled(model=model, warnings=diagnostics, root=root)


def user_templates(root: Path, explicit: Path | None = None) -> Path | None:
    """A user's template folder: `--templates`, else `SPEC_DIR/templates/` when it exists."""
    if explicit is not None:
        return explicit
    candidate = root / USER_TEMPLATES_DIR
    return candidate if candidate.is_dir() else None


class RenderError(Exception):
    """Rendered SQL that PostgreSQL's parser rejects (a broken template override, or a bug)."""


def render_outputs(model: Model, templates: Path | None = None, *, parse_all: bool = True) -> dict[str, str]:
    """{file name: text} of everything `render` writes, after parsing the SQL it produced.

    With `parse_all` false and only the built-in templates, only the statements holding text no
    earlier stage parsed are parsed: the user's routines, whose PL/pgSQL bodies the build leaves to
    the parser (parsing the whole of a large schema.sql again was a quarter of what rendering it
    adds to validating the spec). What the built-in templates make of text the build has parsed is
    proven to parse by the test suite, which renders every spec it tests through this function with
    `parse_all`, fuzzed ones included. A user's templates are always parsed whole.
    """
    # Imported here: `validate` without templates of the user's or --live renders nothing.
    from schemagen.postgres import expressions
    from schemagen.render import render, templating

    env = templating.make_environment(templates)
    with without_gc():
        outputs = render.render_all(model, env)
    if parse_all or templates is not None:
        for name, text in outputs.items():
            if name.endswith(".sql"):
                _raise_first(name, expressions.check_sql(text))
        return outputs
    schema_sql = outputs["schema.sql"]
    for statement in render.routine_statements(model, env):
        problems = expressions.check_sql(statement)
        if problems:
            # where it is in schema.sql (it is there as rendered: the same macro wrote it)
            shift = schema_sql.count("\n", 0, max(schema_sql.find(statement), 0))
            _raise_first("schema.sql", [replace(p, line=p.line + shift) for p in problems])
    return outputs


def _raise_first(name: str, problems: list[SqlProblem]) -> None:
    if problems:
        first = problems[0]
        raise RenderError(f"{name}:{first.line}: the rendered SQL does not parse: {first.message}")
