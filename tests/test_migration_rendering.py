"""How a migration file renders its statements: once per distinct statement of names and numbers,
through each template's context of its arguments alone, to exactly the text `render_step` gives.

No database: the scenario tests apply what these render (and pin it byte for byte).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from migrations import model_of, scenario_cases, scenario_models

from schemagen.migrate import migration
from schemagen.migrate.migration import _plain, _StepRenderer, render_step
from schemagen.plan import Renames, plan, plan_down, reshard, schemes, steps
from schemagen.plan.changes import PartitionMove
from schemagen.plan.diff import diff
from schemagen.plan.reshard_steps import ReshardReplayInsert
from schemagen.render.templating import make_environment


@pytest.mark.parametrize("case", scenario_cases())
def test_every_step_renders_as_its_template_alone(case: str) -> None:
    """Every step of both directions of every scenario: the file's renderer gives what the template's
    own `render` gives, a statement met again included."""
    before, after = scenario_models(case)
    env = make_environment()
    render = _StepRenderer(env)
    for operations in (plan(before, after), plan_down(before, after)):
        for op in operations:
            for step in op.up:
                assert render(step) == render_step(env, step), (case, step.template)
                assert render(step) == render_step(env, step)  # the second time, from what it kept


def test_only_statements_of_names_and_numbers_are_kept() -> None:
    """`==` joins 1, 1.0 and True, which a literal renders apart: a statement holding a value of any
    type (a default, a column, an index) is rendered each time."""
    assert _plain(steps.Begin) and _plain(steps.RenameIndex) and _plain(ReshardReplayInsert)
    assert not _plain(steps.SetDefault)
    assert not _plain(steps.CreateIndex)
    assert not _plain(steps.AddColumn)


def test_a_template_error_is_raised_as_the_template_says_it() -> None:
    """The direct render path gives up on an error and renders once more through Jinja's own
    `render`, so the error is the one a user's template would raise (with its line)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals.clear()
    template = env.from_string("ALTER TABLE {{ table }} RENAME TO {{ missing }};")
    render = migration._renderer(template)
    assert render({"table": "t", "missing": "u"}) == "ALTER TABLE t RENAME TO u;"
    with pytest.raises(jinja2.UndefinedError, match="missing"):
        render({"table": "t"})


def test_a_user_environment_keeps_its_globals() -> None:
    """A user's templates may use Jinja's globals (`range`): their environment renders the plain way."""
    env = jinja2.Environment()
    template = env.from_string("{% for i in range(n) %}{{ i }}{% endfor %}")
    assert migration._renderer(template)({"n": 3}) == "012"


LONG_NAMES = """\
project: {{name: names, postgres: 15}}
entities:
  {table}:
    columns:
      id: {{type: bigint, primary_key: true}}
      {column}: text
    partition:
      hash: {{key: id, modulus: {modulus}}}
    indexes:
      - columns: [{column}]
      - columns: [{column}, id]
"""


@pytest.mark.parametrize("length", [20, 26, 28, 29, 30, 31, 32, 33, 34, 40, 56])
def test_a_split_runs_online_exactly_when_every_name_it_builds_fits(tmp_path: Path, length: int) -> None:
    """`reshard.online` skips working out the index names of a partition whose longest possible index
    name fits: its answer is still the one every name, worked out, gives."""
    table, column = "t" * length, "c" * (length // 2)
    specs = [LONG_NAMES.format(table=table, column=column, modulus=m) for m in (2, 4)]
    before = model_of(tmp_path, "a", {"spec.yaml": specs[0]})
    after = model_of(tmp_path, "b", {"spec.yaml": specs[1]})
    moves = [c for c in diff(before, after, Renames.from_model(after)) if isinstance(c, PartitionMove)]
    assert moves
    for move in moves:
        names = [n for s in move.sources for n in (reshard.capture_name(s), reshard.log_name(s))]
        for child in move.new:
            names += [reshard.temporary(child.name), reshard.check_name(reshard.temporary(child.name))]
            indexes = schemes.clone_index_names(move.table, child.name, frozenset()).values()
            names += [reshard.temporary(n) for n in indexes]
        assert reshard.online(move) == all(len(n.encode()) <= reshard.NAME_BYTES for n in names)
