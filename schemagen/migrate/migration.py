"""A planned migration rendered to its up and down SQL files (through templates)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import field, fields
from functools import cached_property
from operator import is_
from typing import Any

from jinja2 import ChoiceLoader, Environment, Template, TemplateNotFound

from schemagen.model import Model
from schemagen.plan import Lock, Operation, hazards, plan, plan_down, steps
from schemagen.plan.operations import STATEMENT_TIMEOUT, Kind, Statement, Step, Unit
from schemagen.records import dataclass
from schemagen.render.templating import make_environment


@dataclass(frozen=True)
class Migration:
    """Both directions of one migration, planned; each direction's file rendered when first read
    (`diff --down` prints the down file alone, and the checks read neither)."""

    up_operations: tuple[Operation, ...]
    down_operations: tuple[Operation, ...]
    name: str  # the files' title, without the direction
    env: Environment = field(compare=False, repr=False)

    @property
    def empty(self) -> bool:
        return not self.up_operations

    @cached_property
    def up_sql(self) -> str:
        with _without_gc():
            return render_operations(list(self.up_operations), f"{self.name} (up)", self.env)

    @cached_property
    def down_sql(self) -> str:
        up, down = list(self.up_operations), list(self.down_operations)
        with _without_gc():
            return render_operations(
                down, f"{self.name} (down)", self.env, cannot_restore=unrestorable(up, down)
            )


def lock_lines(operations: list[Operation] | tuple[Operation, ...]) -> list[str]:
    lines: dict[str, None] = {}  # ordered and unique
    seen: set[tuple[Lock, str, bool]] = set()  # a file's steps say a few hundred of these, many times
    none = Lock.NONE
    for op in operations:
        target = op.target
        for step in op.up:
            statement = step.statement
            # `said_of(step)`, without a generator per step (a file's header reads tens of thousands)
            parts = (
                statement.said()
                if isinstance(statement, Unit)
                else ((step.lock, step.on, step.brief, step.locks if statement.takes_locks_first else None),)
            )
            for lock, on, brief, first in parts:
                if first is not None:
                    taken = ", then ".join(
                        f"{table.mode.label} on {table.relation}" + (" NOWAIT" if n else "")
                        for n, table in enumerate(first)
                    )
                    lines[f"LOCK TABLE first, in this order: {taken}"] = None
                    continue
                if lock is none:
                    continue
                said = (lock, on or target, brief)
                if said in seen:
                    continue
                seen.add(said)
                label, note = _SAID[lock, brief]
                lines[label + said[1] + note] = None
    return list(lines)


#: How the header says a lock held (`on …` between), by lock and whether it is brief.
_SAID = {
    (lock, brief): (
        f"{lock.label} on ",
        ""
        if lock is not Lock.ACCESS_EXCLUSIVE
        else (" (catalog change only)" if brief else " (held while it scans or rewrites: see hazards)"),
    )
    for lock in Lock
    for brief in (True, False)
}


#: Session settings every migration file sets for itself, so plain `psql -f` is as safe as the runner.
LOCK_TIMEOUT = "5s"
# STATEMENT_TIMEOUT (what the file sets the timeout back to) is `plan.operations`'s: a `Unit` says it too


def render_operations(
    operations: list[Operation],
    title: str,
    env: Environment,
    cannot_restore: list[str] | None = None,
    *,
    recorded: bool = True,
    differences: list[str] | None = None,
) -> str:
    """The text of a migration file; `recorded=False` for one that is only printed (diff, drift), with
    `differences` (drift: what differs, said before what the migration does)."""
    # a statement that scans or moves every row runs with the statement timeout lifted
    render = _StepRenderer(env)
    statements = [[pair for step in op.up for pair in render.texts(step)] for op in operations]
    return env.get_template("postgres/migration.sql.j2").render(
        title=title,
        operations=operations,
        statements=statements,
        hazards=[(op, h) for op in operations for h in op.hazards],
        locks=lock_lines(operations),
        transactional=all(op.transactional for op in operations),
        cannot_restore=cannot_restore or [],
        lock_timeout=LOCK_TIMEOUT,
        statement_timeout=STATEMENT_TIMEOUT,
        # a SQL body in quotes may read a table the migration creates after it, as in schema.sql
        check_function_bodies_off=any(step.statement.writes_sql_body for op in operations for step in op.up),
        recorded=recorded,
        differences=differences or [],
    )


def build_migration(
    before: Model | None, after: Model, name: str, env: Environment | None = None
) -> Migration:
    """The migration from `before` (None: an empty database) to `after`, both directions planned (and
    rendered when read: `Migration.up_sql`, `down_sql`).

    The first migration of a spec is exactly `schema.sql`, so replaying the migrations and applying
    `schema.sql` can only give the same database.
    """
    with _without_gc():
        return _build_migration(before, after, name, env or make_environment())


def _build_migration(before: Model | None, after: Model, name: str, env: Environment) -> Migration:
    empty = Model(project=after.project)
    if before is None:
        # (imported here: planning between two versions, as `diff` does, renders no schema)
        from schemagen.render.render import render_schema

        up = [
            Operation(
                Kind.CREATE_SCHEMA,
                after.project.name,
                "create the whole schema (as schema.sql)",
                (steps.schema_sql(render_schema(after, env)),),
            )
        ]
        down = plan_down(empty, after)
    else:
        up = plan(before, after)
        down = plan_down(before, after)
    return Migration(up_operations=tuple(up), down_operations=tuple(down), name=name, env=env)


def build_up(
    before: Model,
    after: Model,
    name: str,
    env: Environment | None = None,
    differences: Callable[[list[Operation]], list[str]] | None = None,
) -> tuple[list[Operation], str]:
    """The up direction of `build_migration` alone, planned and rendered to be printed (`diff`, `drift`);
    `differences` says what differs, from the operations, in the header."""
    with _without_gc():
        up = plan(before, after)
        said = differences(up) if differences is not None else None
        return up, render_operations(
            up, f"{name} (up)", env or make_environment(), recorded=False, differences=said
        )


@contextmanager
def _without_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a migration is planned and rendered (as the stages
    before it run, `pipeline.without_gc`): tens of thousands of steps and texts that live as long as
    the file and make no cycles, over which its passes were a third of planning.

    Paused, the collector still counts what is made: enabled again, its next pass would walk every
    object of the plan (a tenth of `build_up`). What outlives the migration is moved to the oldest
    generation first, as passes would have moved it, without walking it (as `pipeline.without_gc`)."""
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


