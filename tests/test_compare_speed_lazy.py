"""A Migration's files rendered when first read (`diff --down` prints the down file alone, the checks
read neither): each text is the one rendering its operations gives, made once."""

from __future__ import annotations

from pathlib import Path

from migrations import model_of

from schemagen.migrate.migration import build_migration, render_operations, unrestorable
from schemagen.render.templating import make_environment

A = """\
project: {name: lazy, postgres: 15}
entities:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
      email: text
      legacy: text?
"""

#: `legacy` dropped (a hazard the down file says it cannot restore), a column and an index added.
B = """\
project: {name: lazy, postgres: 15}
entities:
  accounts:
    columns:
      id: {type: bigint, primary_key: true}
      email: text
      plan: {type: text, nullable: true}
    indexes:
      - columns: [email]
"""


def test_each_direction_is_rendered_when_first_read(tmp_path: Path) -> None:
    a, b = model_of(tmp_path, "a", {"spec.yaml": A}), model_of(tmp_path, "b", {"spec.yaml": B})
    env = make_environment()
    migration = build_migration(a, b, "0002_lazy", env)
    assert not migration.empty
    assert "up_sql" not in vars(migration) and "down_sql" not in vars(migration)
    up, down = list(migration.up_operations), list(migration.down_operations)
    assert migration.down_sql == render_operations(
        down, "0002_lazy (down)", env, cannot_restore=unrestorable(up, down)
    )
    assert "up_sql" not in vars(migration)  # the down file alone, as `diff --down` reads it
    assert migration.up_sql == render_operations(up, "0002_lazy (up)", env)
    assert migration.up_sql is migration.up_sql and migration.down_sql is migration.down_sql
    assert "Cannot be restored by this migration" in migration.down_sql


def test_the_first_migration_is_schema_sql_when_read(tmp_path: Path) -> None:
    b = model_of(tmp_path, "b", {"spec.yaml": B})
    migration = build_migration(None, b, "0001_initial")
    assert "up_sql" not in vars(migration)
    assert "CREATE TABLE" in migration.up_sql and "DROP TABLE" in migration.down_sql