def unrestorable(up: list[Operation], down: list[Operation]) -> list[str]:
    """What the down migration does not bring back: the data the up drops, and what held that data."""
    lost = [
        f"{h.message}: the down migration recreates the structure, not the data"
        for op in up
        for h in op.hazards
        if h.destructive
    ]
    return lost + [h.message for op in down for h in op.hazards if h.code in hazards.NOT_RESTORED]


def render_step(env: Environment, step: Step, loaded: dict[str, Template] | None = None) -> str:
    """The SQL of one step, as a migration file holds it (`loaded`: the templates found so far)."""
    return _template(env, step.template, {} if loaded is None else loaded).render(**step.args)


class _StepRenderer:
    """`render_step` for the many steps of one file: each template looked up once, and a statement the
    file holds several times rendered once (a split replays the same statements in each catch-up, and
    every unit opens and closes alike).

    Only statements of names and numbers are kept: a statement is a frozen dataclass of its template's
    arguments, and two equal ones render alike unless `==` joins values that render apart (`1`, `1.0`
    and `True`, as a default or a literal may be)."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.templates: dict[str, Template] = {}
        self.renders: dict[str, Callable[[dict[str, Any]], str]] = {}
        self.rendered: dict[Statement, str] = {}
        self.whole: dict[type, bool] = {}  # whether a `Unit` of this class renders through its own template
        # the macro rendering the `Unit`s of the table rendered last, with the fields they share
        self.unit_macro: tuple[type, tuple[str, ...], tuple[Any, ...], Callable[..., str]] | None = None

    def texts(self, step: Step) -> list[tuple[str, bool]]:
        """The SQL of `step` as the file holds it, each text with whether it runs long (the file lifts the
        statement timeout around it): a `Unit` in one text (its template says those lines itself), or
        the statements it stands for one by one when a user's template replaces any of theirs."""
        statement = step.statement
        if isinstance(statement, Unit):
            whole = self.whole.get(type(statement))
            if whole is None:
                whole = self.whole[type(statement)] = not _overridden(self.env, statement.statement_templates)
            if not whole:
                return [(self(s), s.runs_long) for s in statement.steps()]
        return [(self(step), step.runs_long)]

    def __call__(self, step: Step) -> str:
        statement = step.statement
        if not _plain(type(statement)):
            return self.render(statement)
        text = self.rendered.get(statement)
        if text is None:
            text = self.rendered[statement] = self.render(statement)
        return text

    def render(self, statement: Statement) -> str:
        if isinstance(statement, Unit) and statement.macro is not None:
            return self.unit(statement)
        render = self.renders.get(statement.template)
        if render is None:
            template = _template(self.env, statement.template, self.templates)
            render = self.renders[statement.template] = _renderer(template)
        arguments = statement.args  # a dict of its own, made for this call
        return render(arguments if isinstance(arguments, dict) else dict(arguments))

    def unit(self, statement: Unit) -> str:
        """A `Unit` through its template's macro (`Unit.macro`), in the module of its template made for the
        fields it shares with the unit before it (a table's splits share its names, keys and indexes,
        which the module works out once): the same text as its template renders for it alone."""
        arguments = statement.args  # a dict of its own, made for this call
        arguments = arguments if isinstance(arguments, dict) else dict(arguments)
        last = self.unit_macro
        if last is not None and last[0] is type(statement):
            shared = tuple(map(arguments.__getitem__, last[1]))
            if _same_values(last[2], shared):
                try:
                    return last[3](*map(arguments.__getitem__, statement.own))
                except Exception:
                    return _template(self.env, statement.template, self.templates).render(arguments)
        template = _template(self.env, statement.template, self.templates)
        try:
            module = template.make_module(arguments)
        except Exception:  # raised again by `render`, with the template's line
            return template.render(arguments)
        macro = getattr(module, statement.macro or "", None)  # (a user's template may have none)
        self.unit_macro = None
        if callable(macro):
            names = tuple(name for name in arguments if name not in statement.own)
            self.unit_macro = (type(statement), names, tuple(map(arguments.__getitem__, names)), macro)
        return str(module)


def _same_values(before: tuple[Any, ...], after: tuple[Any, ...]) -> bool:
    """Whether two units' shared fields are the same objects, or names and numbers that render alike
    (`==` alone joins `1`, `1.0` and `True`)."""
    if all(map(is_, before, after)):  # (a table's splits share the very objects)
        return True
    return all(
        x is y or (type(x) is type(y) and type(x) in _SAME_TYPES and x == y and _names(x))
        for x, y in zip(before, after, strict=True)
    )


_SAME_TYPES = (str, int, bool, tuple)


def _names(value: Any) -> bool:
    """A name or number, or a tuple of names."""
    return type(value) is not tuple or all(type(item) is str for item in value)


def _renderer(template: Template) -> Callable[[dict[str, Any]], str]:
    """What renders `template` with a dict of arguments, as `template.render(arguments)` does.

    The built-in environment has no globals, so each render's context holds only its arguments:
    made directly, without the copy of the (empty) globals that `render` makes, which was a third of
    rendering a short statement. An error renders once more through `render`, which raises it with
    the template's line."""
    if template.globals:  # a user's templates keep Jinja's globals (range, dict, …)
        return template.render
    env, name, blocks, root = template.environment, template.name, template.blocks, template.root_render_func

    def render(arguments: dict[str, Any]) -> str:
        try:
            return env.concat(root(env.context_class(env, arguments, name, blocks)))
        except Exception:
            return template.render(arguments)

    return render


#: The field types of a statement that `==` tells apart exactly as its template renders them.
_PLAIN_TYPES = frozenset({"str", "int", "bool", "tuple[str, ...]"})
_PLAIN: dict[type, bool] = {}


def _plain(cls: type) -> bool:
    """Whether every field of statement class `cls` is a name, a number or a flag (by its annotation)."""
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = all(str(f.type) in _PLAIN_TYPES for f in fields(cls))
    return plain


def _overridden(env: Environment, names: tuple[str, ...]) -> bool:
    """Whether a user's templates (any loader before the built-in one, `make_environment`) hold one of
    migration templates `names`."""
    loader = env.loader
    if not isinstance(loader, ChoiceLoader):
        return False
    for user in loader.loaders[:-1]:
        for name in names:
            try:
                user.get_source(env, f"postgres/migrate/{name}.sql.j2")
            except TemplateNotFound:
                continue
            return True
    return False


def _template(env: Environment, name: str, loaded: dict[str, Template]) -> Template:
    """Migration template `name`, from `loaded` when it holds it (and kept there)."""
    template = loaded.get(name)
    if template is None:
        template = loaded[name] = env.get_template(f"postgres/migrate/{name}.sql.j2")
    return template
